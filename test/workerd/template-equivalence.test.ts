/**
 * Spliced output equals the streaming rewrite, byte for byte (and report for report): on
 * every page of test/fixtures/real-pages with slots on real elements, and on every
 * html5lib tokenizer input around a slot, for several decision sets, with and without the
 * client script before </body>.
 */
import { describe, expect, it } from "vitest";
import type { SlotRender } from "../../src/rewrite/types.ts";
import { REAL_PAGES, TOKENIZER_CASES } from "../fixtures/corpus.ts";
import { buildTemplate, decisionSets, firstDifference, sameBytes, selectorSlots, spliced, streamed, withSlots } from "../fixtures/template.ts";

const UTF8 = "text/html; charset=utf-8";
const SCRIPT = '<script src="/__p13n/client.js" defer></script>';
const bytes = (s: string) => new TextEncoder().encode(s);

describe("real pages: spliced == streamed", () => {
  for (const [name, original] of REAL_PAGES) {
    it(`${name}`, async () => {
      const { page, ids } = withSlots(original, 5);
      expect(ids.length).toBeGreaterThan(0);
      const input = bytes(page);
      for (const contentType of [UTF8, "text/html"]) {
        const template = await buildTemplate(input, contentType);
        expect(template, `${name} (${contentType}) builds a template`).not.toBeNull();
        for (const [set, renders] of decisionSets(ids)) {
          for (const script of [undefined, SCRIPT]) {
            const a = await streamed(input, contentType, renders, script);
            const b = spliced(template!, contentType, renders, script);
            const what = `${name} ${contentType} ${set}${script ? " +script" : ""}`;
            expect(sameBytes(a.bytes, b.bytes), `${what}: ${firstDifference(a.bytes, b.bytes)}`).toBe(true);
            expect(b.report, what).toEqual(a.report);
          }
        }
      }
    });
  }
});

describe("html5lib tokenizer corpus: spliced == streamed", () => {
  const SLOT = '<div data-p13n-slot="probe">default</div>';
  const shapes: Array<[string, (input: string) => string]> = [
    ["slot first", (input) => SLOT + input],
    ["slot last", (input) => input + SLOT],
    ["input inside the slot", (input) => `<section data-p13n-slot="probe">${input}</section><div data-p13n-slot="after">x</div>`],
  ];
  const renderSets = [
    new Map(),
    new Map([["probe", { variant: "v", html: "<!--p13n-->VARIANT" }]]),
    new Map([
      ["probe", { variant: "v", html: "P", experiment: "e:a" }],
      ["after", { variant: "w", html: "A" }],
    ]),
  ];
  const byFile = new Map<string, typeof TOKENIZER_CASES>();
  for (const c of TOKENIZER_CASES) byFile.set(c.file, [...(byFile.get(c.file) ?? []), c]);
  for (const [file, cases] of byFile) {
    it(`${file}: ${cases.length} inputs × ${shapes.length} shapes`, async () => {
      const failures: string[] = [];
      const built = new Map<string, number>();
      for (const c of cases) {
        for (const [shape, make] of shapes) {
          const input = bytes(make(c.input));
          const template = await buildTemplate(input, UTF8);
          // No template is allowed (the page keeps the streaming rewrite); a wrong one is not.
          if (!template) continue;
          built.set(shape, (built.get(shape) ?? 0) + 1);
          for (const renders of renderSets) {
            for (const script of [undefined, SCRIPT]) {
              const a = await streamed(input, UTF8, renders, script);
              const b = spliced(template, UTF8, renders, script);
              if (!sameBytes(a.bytes, b.bytes)) failures.push(`${c.description} [${shape}]: ${firstDifference(a.bytes, b.bytes)}`);
              else if (JSON.stringify(a.report) !== JSON.stringify(b.report)) failures.push(`${c.description} [${shape}]: report differs`);
            }
          }
        }
      }
      expect(failures.slice(0, 5)).toEqual([]);
      // A slot closed before the input always gives a template; inputs that leave a slot
      // unclosed (an open comment, a raw-text element) give none and keep the streaming rewrite.
      expect(built.get("slot first")).toBe(cases.length);
    }, 120_000);
  }
});

/**
 * Slots declared by selector (src/rewrite/slot-selectors.ts), beside markup slots: the builder
 * records them exactly as the streaming rewriter finds them (first claimable match, markup wins,
 * a second selector on an element already claimed moves on to its next match, optional-end-tag
 * and void elements, nested in a filled slot; a slot by selector's start tag carries
 * `data-p13n-slot` whether it is filled or keeps its default).
 */
