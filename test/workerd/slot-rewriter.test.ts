/**
 * The slot rewriter on its own: what it replaces, what it refuses to touch,
 * that an error in one slot costs only that slot, and that an error of the
 * parser itself mid-page still delivers the whole page.
 */
import { describe, expect, it } from "vitest";
import { rewriteSlots, type RewriteReport, type SlotRender } from "../../src/rewrite/slot-rewriter.ts";
import { inChunks } from "../fixtures/origin.ts";


async function rewrite(html: string | ReadableStream<Uint8Array>, renders: ReadonlyMap<string, SlotRender>, contentType = "text/html; charset=utf-8") {
  const report: RewriteReport = { rendered: [], skipped: [] };
  const errors: string[] = [];
  const res = rewriteSlots(new Response(html, { headers: { "content-type": contentType } }), renders, {
    checkMetaCharset: !contentType.includes("charset"),
    report,
    onError: (slot) => errors.push(slot),
  });
  return { out: await res.text(), report, errors };
}

const R = (entries: Record<string, string>) =>
  new Map(Object.entries(entries).map(([slot, html]) => [slot, { variant: `${slot}-v`, html }]));

describe("slot rewriter", () => {
  it("replaces each slot's inner content and tags it", async () => {
    const { out, report } = await rewrite('<div data-p13n-slot="a">x</div><span data-p13n-slot="b">y</span>', R({ a: "A", b: "<i>B</i>" }));
    expect(out).toBe('<div data-p13n-slot="a" data-p13n-variant="a-v">A</div><span data-p13n-slot="b" data-p13n-variant="b-v"><i>B</i></span>');
    expect(report.rendered).toEqual([{ slot: "a", variant: "a-v" }, { slot: "b", variant: "b-v" }]);
  });

  it("sets data-p13n-experiment when an experiment applies", async () => {
    const renders = new Map([["a", { variant: "v2", html: "2", experiment: "hero-test:b" }]]);
    const { out } = await rewrite('<div data-p13n-slot="a">x</div>', renders);
    expect(out).toBe('<div data-p13n-slot="a" data-p13n-variant="v2" data-p13n-experiment="hero-test:b">2</div>');
  });

  it("keeps the default of a slot whose handling throws, and the rest of the page whole", async () => {
    class Throwing extends Map<string, SlotRender> {
      override get(key: string) {
        if (key === "bad") throw new Error("boom");
        return super.get(key);
      }
    }
    const renders = new Throwing([
      ["bad", { variant: "v", html: "never" }],
      ["good", { variant: "g", html: "G" }],
    ]);
    const page = '<p>before</p><div data-p13n-slot="bad">default</div><div data-p13n-slot="good">d</div><p>after</p>';
    const { out, errors, report } = await rewrite(page, renders);
    expect(out).toBe('<p>before</p><div data-p13n-slot="bad">default</div><div data-p13n-slot="good" data-p13n-variant="g">G</div><p>after</p>');
    expect(errors).toEqual(["bad"]);
    expect(report.skipped).toContainEqual({ slot: "bad", reason: "error" });
  });

  it("replaces an outer slot whole; a nested slot goes with it and is not counted", async () => {
    const page = '<div data-p13n-slot="outer">o<div data-p13n-slot="inner">i</div>t</div><div data-p13n-slot="inner">i2</div>';
    const { out, report } = await rewrite(page, R({ outer: "O", inner: "I" }));
    expect(out).toBe('<div data-p13n-slot="outer" data-p13n-variant="outer-v">O</div><div data-p13n-slot="inner" data-p13n-variant="inner-v">I</div>');
    expect(report.rendered).toEqual([{ slot: "outer", variant: "outer-v" }, { slot: "inner", variant: "inner-v" }]);
    expect(report.skipped).toContainEqual({ slot: "inner", reason: "nested" });
  });

  it("rewrites a slot nested in a slot that keeps its default", async () => {
    const page = '<div data-p13n-slot="outer">o<div data-p13n-slot="inner">i</div>t</div>';
    const { out } = await rewrite(page, R({ inner: "I" }));
    expect(out).toBe('<div data-p13n-slot="outer">o<div data-p13n-slot="inner" data-p13n-variant="inner-v">I</div>t</div>');
  });

  it("refuses slots on elements with optional end tags, which would eat their siblings", async () => {
    const page = '<ul><li data-p13n-slot="a">one<li>two</ul><p data-p13n-slot="b">para<p>next</p>';
    const { out, report } = await rewrite(page, R({ a: "A", b: "B" }));
    expect(out).toBe(page);
    expect(report.skipped.map((s) => s.reason)).toEqual(["optional-end-tag", "optional-end-tag"]);
  });

  it("refuses slots on elements whose content is not HTML (a fragment there would run as script or show as code)", async () => {
    const page = '<script data-p13n-slot="a">var x = 1;</script><textarea data-p13n-slot="b">t</textarea><style data-p13n-slot="c">p{}</style>';
    const { out, report } = await rewrite(page, R({ a: "alert(1)", b: "B", c: "C" }));
    expect(out).toBe(page);
    expect(report.skipped.map((s) => s.reason)).toEqual(["raw-text", "raw-text", "raw-text"]);
  });

  it("leaves void elements alone", async () => {
    const page = '<img data-p13n-slot="a" src="x.png">after';
    const { out } = await rewrite(page, R({ a: "A" }));
    expect(out).toBe(page);
  });

  it("ends an unclosed slot where its parent ends, keeping what follows", async () => {
    const page = '<body><main><div data-p13n-slot="a">default<b>x</b></main><footer>f</footer></body>';
    const { out } = await rewrite(page, R({ a: "A" }), "text/html");
    expect(out).toBe('<body><main><div data-p13n-slot="a" data-p13n-variant="a-v">A</main><footer>f</footer></body>');
  });

  it("stops at a <meta charset> that is not UTF-8 when the header named none", async () => {
    const page = '<head><meta charset="windows-1252"></head><div data-p13n-slot="a">x</div>';
    const { out, report } = await rewrite(page, R({ a: "A" }), "text/html");
    expect(out).toBe(page);
    expect(report.skipped).toEqual([{ slot: "a", reason: "charset" }]);
    const utf8 = '<head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"></head><div data-p13n-slot="a">x</div>';
    expect((await rewrite(utf8, R({ a: "A" }), "text/html")).out).toContain('data-p13n-variant="a-v">A</div>');
  });

  it("handles multi-megabyte attributes split across chunks (16 KiB, as an origin sends them)", async () => {
    const huge = "x".repeat(2 * 1024 * 1024);
    const page = `<div data-big="${huge}"></div><div data-p13n-slot="a" title="${huge}">x</div><p title="${huge}">end</p>`;
    const { out, errors } = await rewrite(inChunks(page), R({ a: "A" }));
    expect(errors).toEqual([]);
    expect(out).toBe(`<div data-big="${huge}"></div><div data-p13n-slot="a" title="${huge}" data-p13n-variant="a-v">A</div><p title="${huge}">end</p>`);
  });

  it("a start tag past the parser's own buffer (3 MiB): the page arrives whole, slots after it keep their defaults", async () => {
    const huge = "x".repeat(3 * 1024 * 1024);
    const page = `<div data-p13n-slot="a">x</div><div data-big="${huge}"></div><div data-p13n-slot="b">y</div><p>end</p>`;
    const { out, errors } = await rewrite(inChunks(page), R({ a: "A", b: "B" }));
    expect(errors).toHaveLength(1);
    expect(out).toBe(page.replace('<div data-p13n-slot="a">x</div>', '<div data-p13n-slot="a" data-p13n-variant="a-v">A</div>'));
  });

  it("ambiguous markup that makes the strict parser bail (<select><xmp><script>): the page arrives whole", async () => {
    const page = `<div data-p13n-slot="a">x</div>${"<p>filler</p>".repeat(200)}<select><xmp><script>"use strict";</script></select><div data-p13n-slot="b">y</div><p>end</p>`;
    const { out, errors } = await rewrite(inChunks(page, 512), R({ a: "A", b: "B" }));
    expect(errors).toHaveLength(1);
    expect(out).toBe(page.replace('<div data-p13n-slot="a">x</div>', '<div data-p13n-slot="a" data-p13n-variant="a-v">A</div>'));
  });

  it("a slot the parser gives no end tag (<svg><g data-p13n-slot/>) keeps its default, and the next slot is filled", async () => {
    const page = '<svg><g data-p13n-slot="a"/></svg><div data-p13n-slot="b">y</div>';
    const { out, errors } = await rewrite(page, R({ a: "A", b: "B" }));
    expect(errors).toEqual(["a"]);
    expect(out).toBe('<svg><g data-p13n-slot="a"/></svg><div data-p13n-slot="b" data-p13n-variant="b-v">B</div>');
  });

  it("inserts HTML before </body> when asked", async () => {
    const report: RewriteReport = { rendered: [], skipped: [] };
    const res = rewriteSlots(new Response("<html><body><p>x</p></body></html>", { headers: { "content-type": "text/html" } }), new Map(), {
      checkMetaCharset: false,
      report,
      beforeBodyEnd: '<script src="/__p13n/client.js" defer></script>',
    });
    expect(await res.text()).toBe('<html><body><p>x</p><script src="/__p13n/client.js" defer></script></body></html>');
  });
});
