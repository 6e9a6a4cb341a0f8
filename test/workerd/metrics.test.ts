/**
 * Per-request counts through the real page path: each request's outcome, decisions and
 * fallbacks reach Workers Analytics Engine (a recording dataset stands in for the binding)
 * and the local stand-in, which the admin API's /stats reads back; a failing dataset never
 * costs a page; in production /stats reads Analytics Engine's SQL API with the account token.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { admin } from "../fixtures/admin.ts";
import { call } from "../fixtures/call.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";
import { profileToken, tamperSignature } from "../fixtures/tokens.ts";
import type { StatsReport } from "../../src/observability/stats.ts";

const PAGE = `<!doctype html><html><body><section data-p13n-slot="hero"><h1>Hi</h1></section><aside data-p13n-slot="side">Side</aside></body></html>`;

const origin = fixtureOrigin({
  // Shareable by its Cache-Control: spliced from a template, so no template_bypass.
  "/": () => html(PAGE, { "cache-control": "public, max-age=60" }),
  "/private": () => html(PAGE, { "cache-control": "private" }),
  "/logo.png": () => new Response(new Uint8Array([137, 80, 78, 71]), { headers: { "content-type": "image/png" } }),
  "/down": () => {
    throw new TypeError("connection refused");
  },
});

/** A generous state budget: a loaded machine must not turn a snapshot read into a state_over_budget fallback. */
const CALM = { STATE_BUDGET_MS: "5000" };

/** An Analytics Engine dataset that keeps what is written. */
function recordingDataset() {
  const points: AnalyticsEngineDataPoint[] = [];
  return { points, dataset: { writeDataPoint: (p?: AnalyticsEngineDataPoint) => void points.push(p ?? {}) } as AnalyticsEngineDataset };
}

// GPC keeps anonymous visitors out of memory and experiments (and, rightly, a profile's tier out of decisions).
const GPC = { "sec-gpc": "1" };
const gold = async () => ({ cookie: `p13n_profile=${await profileToken({ claims: { tier: "gold" } })}` });

async function stats(minutes = 60, bindings: Record<string, unknown> = {}): Promise<StatsReport> {
  const { res, json } = await admin("GET", `/stats?minutes=${minutes}`, undefined, { bindings });
  expect(res.status, JSON.stringify(json)).toBe(200);
  return json as unknown as StatsReport;
}

const count = (r: StatsReport, slot: string, variant: string) => r.decisions.find((d) => d.slot === slot && d.variant === variant)?.count ?? 0;
const fallback = (r: StatsReport, cause: string) => r.fallbacks.find((f) => f.cause === cause)?.count ?? 0;

beforeEach(async () => {
  invalidateManifest(env.CONTENT);
  await publish(env.CONTENT, manifest({ hero: [{ id: "gold", html: "<h1>Gold</h1>", audience: { attr: "profile.tier", eq: "gold" } }], side: [] }, { version: "metrics-1" }));
});

describe("what each request writes", () => {
  it("a personalized page: one page point, one per slot, the budgets; no fallback", async () => {
    const ae = recordingDataset();
    await call(origin.fetch, "/", { headers: await gold() }, { ...CALM, METRICS: ae.dataset });
    const page = ae.points.find((p) => p.indexes?.[0] === "page");
    expect(page?.blobs).toEqual(["page", "personalized", "metrics-1", "200"]);
    // double1 is the count; then total, origin, profile, manifest, state, decide, template, state read, KV read.
    expect(page?.doubles).toHaveLength(10);
    expect(page?.doubles?.[0]).toBe(1);
    const decisions = ae.points.filter((p) => p.indexes?.[0] === "decision").map((p) => p.blobs?.slice(1, 3));
    expect(decisions).toEqual(expect.arrayContaining([["hero", "gold"], ["side", "(default)"]]));
    expect(ae.points.filter((p) => p.indexes?.[0] === "fallback")).toEqual([]);
  });

  it("a refused profile: the default page and a profile_refused fallback", async () => {
    const ae = recordingDataset();
    const token = tamperSignature(await profileToken({ claims: { tier: "gold" } }));
    await call(origin.fetch, "/", { headers: { ...GPC, cookie: `p13n_profile=${token}` } }, { ...CALM, METRICS: ae.dataset });
    expect(ae.points.find((p) => p.indexes?.[0] === "page")?.blobs?.[1]).toBe("default");
    expect(ae.points.filter((p) => p.indexes?.[0] === "fallback").map((p) => p.blobs?.[1])).toEqual(["profile_refused"]);
  });

  it("a page its origin keeps private streams through the rewriter: a template_bypass", async () => {
    const ae = recordingDataset();
    await call(origin.fetch, "/private", { headers: GPC }, { ...CALM, METRICS: ae.dataset });
    expect(ae.points.filter((p) => p.indexes?.[0] === "fallback").map((p) => p.blobs?.[1])).toEqual(["template_bypass"]);
  });

  it("no published content: a manifest_miss", async () => {
    await env.CONTENT.delete("manifest/current");
    invalidateManifest(env.CONTENT);
    const ae = recordingDataset();
    await call(origin.fetch, "/", { headers: GPC }, { ...CALM, METRICS: ae.dataset });
    expect(ae.points.filter((p) => p.indexes?.[0] === "fallback").map((p) => p.blobs?.[1])).toContain("manifest_miss");
  });

  it("an image passes through; a dead origin is an origin_error", async () => {
    const ae = recordingDataset();
    await call(origin.fetch, "/logo.png", { headers: GPC }, { ...CALM, METRICS: ae.dataset });
    const down = await call(origin.fetch, "/down", { headers: GPC }, { ...CALM, METRICS: ae.dataset });
    expect(down.res.status).toBe(502);
    expect(ae.points.filter((p) => p.indexes?.[0] === "page").map((p) => p.blobs?.[1])).toEqual(["passthrough", "error"]);
    expect(ae.points.filter((p) => p.indexes?.[0] === "fallback").map((p) => p.blobs?.[1])).toEqual(["origin_error"]);
  });

  it("a dataset that throws never costs the page", async () => {
    const broken = { writeDataPoint: () => { throw new Error("AE down"); } } as unknown as AnalyticsEngineDataset;
    const { res, body } = await call(origin.fetch, "/", { headers: await gold() }, { ...CALM, METRICS: broken });
    expect(res.status).toBe(200);
    expect(body).toContain('data-p13n-variant="gold"');
  });
});

