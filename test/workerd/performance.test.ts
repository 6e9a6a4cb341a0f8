/**
 * How each variant does, against the events sent: visitors load pages through the real page
 * path and send beacons through the real route; GET /performance then answers, per slot and
 * variant (in no experiment), the pages served, the impressions, clicks and conversions that
 * were accepted — a resent beacon and a refused event count nothing — with conversions credited
 * to the variants the visitor was served in the 7 days before, and the same per segment of the
 * variant's audience (one segment reads the visitor's memory). The same points go to Analytics
 * Engine, and in production the route reads its SQL API.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import type { PerformanceReport, VariantPerformance } from "../../src/observability/performance-report.ts";
import { performanceQueries } from "../../src/observability/performance-store.ts";
import { admin, clearKv } from "../fixtures/admin.ts";
import { call } from "../fixtures/call.ts";
import { publish, manifest } from "../fixtures/manifest.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";
import { profileToken } from "../fixtures/tokens.ts";
import { beacon, eventId, NAVIGATION } from "../fixtures/visitor.ts";

const PAGE = `<!doctype html><html><body><section data-p13n-slot="hero"><h1>Default hero</h1></section><aside data-p13n-slot="side">Side</aside></body></html>`;
const origin = fixtureOrigin({ "/": () => html(PAGE) });
/** A generous state budget: a loaded machine must not turn a snapshot read into a fallback. */
const CALM = { STATE_BUDGET_MS: "5000" };

/** An Analytics Engine dataset that keeps what is written. */
const points: AnalyticsEngineDataPoint[] = [];
const dataset = { writeDataPoint: (p?: AnalyticsEngineDataPoint) => void points.push(p ?? {}) } as AnalyticsEngineDataset;
const B = { ...CALM, METRICS: dataset };

interface Visitor {
  cookie: string;
}

/** A visitor who loads `/` `pages` times (the first sets the visitor cookie, later ones are remembered). */
async function visitor(pages: number, tier?: string, sub?: string): Promise<Visitor> {
  const profile = tier ? `p13n_profile=${await profileToken({ claims: { sub: sub!, tier } })}` : "";
  const first = await call(origin.fetch, "/", { headers: { ...NAVIGATION, ...(profile ? { cookie: profile } : {}) } }, B);
  const vid = /__Host-p13n_vid=[^;]+/.exec(first.res.headers.get("set-cookie") ?? "")?.[0];
  const cookie = [profile, vid].filter(Boolean).join("; ");
  for (let i = 1; i < pages; i++) await call(origin.fetch, "/", { headers: { ...NAVIGATION, cookie } }, B);
  return { cookie };
}

type Ev = Record<string, unknown>;
const seen = (slot: string, variant?: string): Ev => ({ type: "impression", id: eventId("imp"), slot, ...(variant ? { variant } : {}) });
const click = (slot: string, variant?: string): Ev => ({ type: "click", id: eventId("clk"), slot, ...(variant ? { variant } : {}) });
const converted = (): Ev => ({ type: "conversion", id: eventId("cv"), goal: "purchase" });

async function send(v: Visitor, events: Ev[]) {
  const r = await beacon({ v: 1, page: { path: "/" }, events }, v.cookie, {}, B);
  expect(r.res.status, r.body).toBe(200);
  return JSON.parse(r.body) as { accepted: number; duplicates: number; refused: number };
}

let report: PerformanceReport;
const row = (slot: string, variant: string): VariantPerformance => report.slots.find((s) => s.slot === slot)!.variants.find((v) => v.variant === variant)!;

beforeAll(async () => {
  await clearKv(env.CONTENT);
  invalidateManifest(env.CONTENT);
  await publish(
    env.CONTENT,
    manifest(
      {
        hero: [
          { id: "gold", html: "<h1>Gold</h1>", priority: 10, audience: { any: [{ segment: "gold" }, { segment: "loyal" }] } },
          { id: "everyone", html: "<h1>Everyone</h1>" },
        ],
        side: [],
      },
      // loyal: three or more home page views in the visitor's memory.
      { version: "perf-1", segments: { gold: { attr: "profile.tier", eq: "gold" }, loyal: { attr: "visitor.recentViews.home", gte: 3 } }, goals: ["purchase"], pages: [{ pattern: "/", category: "home", topics: [] }] },
    ),
  );
  // Three gold members (one on their third visit: loyal too), two anonymous visitors.
  const g1 = await visitor(2, "gold", "g1");
  const g2 = await visitor(2, "gold", "g2");
  const g3 = await visitor(3, "gold", "g3");
  const a1 = await visitor(2);
  const a2 = await visitor(2);

  const first = [seen("hero", "gold"), click("hero", "gold"), converted()];
  expect(await send(g1, first)).toMatchObject({ accepted: 3 });
  // The same beacon again (a retry): nothing new.
  expect(await send(g1, first)).toMatchObject({ accepted: 0, duplicates: 3 });
  await send(g2, [seen("hero", "gold"), seen("hero", "gold")]);
  await send(g3, [seen("hero", "gold"), click("hero", "gold"), converted()]);
  // One refused event refuses only itself.
  expect(await send(a1, [seen("hero", "everyone"), seen("side"), { type: "click", id: eventId("bad"), slot: "not a slot id!" }])).toMatchObject({ accepted: 2, refused: 1 });
  await send(a2, [seen("hero", "everyone"), seen("side"), click("side"), converted()]);

  const r = await admin("GET", "/performance?minutes=60", undefined, { bindings: B });
  expect(r.res.status, JSON.stringify(r.json)).toBe(200);
  report = r.json as unknown as PerformanceReport;
});

