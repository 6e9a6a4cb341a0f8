/**
 * Slots by selector are measured like markup slots (issue 15 items 1 and 8): a visitor's page,
 * streamed and spliced from its template, carries `data-p13n-slot` on each selector slot's
 * element, filled or keeping its default. The client script (src/client/p13n.browser.js
 * `slotOf()`) counts only elements it finds by `[data-p13n-slot]`: the events below are made
 * from what the page carries, as the script makes them, and sent through the beacon route; the
 * per-variant performance then counts the impressions and clicks of both slots. Before the fix
 * the page carried no such element for a selector slot, and nothing was counted.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import type { Manifest } from "../../src/engine/types.ts";
import type { PerformanceReport, VariantPerformance } from "../../src/observability/performance-report.ts";
import { admin, clearKv } from "../fixtures/admin.ts";
import { call } from "../fixtures/call.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";
import { profileToken } from "../fixtures/tokens.ts";
import { beacon, eventId, NAVIGATION } from "../fixtures/visitor.ts";

const PAGE =
  '<!doctype html><html><head><title>t</title></head><body><main><aside class="promo">Default promo</aside></main>' +
  '<footer class="site-footer"><a href="/join">Join</a></footer></body></html>';
// A public page: its third request is spliced from the template the first two built.
const origin = fixtureOrigin({ "/": () => html(PAGE, { "cache-control": "public, max-age=60" }) });
const CALM = { STATE_BUDGET_MS: "5000" };
const timingOf = (res: Response) => /template;dur=[\d.]+;desc="(\w+)"/.exec(res.headers.get("server-timing") ?? "")?.[1];

/** What the client script finds on a page: each `[data-p13n-slot]` element's slot and variant (slotOf()). */
async function slotsOn(body: string): Promise<Array<{ slot: string; variant?: string }>> {
  const found: Array<{ slot: string; variant?: string }> = [];
  await new HTMLRewriter()
    .on("[data-p13n-slot]", {
      element(el) {
        const variant = el.getAttribute("data-p13n-variant");
        found.push({ slot: el.getAttribute("data-p13n-slot")!, ...(variant ? { variant } : {}) });
      },
    })
    .transform(new Response(body, { headers: { "content-type": "text/html" } }))
    .text();
  return found;
}

let pages: Array<{ body: string; timing: string | undefined }> = [];
let report: PerformanceReport;
const row = (slot: string, variant: string): VariantPerformance | undefined =>
  report.slots.find((s) => s.slot === slot)?.variants.find((v) => v.variant === variant);

beforeAll(async () => {
  await clearKv(env.CONTENT);
  invalidateManifest(env.CONTENT);
  const m: Manifest = manifest(
    {
      // Filled for gold members (the editor helper's live page: the shop's footer).
      footer: [{ id: "gold-members", html: '<a href="/gold">Gold members: free shipping</a>', audience: { segment: "gold" } }],
      // No variant for a gold member: the slot keeps its default.
      promo: [{ id: "silver", html: "<b>Silver</b>", audience: { attr: "profile.tier", eq: "silver" } }],
    },
    { version: "sel-measure-1", segments: { gold: { attr: "profile.tier", eq: "gold" } } },
  );
  (m.slots.footer as { selector?: string }).selector = "footer.site-footer";
  (m.slots.promo as { selector?: string }).selector = "main > .promo";
  await publish(env.CONTENT, m);

  const profile = `p13n_profile=${await profileToken({ claims: { sub: "g1", tier: "gold" } })}`;
  const first = await call(origin.fetch, "/", { headers: { ...NAVIGATION, cookie: profile } }, CALM);
  const vid = /__Host-p13n_vid=[^;]+/.exec(first.res.headers.get("set-cookie") ?? "")?.[0];
  const cookie = [profile, vid].filter(Boolean).join("; ");
  pages = [{ body: first.body, timing: timingOf(first.res) }];
  for (let i = 0; i < 2; i++) {
    const next = await call(origin.fetch, "/", { headers: { ...NAVIGATION, cookie } }, CALM);
    pages.push({ body: next.body, timing: timingOf(next.res) });
  }

  // On each page, every slot the script finds is seen once and clicked once.
  for (const page of pages) {
    const events = (await slotsOn(page.body)).flatMap((s) => [
      { type: "impression", id: eventId("imp"), ...s },
      { type: "click", id: eventId("clk"), ...s },
    ]);
    if (events.length === 0) continue;
    const r = await beacon({ v: 1, page: { path: "/" }, events }, cookie, {}, CALM);
    expect(r.res.status, r.body).toBe(200);
  }
  const r = await admin("GET", "/performance?minutes=60", undefined, { bindings: CALM });
  expect(r.res.status, JSON.stringify(r.json)).toBe(200);
  report = r.json as unknown as PerformanceReport;
});

describe("a slot by selector carries data-p13n-slot", () => {
  it("on streamed and templated pages alike, filled or keeping its default", async () => {
    expect(pages.map((p) => p.timing)).toEqual(["miss", "miss", "hit"]);
    for (const page of pages) {
      expect(page.body).toContain('<footer class="site-footer" data-p13n-slot="footer" data-p13n-variant="gold-members"><a href="/gold">');
      expect(page.body).toContain('<aside class="promo" data-p13n-slot="promo">Default promo</aside>');
      expect(await slotsOn(page.body)).toEqual([{ slot: "promo" }, { slot: "footer", variant: "gold-members" }]);
    }
    // The spliced page is the streamed one.
    expect(pages[2]!.body).toBe(pages[1]!.body);
  });
});

describe("its impressions and clicks reach the per-variant performance", () => {
  it("the filled slot's variant: pages served, impressions and clicks", () => {
    expect(row("footer", "gold-members")).toMatchObject({ served: 3, impressions: 3, clicks: 3 });
  });

  it("the slot keeping its default: its impressions and clicks count for (default)", () => {
    expect(row("promo", "(default)")).toMatchObject({ impressions: 3, clicks: 3 });
  });
});