describe("GET /__p13n/admin/stats", () => {
  it("reads back the local run: requests, personalized share, decisions, fallbacks, budgets", async () => {
    const before = await stats();
    for (let i = 0; i < 3; i++) await call(origin.fetch, "/", { headers: await gold() }, CALM);
    await call(origin.fetch, "/", { headers: GPC }, CALM);
    await call(origin.fetch, "/", { headers: { ...GPC, cookie: `p13n_profile=${tamperSignature(await profileToken())}` } }, CALM);
    await call(origin.fetch, "/logo.png", { headers: GPC }, CALM);
    const after = await stats();
    expect(after.source).toBe("local");
    expect(after.requests - before.requests).toBe(6);
    expect(after.outcomes.personalized - before.outcomes.personalized).toBe(3);
    expect(after.outcomes.default - before.outcomes.default).toBe(2);
    expect(after.outcomes.passthrough - before.outcomes.passthrough).toBe(1);
    expect(count(after, "hero", "gold") - count(before, "hero", "gold")).toBe(3);
    expect(count(after, "hero", "(default)") - count(before, "hero", "(default)")).toBe(2);
    expect(fallback(after, "profile_refused") - fallback(before, "profile_refused")).toBe(1);
    expect(after.personalizedShare).toBeGreaterThan(0);
    expect(after.budgets.map((b) => b.budget)).toEqual(["total", "origin", "profile", "manifest", "state", "decide", "template"]);
  });

  it("refuses a period it cannot read", async () => {
    for (const minutes of ["0", "99999", "1e3", "-5"]) {
      const { res, json } = await admin("GET", `/stats?minutes=${minutes}`);
      expect(res.status, minutes).toBe(400);
      expect(json.error?.code).toBe("BAD_REQUEST");
    }
  });

  it("in production reads Analytics Engine's SQL API with the account token", async () => {
    const realFetch = globalThis.fetch;
    const sent: Array<{ url: string; auth: string | null; sql: string }> = [];
    globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input instanceof Request ? input.url : input);
      if (!url.startsWith("https://api.cloudflare.com/")) return realFetch(input as RequestInfo, init);
      const sql = String(init?.body ?? "");
      sent.push({ url, auth: new Headers(init?.headers).get("authorization"), sql });
      // What the SQL API answers with FORMAT JSON (numbers of UInt64 sums come quoted).
      const data = sql.includes("AS outcome")
        ? [{ outcome: "personalized", n: "42", state_reads: "40", kv_reads: "2" }, { outcome: "default", n: "58", state_reads: "50", kv_reads: "1" }]
        : sql.includes("AS slot")
          ? [{ slot: "hero", variant: "gold", n: "42" }]
          : sql.includes("AS cause")
            ? [{ cause: "state_over_budget", n: "3" }]
            : [{ total_p50: 4.5, total_p99: 31, origin_p50: 3, origin_p99: 25, profile_p50: 0.2, profile_p99: 1, manifest_p50: 0, manifest_p99: 2, state_p50: 6, state_p99: 25, decide_p50: 0.1, decide_p99: 0.4, template_p50: 0, template_p99: 0.3 }];
      return new Response(JSON.stringify({ meta: [], data, rows: data.length }), { headers: { "content-type": "application/json" } });
    }) as typeof fetch;
    try {
      const account = "0123456789abcdef0123456789abcdef";
      const r = await stats(1440, { METRICS_STORE: "analytics-engine", METRICS_ACCOUNT_ID: account, METRICS_API_TOKEN: "ae-read-token" });
      expect(r.source).toBe("analytics-engine");
      expect(r).toMatchObject({ requests: 100, pages: 100, personalizedShare: 0.42, usage: { stateReads: 90, kvReads: 3 } });
      expect(r.decisions).toEqual([{ slot: "hero", variant: "gold", count: 42 }]);
      expect(r.fallbacks).toEqual([{ cause: "state_over_budget", count: 3 }]);
      expect(r.budgets.find((b) => b.budget === "state")).toEqual({ budget: "state", p50: 6, p99: 25 });
      expect(sent).toHaveLength(4);
      for (const q of sent) {
        expect(q.url).toBe(`https://api.cloudflare.com/client/v4/accounts/${account}/analytics_engine/sql`);
        expect(q.auth).toBe("Bearer ae-read-token");
        expect(q.sql).toContain("FROM p13n_metrics");
        expect(q.sql).toContain("INTERVAL '1440' MINUTE");
        expect(q.sql).toContain("_sample_interval");
      }
    } finally {
      globalThis.fetch = realFetch;
    }
  });

  it("without the token in production: 503 naming what to set", async () => {
    const { res, json } = await admin("GET", "/stats", undefined, { bindings: { METRICS_STORE: "analytics-engine" } });
    expect(res.status).toBe(503);
    expect(json.error?.code).toBe("METRICS_UNAVAILABLE");
    expect(json.error?.message).toContain("METRICS_API_TOKEN");
  });
});