describe("per slot and variant, against the events sent", () => {
  it("served: every page the Worker filled the slot on", () => {
    expect(row("hero", "gold").served).toBe(2 + 2 + 3);
    expect(row("hero", "everyone").served).toBe(2 + 2);
    expect(row("side", "(default)").served).toBe(7 + 4);
  });

  it("impressions and clicks: the accepted events, once each (a resent beacon and a refused event add nothing)", () => {
    expect(row("hero", "gold")).toMatchObject({ impressions: 4, clicks: 2, clickRate: 0.5 });
    expect(row("hero", "everyone")).toMatchObject({ impressions: 2, clicks: 0, clickRate: 0 });
    expect(row("side", "(default)")).toMatchObject({ impressions: 2, clicks: 1 });
  });

  it("conversions: each credited once to every variant the visitor was served in the 7 days before", () => {
    expect(row("hero", "gold")).toMatchObject({ conversions: 2, conversionRate: 0.5 });
    expect(row("hero", "everyone")).toMatchObject({ conversions: 1, conversionRate: 0.5 });
    // The page's own content is never recorded as served, so it is credited nothing, and says so.
    expect(row("side", "(default)").conversions).toBe(0);
    expect(row("side", "(default)").words).toContain("credited to variants only");
  });

  it("per segment of the variant's audience, one of them read from the visitor's memory", () => {
    expect(row("hero", "gold").audience).toBe("any(segment gold, segment loyal)");
    expect(row("hero", "gold").segments).toEqual([
      { segment: "gold", impressions: 4, clicks: 2, conversions: 2, clickRate: 0.5, conversionRate: 0.5 },
      { segment: "loyal", impressions: 1, clicks: 1, conversions: 1, clickRate: 1, conversionRate: 1 },
    ]);
    expect(row("hero", "everyone").segments).toEqual([]);
  });

  it("says in words what each number is, and that none of it is causal", () => {
    expect(row("hero", "gold").words).toBe("This variant was shown on 7 pages and seen 4 times (at least half of it on screen for a second), clicked 2 times (50.0% of views), followed by 2 conversions within 7 days (50.0% of views).");
    expect(report.causal).toBe(false);
    expect(report.note).toContain("not what it caused");
    expect(row("hero", "gold").experiment).toBeNull();
  });

  it("writes the same counts to Analytics Engine", () => {
    const perf = points.filter((p) => p.indexes?.[0] === "perf");
    const countOf = (event: string, slot: string, variant: string, segment = "") => perf.filter((p) => p.blobs?.[1] === event && p.blobs[2] === slot && p.blobs[3] === variant && p.blobs[4] === segment).length;
    expect(countOf("impression", "hero", "gold")).toBe(4);
    expect(countOf("click", "hero", "gold")).toBe(2);
    expect(countOf("conversion", "hero", "gold")).toBe(2);
    expect(countOf("conversion", "hero", "gold", "loyal")).toBe(1);
    expect(countOf("impression", "side", "(default)")).toBe(2);
    expect(perf.every((p) => p.blobs?.[5] === "perf-1")).toBe(true);
  });
});

describe("the route", () => {
  it("refuses a period outside 1 hour to 30 days", async () => {
    for (const q of ["?minutes=59", "?minutes=43201", "?minutes=abc"]) expect((await admin("GET", `/performance${q}`)).res.status, q).toBe(400);
  });

  it("in production reads Analytics Engine's SQL API with the account token (and says 503 without one)", async () => {
    expect((await admin("GET", "/performance", undefined, { bindings: { METRICS_STORE: "analytics-engine" } })).res.status).toBe(503);
    const asked: string[] = [];
    const api = async (req: Request) => {
      const body = await req.text();
      asked.push(body);
      const data = body.includes("index1 = 'perf'")
        ? [{ event: "impression", slot: "hero", variant: "gold", segment: "", n: 40 }, { event: "conversion", slot: "hero", variant: "gold", segment: "", n: 4 }]
        : [{ slot: "hero", variant: "gold", n: 50 }];
      return new Response(JSON.stringify({ data }), { headers: { "content-type": "application/json" } });
    };
    const original = globalThis.fetch;
    globalThis.fetch = ((input: RequestInfo | URL, init?: RequestInit) => api(new Request(input, init))) as typeof fetch;
    try {
      const r = await admin("GET", "/performance?minutes=1440", undefined, { bindings: { METRICS_STORE: "analytics-engine", METRICS_ACCOUNT_ID: "0123456789abcdef0123456789abcdef", METRICS_API_TOKEN: "t" } });
      expect(r.res.status).toBe(200);
      const rep = r.json as unknown as PerformanceReport;
      expect(rep.source).toBe("analytics-engine");
      expect(rep.slots.find((s) => s.slot === "hero")!.variants.find((v) => v.variant === "gold")).toMatchObject({ served: 50, impressions: 40, conversions: 4, conversionRate: 0.1 });
    } finally {
      globalThis.fetch = original;
    }
    expect(asked).toEqual([performanceQueries(1440).events, performanceQueries(1440).served]);
  });
});
