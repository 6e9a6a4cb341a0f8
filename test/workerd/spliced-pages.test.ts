/**
 * Spliced pages kept as they were made (src/template/spliced-pages.ts): visitors with the same
 * decisions on the same template share one page's bytes, and only then. Pages that differ in
 * nothing but a variant (same slot, same offsets) never cross; a first page, whose script tag
 * carries that visitor's own exposure token, is never kept; the memory stays within its bound.
 * The template's private header set (src/template/served-head.ts) is copied, never changed.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { MAX_BYTES, splicedPage, splicedPagesKept } from "../../src/template/spliced-pages.ts";
import { call } from "../fixtures/call.ts";
import { promoExperiment, publish } from "../fixtures/manifest.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";
import { issuedVisitor, NAVIGATION } from "../fixtures/visitor.ts";

const PUBLIC = { "cache-control": "public, max-age=60" };
const PAGE = `<!doctype html><html><head><title>t</title></head><body>
<section data-p13n-slot="hero"><h1>Default hero</h1></section>
<aside data-p13n-slot="promo">Default promo</aside>
<p>rest</p></body></html>`;
/** The same page with the hero filled as the streaming rewriter would. */
const filled = (variant: string, h1: string) => PAGE.replace('<section data-p13n-slot="hero"><h1>Default hero</h1>', `<section data-p13n-slot="hero" data-p13n-variant="${variant}"><h1>${h1}</h1>`);
const timingOf = (res: Response) => /template;dur=[\d.]+;desc="(\w+)"/.exec(res.headers.get("server-timing") ?? "")?.[1];
/** GPC: decided from the request alone (its device), no visitor id and no client script. */
const PHONE = { "sec-gpc": "1", "user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148" };
const TABLET = { "sec-gpc": "1", "user-agent": "Mozilla/5.0 (iPad; CPU OS 18_0 like Mac OS X) Mobile/15E148" };

beforeAll(async () => {
  invalidateManifest(env.CONTENT);
  await publish(
    env.CONTENT,
    promoExperiment("xp-promo", {
      version: "spliced-pages-1",
      salt: "salt-spliced",
      holdout: 0,
      goal: "purchase",
      goals: ["purchase"],
      slots: {
        // Same length on purpose: the two pages differ only in which fragments fill the one slot.
        hero: [
          { id: "phone", html: "<h1>Phone hero</h1>", priority: 10, audience: { attr: "context.device", eq: "mobile" } },
          { id: "table", html: "<h1>Table hero</h1>", priority: 5, audience: { attr: "context.device", eq: "tablet" } },
        ],
      },
    }),
  );
});

describe("a page kept is the page its visitor would get", () => {
  it("visitors whose pages differ only in one slot's variant each get their own, however often they alternate", async () => {
    const origin = fixtureOrigin({ "/alt": () => html(PAGE, PUBLIC) });
    for (let k = 0; k < 2; k++) await call(origin.fetch, "/alt", { headers: { "sec-gpc": "1" } });
    for (let round = 0; round < 3; round++) {
      for (const [headers, variant, h1] of [
        [PHONE, "phone", "Phone hero"],
        [TABLET, "table", "Table hero"],
      ] as const) {
        const got = await call(origin.fetch, "/alt", { headers });
        expect(timingOf(got.res)).toBe("hit");
        // Out of the experiment's slot (GPC: no id, no unit), so only the hero is filled.
        expect(got.body).toBe(filled(variant, h1));
        expect(got.res.headers.get("cache-control")).toBe("private, no-store");
        // The template's private header set is copied into each page, never changed: no
        // earlier page's Server-Timing or Set-Cookie rides along.
        expect(got.res.headers.get("server-timing")?.match(/template;/g)).toHaveLength(1);
        expect(got.res.headers.get("set-cookie")).toBeNull();
      }
    }
    expect(origin.seen).toHaveLength(2);
  });

  it("a new visitor's first page is never kept: its script tag carries that visitor's own token", async () => {
    const origin = fixtureOrigin({ "/first": () => html(PAGE, PUBLIC) });
    for (let k = 0; k < 2; k++) await call(origin.fetch, "/first", { headers: { "sec-gpc": "1" } });
    const before = splicedPagesKept().pages;
    const tokens = new Set<string>();
    for (let k = 0; k < 3; k++) {
      const got = await call(origin.fetch, "/first", { headers: { ...NAVIGATION, "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0" } });
      expect(timingOf(got.res)).toBe("hit");
      expect(issuedVisitor(got.res)).not.toBeNull();
      const token = /data-p13n-x="([^"]+)"/.exec(got.body)?.[1];
      expect(token, "the first page carries its exposures").toBeDefined();
      tokens.add(token!);
    }
    expect(tokens.size).toBe(3);
    expect(splicedPagesKept().pages).toBe(before);
    // The private header set the first pages were made from carries none of their cookies.
    const after = await call(origin.fetch, "/first", { headers: PHONE });
    expect(after.res.headers.get("set-cookie")).toBeNull();
  });
});

describe("bounds", () => {
  it("keeps at most MAX_BYTES of pages, the most recent last out; the same pieces are the same body", async () => {
    const template = new Uint8Array(256 * 1024).fill(0x61);
    const fragment = new TextEncoder().encode("<b>x</b>");
    const pageAt = (i: number) => [template.subarray(0, i * 8), fragment, template.subarray(i * 8)];
    const first = splicedPage(template, pageAt(1));
    expect(splicedPage(template, pageAt(1))).toBe(first);
    expect(new Uint8Array(await first.arrayBuffer())).toEqual(new Uint8Array([...template.subarray(0, 8), ...fragment, ...template.subarray(8)]));
    for (let i = 2; i < 80; i++) {
      splicedPage(template, pageAt(i));
      expect(splicedPagesKept().bytes).toBeLessThanOrEqual(MAX_BYTES);
    }
    const last = splicedPage(template, pageAt(79));
    expect(splicedPage(template, pageAt(79))).toBe(last);
    // 80 pages of 256 KB is 20 MB: the first is long gone, so it is made again.
    expect(splicedPage(template, pageAt(1))).not.toBe(first);
  });
});
