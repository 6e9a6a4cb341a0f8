/**
 * Per-request counts in Workers Analytics Engine: the write (one data point per request,
 * per decided slot and per fallback) and the read (its SQL API, with an account token).
 * The dataset and its columns (README "Observability"):
 *
 * | index1 | blob1 | blob2 | blob3 | blob4 | blob5 | double1 | double2… |
 * |---|---|---|---|---|---|---|---|
 * | `page` | `page` | outcome | content version | HTTP status | | 1 | total, origin, profile, manifest, state, decide, template (ms), state read (0/1), KV read (0/1) |
 * | `decision` | `decision` | slot | variant (`(default)`) | `experiment:arm` or "" | content version | 1 | |
 * | `fallback` | `fallback` | cause | content version | | | 1 | |
 *
 * Counts are `SUM(_sample_interval * double1)`: Analytics Engine samples at high volume.
 *
 * @example
 * writePageMetrics(env.METRICS, metrics);                  // after the response, never throws
 * const source = analyticsEngineSource({ accountId, token, fetch });
 */
import { BUDGETS, type PageMetrics } from "./page-metrics.ts";
import { pairKey, reportFrom, type MetricsSource, type Tallies } from "./stats.ts";

/** The dataset name in wrangler.toml's [[analytics_engine_datasets]] (the worker cannot read it at runtime). */
export const METRICS_DATASET = "p13n_metrics";

/** The part of an Analytics Engine dataset binding used here (so this module also runs in plain Node). */
export interface DataPointSink {
  writeDataPoint(point: { indexes?: string[]; blobs?: string[]; doubles?: number[] }): void;
}

/** Writes the request's data points. Analytics Engine's write is non-blocking; a failure is swallowed by the caller. */
export function writePageMetrics(dataset: DataPointSink, m: PageMetrics): void {
  const budgets = BUDGETS.map((b) => Math.round(m.budgets[b] * 100) / 100);
  dataset.writeDataPoint({ indexes: ["page"], blobs: ["page", m.outcome, m.version, String(m.status)], doubles: [1, ...budgets, m.reads.state, m.reads.kv] });
  for (const d of m.decisions) {
    dataset.writeDataPoint({ indexes: ["decision"], blobs: ["decision", d.slot, d.variant, d.experiment, m.version], doubles: [1] });
  }
  for (const cause of m.causes) {
    dataset.writeDataPoint({ indexes: ["fallback"], blobs: ["fallback", cause, m.version], doubles: [1] });
  }
}

/** The SQL the reader sends (exported for the tests and the README). `minutes` is a validated integer. */
export function statsQueries(minutes: number): Record<"outcomes" | "decisions" | "fallbacks" | "budgets", string> {
  if (!Number.isInteger(minutes) || minutes < 1) throw new RangeError("minutes must be a positive integer");
  const since = `timestamp > NOW() - INTERVAL '${minutes}' MINUTE`;
  const count = "SUM(_sample_interval * double1)";
  const q = (b: string, i: number) =>
    `quantileExactWeighted(0.5)(double${i + 2}, _sample_interval) AS ${b}_p50, quantileExactWeighted(0.99)(double${i + 2}, _sample_interval) AS ${b}_p99`;
  return {
    outcomes: `SELECT blob2 AS outcome, ${count} AS n, SUM(_sample_interval * double${BUDGETS.length + 2}) AS state_reads, SUM(_sample_interval * double${BUDGETS.length + 3}) AS kv_reads FROM ${METRICS_DATASET} WHERE index1 = 'page' AND ${since} GROUP BY outcome FORMAT JSON`,
    decisions: `SELECT blob2 AS slot, blob3 AS variant, ${count} AS n FROM ${METRICS_DATASET} WHERE index1 = 'decision' AND ${since} GROUP BY slot, variant ORDER BY n DESC LIMIT 500 FORMAT JSON`,
    fallbacks: `SELECT blob2 AS cause, ${count} AS n FROM ${METRICS_DATASET} WHERE index1 = 'fallback' AND ${since} GROUP BY cause ORDER BY n DESC LIMIT 100 FORMAT JSON`,
    budgets: `SELECT ${BUDGETS.map(q).join(", ")} FROM ${METRICS_DATASET} WHERE index1 = 'page' AND blob2 IN ('personalized', 'default') AND ${since} FORMAT JSON`,
  };
}

export interface AnalyticsEngineOptions {
  accountId: string;
  /** An API token with Account Analytics Read. */
  token: string;
  fetch: typeof fetch;
  /** Per query (default 5 s): a slow API answers "unavailable", never hangs the console. */
  timeoutMs?: number;
}

type Row = Record<string, string | number | null>;
const num = (v: unknown): number => (typeof v === "number" ? v : Number(v ?? 0)) || 0;

async function sql(opts: AnalyticsEngineOptions, query: string): Promise<Row[]> {
  const res = await opts.fetch(`https://api.cloudflare.com/client/v4/accounts/${encodeURIComponent(opts.accountId)}/analytics_engine/sql`, {
    method: "POST",
    headers: { authorization: `Bearer ${opts.token}`, "content-type": "text/plain" },
    body: query,
    signal: AbortSignal.timeout(opts.timeoutMs ?? 5_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`Analytics Engine SQL API answered ${res.status}: ${text.slice(0, 200)}`);
  const parsed = JSON.parse(text) as { data?: Row[] };
  return parsed.data ?? [];
}

/** Reads the counts from Analytics Engine's SQL API (production). */
export function analyticsEngineSource(opts: AnalyticsEngineOptions): MetricsSource {
  return {
    name: "analytics-engine",
    async report(minutes, nowMs) {
      const q = statsQueries(minutes);
      const [outcomes, decisions, fallbacks, budgets] = await Promise.all([sql(opts, q.outcomes), sql(opts, q.decisions), sql(opts, q.fallbacks), sql(opts, q.budgets)]);
      const t: Tallies = { outcomes: new Map(), decisions: new Map(), fallbacks: new Map(), budgets: new Map(), usage: { stateReads: 0, kvReads: 0 } };
      for (const r of outcomes) {
        t.outcomes.set(String(r.outcome), num(r.n));
        t.usage.stateReads += num(r.state_reads);
        t.usage.kvReads += num(r.kv_reads);
      }
      for (const r of decisions) t.decisions.set(pairKey(String(r.slot), String(r.variant)), num(r.n));
      for (const r of fallbacks) t.fallbacks.set(String(r.cause), num(r.n));
      const b = budgets[0];
      if (b && num(t.outcomes.get("personalized")) + num(t.outcomes.get("default")) > 0) {
        for (const name of BUDGETS) t.budgets.set(name, { p50: num(b[`${name}_p50`]), p99: num(b[`${name}_p99`]) });
      }
      return reportFrom("analytics-engine", minutes, nowMs, t);
    },
  };
}
