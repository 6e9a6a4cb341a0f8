/**
 * The metrics' pure half in plain Node: which Server-Timing facts become which outcome and
 * fallback causes (table-driven), the local stand-in's bounds and quantiles, the SQL the
 * production reader sends, and the logger's one-line schema.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { statsQueries } from "../../../src/observability/analytics-engine.ts";
import { LocalMetricsStore, MAX_BUCKETS, MAX_KEYS, MAX_SAMPLES } from "../../../src/observability/local-store.ts";
import { logEvent } from "../../../src/observability/log.ts";
import { PageObservation, type PageMetrics } from "../../../src/observability/page-metrics.ts";
import type { DecideResult } from "../../../src/engine/types.ts";

type Entry = [name: string, ms: number, desc?: string];

function observe(entries: Entry[], opts: { decided?: DecideResult; headers?: Record<string, string>; status?: number; failed?: boolean } = {}): PageMetrics {
  const o = new PageObservation(100);
  for (const [name, ms, desc] of entries) o.timing.add(name, ms, desc);
  if (opts.decided) o.decided(opts.decided);
  return o.summarize(new Response(null, { status: opts.status ?? 200, headers: opts.headers ?? {} }), 112, opts.failed ?? false);
}

const PAGE: Entry[] = [["origin", 3], ["profile", 0.2, "verified"], ["manifest", 0.1, "hit"], ["state", 4, "hit"], ["decide", 0.3], ["template", 0.1, "hit"]];
const with_ = (name: string, desc: string): Entry[] => PAGE.map((e) => (e[0] === name ? [e[0], e[1], desc] : e));
const decided = (variant: string | null): DecideResult => ({
  holdout: false,
  manifestVersion: "v7",
  decisions: [
    { slot: "hero", variant, html: variant ? "<b>x</b>" : null, reasons: [], rejected: [] },
    { slot: "side", variant: "pair", html: "<i>y</i>", reasons: [], rejected: [], experiment: { id: "exp", arm: "b", bucket: 5, holdout: false } },
  ],
});

describe("outcome and fallback causes from the request's Server-Timing", () => {
  it.each([
    ["a decided page, all well", PAGE, [], "personalized"],
    ["a refused cookie", with_("profile", "err_jwt_expired"), ["profile_refused"], "personalized"],
    ["no cookie at all is not a fallback", with_("profile", "absent"), [], "personalized"],
    ["no manifest published", with_("manifest", "none"), ["manifest_miss"], "personalized"],
    ["the manifest read over budget", with_("manifest", "timeout"), ["manifest_miss"], "personalized"],
    ["the visitor's object over budget", with_("state", "timeout"), ["state_over_budget"], "personalized"],
    ["the visitor's object overloaded", with_("state", "overload"), ["state_error"], "personalized"],
    ["the engine threw", with_("decide", "error"), ["decide_error"], "personalized"],
    ["a page streamed, not spliced", with_("template", "bypass"), ["template_bypass"], "personalized"],
  ] as Array<[string, Entry[], string[], string]>)("%s", (_, entries, causes, outcome) => {
    const m = observe(entries, { decided: decided("gold") });
    expect(m.causes).toEqual(causes);
    expect(m.outcome).toBe(outcome);
  });

  it("a page where every slot kept its default is 'default'", () => {
    const m = observe(PAGE, { decided: { ...decided(null), decisions: [decided(null).decisions[0]!] } });
    expect(m.outcome).toBe("default");
    expect(m.decisions).toEqual([{ slot: "hero", variant: "(default)", experiment: "" }]);
  });

  it("names the experiment arm beside the variant, and the content version", () => {
    const m = observe(PAGE, { decided: decided("gold") });
    expect(m.decisions).toEqual([
      { slot: "hero", variant: "gold", experiment: "" },
      { slot: "side", variant: "pair", experiment: "exp:b" },
    ]);
    expect(m.version).toBe("v7");
  });

  it("origin failures, misconfiguration, pass-through and a thrown handler", () => {
    expect(observe([["origin", 30_000, "timeout"]])).toMatchObject({ outcome: "error", causes: ["origin_timeout"] });
    expect(observe([["origin", 2, "error"]])).toMatchObject({ outcome: "error", causes: ["origin_error"] });
    expect(observe([], { headers: { "x-p13n-error": "ORIGIN_IS_SELF" }, status: 502 })).toMatchObject({ outcome: "error", causes: ["misconfigured"] });
    expect(observe([["origin", 2]])).toMatchObject({ outcome: "passthrough", causes: [] });
    expect(observe([["origin", 2], ["inputs", 0, "error"]])).toMatchObject({ outcome: "passthrough", causes: ["inputs_error"] });
    expect(observe(PAGE, { failed: true })).toMatchObject({ outcome: "error", causes: ["worker_error"] });
  });

  it("times every budget, the worker's total from its start, and counts the reads", () => {
    const m = observe(with_("manifest", "miss"), { decided: decided("gold") });
    expect(m.budgets).toEqual({ total: 12, origin: 3, profile: 0.2, manifest: 0.1, state: 4, decide: 0.3, template: 0.1 });
    expect(m.reads).toEqual({ state: 1, kv: 1 });
    expect(observe(with_("state", "miss"), { decided: decided("gold") }).reads.state).toBe(0);
  });
});

function metrics(over: Partial<PageMetrics> = {}): PageMetrics {
  return {
    outcome: "personalized",
    status: 200,
    version: "v1",
    causes: [],
    decisions: [{ slot: "hero", variant: "gold", experiment: "" }],
    budgets: { total: 10, origin: 5, profile: 1, manifest: 0, state: 3, decide: 1, template: 0 },
    reads: { state: 1, kv: 0 },
    ...over,
  };
}

describe("the local stand-in", () => {
  const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);

  it("counts within the period asked for, and nothing older", () => {
    const store = new LocalMetricsStore();
    store.add(metrics(), T0 - 2 * 3_600_000);
    store.add(metrics(), T0 - 30 * 60_000);
    store.add(metrics({ outcome: "default", decisions: [{ slot: "hero", variant: "(default)", experiment: "" }], causes: ["state_over_budget"] }), T0);
    const t = store.tallies(60, T0);
    expect(Object.fromEntries(t.outcomes)).toEqual({ personalized: 1, default: 1 });
    expect(Object.fromEntries(t.fallbacks)).toEqual({ state_over_budget: 1 });
    expect(t.usage).toEqual({ stateReads: 2, kvReads: 0 });
    expect(Object.fromEntries(store.tallies(180, T0).outcomes)).toEqual({ personalized: 2, default: 1 });
  });

  it("quantiles over the pooled samples (nearest rank)", () => {
    const store = new LocalMetricsStore();
    for (let i = 1; i <= 100; i++) store.add(metrics({ budgets: { ...metrics().budgets, origin: i } }), T0);
    expect(store.tallies(60, T0).budgets.get("origin")).toEqual({ p50: 50, p99: 99 });
  });

  it("stays bounded: a day of minutes, MAX_KEYS keys, MAX_SAMPLES samples per minute", () => {
    let i = 0;
    const store = new LocalMetricsStore(() => (i++ % 97) / 97);
    for (let m = 0; m < MAX_BUCKETS + 50; m++) store.add(metrics(), T0 + m * 60_000);
    expect(store.size).toBe(MAX_BUCKETS);
    const one = new LocalMetricsStore(() => 0.5);
    for (let k = 0; k < MAX_KEYS + 100; k++) one.add(metrics({ decisions: [{ slot: `slot-${k}`, variant: "v", experiment: "" }] }), T0);
    const t = one.tallies(60, T0);
    expect(t.decisions.size).toBe(MAX_KEYS + 1);
    expect(t.decisions.get("(other)")).toBe(100);
    const samples = new LocalMetricsStore(() => 0.99);
    for (let k = 0; k < MAX_SAMPLES * 4; k++) samples.add(metrics(), T0);
    expect(Object.fromEntries(samples.tallies(60, T0).outcomes)).toEqual({ personalized: MAX_SAMPLES * 4 });
  });
});

describe("the production reader's SQL", () => {
  it("weights every count and quantile by the sample interval, over the period", () => {
    const q = statsQueries(90);
    for (const sql of Object.values(q)) {
      expect(sql).toContain("FROM p13n_metrics");
      expect(sql).toContain("timestamp > NOW() - INTERVAL '90' MINUTE");
      expect(sql).toMatch(/_sample_interval/);
      expect(sql).toMatch(/FORMAT JSON$/);
    }
    expect(q.budgets).toContain("quantileExactWeighted(0.99)(double3, _sample_interval) AS origin_p99");
    expect(() => statsQueries(1.5)).toThrow(RangeError);
  });
});

describe("the log line", () => {
  afterEach(() => vi.restoreAllMocks());

  it("is one JSON object with level, at and code first, which fields cannot override", () => {
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((l: string) => void lines.push(l));
    logEvent("error", "origin", "ORIGIN_TIMEOUT", { error: "P13nError: over 30000 ms", code: "spoofed", at: "x" });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("\n");
    expect(JSON.parse(lines[0]!)).toEqual({ level: "error", at: "origin", code: "ORIGIN_TIMEOUT", error: "P13nError: over 30000 ms" });
    expect(Object.keys(JSON.parse(lines[0]!)).slice(0, 3)).toEqual(["level", "at", "code"]);
  });

  it("never throws on a field it cannot serialise", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => logEvent("warn", "x", "Y", { cyclic })).not.toThrow();
  });
});