describe("slots by selector: spliced == streamed", () => {
  const GENERIC: Record<string, string> = {
    "sel-div": "div",
    "sel-first": "body > *:first-child",
    "sel-a": "a",
    "sel-li": "ul li",
    "sel-img": "img",
    "sel-not": "section:not(.x), article",
    "sel-nth": "div:nth-child(2)",
    "sel-h": "h1, h2",
    "sel-span": "div span",
    // The id of a markup slot: the markup slot wins once met.
    s1: "p",
  };
  for (const [name, original] of REAL_PAGES) {
    it(`${name}`, async () => {
      const { page, ids } = withSlots(original, 3);
      const selectors = selectorSlots(GENERIC);
      const all = [...new Set([...ids, ...Object.keys(GENERIC)])];
      const input = bytes(page);
      const template = await buildTemplate(input, UTF8, selectors);
      expect(template, `${name} builds a template`).not.toBeNull();
      expect(template!.selectorKey).toBe(selectors.key);
      let filledBySelector = 0;
      // Each slot by selector alone too: on a page where a filled markup slot holds everything, the others nest.
      const alone = Object.keys(GENERIC).map((id): [string, Map<string, SlotRender>] => [`${id} alone`, new Map([[id, { variant: `${id}-v`, html: `<i>${id}</i>` }]])]);
      for (const [set, renders] of [...decisionSets(all), ...alone]) {
        for (const script of set.endsWith("alone") ? [SCRIPT] : [undefined, SCRIPT]) {
          const a = await streamed(input, UTF8, renders, script, selectors);
          const b = spliced(template!, UTF8, renders, script, selectors);
          const what = `${name} ${set}${script ? " +script" : ""}`;
          expect(sameBytes(a.bytes, b.bytes), `${what}: ${firstDifference(a.bytes, b.bytes)}`).toBe(true);
          expect(b.report, what).toEqual(a.report);
          filledBySelector += a.report.rendered.filter((r) => r.slot.startsWith("sel-")).length;
        }
      }
      // The selectors found real elements to fill on this page (not a comparison of two untouched pages).
      expect(filledBySelector).toBeGreaterThan(0);
      // Some twenty renderings of pages up to 1.2 MB: on a shared 2-core machine this outlasts vitest's 5 s default.
    }, 60_000);
  }
});

describe("html5lib tokenizer corpus, slots by selector: spliced == streamed", () => {
  const selectors = selectorSlots({ probe: "#probe, .probe", after: "div.after", first: "*" });
  const shapes: Array<[string, (input: string) => string]> = [
    // `*` matches the probe's element first; that one is the probe's, so its slot is the image.
    ["slot first", (input) => `<div class="probe">default</div><img class="next" src="x.png">${input}`],
    ["input inside the slot", (input) => `<section id="probe">${input}</section><div class="after">x</div>`],
  ];
  const renderSets = [
    new Map(),
    new Map([
      ["probe", { variant: "v", html: "<!--p13n-->VARIANT" }],
      ["first", { variant: "f", html: "F" }],
    ]),
    new Map([
      ["probe", { variant: "v", html: "P", experiment: "e:a" }],
      ["after", { variant: "w", html: "A" }],
    ]),
  ];
  const byFile = new Map<string, typeof TOKENIZER_CASES>();
  for (const c of TOKENIZER_CASES) byFile.set(c.file, [...(byFile.get(c.file) ?? []), c]);
  for (const [file, cases] of byFile) {
    it(`${file}: ${cases.length} inputs × ${shapes.length} shapes`, async () => {
      const failures: string[] = [];
      let built = 0;
      for (const c of cases) {
        for (const [shape, make] of shapes) {
          const input = bytes(make(c.input));
          const template = await buildTemplate(input, UTF8, selectors);
          if (!template) continue;
          if (shape === "slot first") built++;
          for (const renders of renderSets) {
            const a = await streamed(input, UTF8, renders, SCRIPT, selectors);
            const b = spliced(template, UTF8, renders, SCRIPT, selectors);
            if (!sameBytes(a.bytes, b.bytes)) failures.push(`${c.description} [${shape}]: ${firstDifference(a.bytes, b.bytes)}`);
            else if (JSON.stringify(a.report) !== JSON.stringify(b.report)) failures.push(`${c.description} [${shape}]: report differs`);
          }
        }
      }
      expect(failures.slice(0, 5)).toEqual([]);
      expect(built).toBe(cases.length);
    }, 120_000);
  }
});
