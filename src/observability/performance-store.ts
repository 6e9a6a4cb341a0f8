/**
 * How each variant does, counted where the other per-request counts go: Workers Analytics
 * Engine (`perf` data points in the `p13n_metrics` dataset), and the local stand-in with
 * METRICS_STORE=local. Written after a beacon was acknowledged (src/performance/record.ts),
 * read by the admin API's GET /performance through the same MetricsSettings as /stats.
 *
 * | index1 | blob1 | blob2 | blob3 | blob4 | blob5 | blob6 | double1 |
 * |---|---|---|---|---|---|---|---|
 * | `perf` | `perf` | `impression` \| `click` \| `conversion` | slot | variant (`(default)`) | segment, or "" for everyone | content version | 1 |
 *
 * Why this path: the counts are aggregates nobody needs per visitor, written without blocking
 * (AE's write is fire-and-forget), queried over any period with SQL, and they cost no Durable
 * Object rows or D1 writes; "served" comes from the `decision` points the page path already
 * writes. What it cannot do: count distinct visitors (that would put a visitor id in the
 * dataset) — so rates are per impression, and said so.
 *
 * @example
 * writePerfPoints(env.METRICS, points);                 // never throws (the caller catches)
 * const tallies = await performanceSource(config.metrics, fetch).tallies(1440, Date.now());
 */
import type { MetricsSettings } from "../config/config.ts";
import { P13nError } from "../errors.ts";
import type { DataPointSink } from "./analytics-engine.ts";
import { METRICS_DATASET } from "./analytics-engine.ts";

export type PerfEvent = "impression" | "click" | "conversion";

/** One counted event, as written. */
export interface PerfPoint {
  event: PerfEvent;
  slot: string;
  /** `(default)` for the origin's own content. */
  variant: string;
  /** A segment the visitor was in (a point per segment of the variant's audience), or "" for the all-visitors count. */
  segment: string;
  version: string;
}

export const DEFAULT_VARIANT = "(default)";
/** The longest period a performance report covers: 30 days (AE keeps three months). */
export const MAX_PERFORMANCE_MINUTES = 30 * 24 * 60;

/** Counts by `event\0slot\0variant\0segment`, and pages served by `slot\0variant`. */
export interface PerfTallies {
  events: Map<string, number>;
  served: Map<string, number>;
}

export const perfKey = (event: string, slot: string, variant: string, segment: string): string => `${event}\u0000${slot}\u0000${variant}\u0000${segment}`;
const servedKey = (slot: string, variant: string): string => `${slot}\u0000${variant}`;

/** Writes the points (Analytics Engine's write is non-blocking). */
export function writePerfPoints(dataset: DataPointSink, points: readonly PerfPoint[]): void {
  for (const p of points) dataset.writeDataPoint({ indexes: ["perf"], blobs: ["perf", p.event, p.slot, p.variant, p.segment, p.version], doubles: [1] });
}

const HOUR_MS = 3_600_000;
export const MAX_PERF_BUCKETS = 30 * 24;
export const MAX_PERF_KEYS = 2_000;
const OTHER = "(other)";

interface Bucket {
  events: Map<string, number>;
  served: Map<string, number>;
}

function bump(m: Map<string, number>, key: string, other: string): void {
  const k = m.has(key) || m.size < MAX_PERF_KEYS ? key : other;
  m.set(k, (m.get(k) ?? 0) + 1);
}

/**
 * The local stand-in: hourly buckets for 30 days, at most MAX_PERF_KEYS keys an hour (further
 * ones count under "(other)"). Periods are counted in whole hours.
 */
export class LocalPerformanceStore {
  readonly #buckets = new Map<number, Bucket>();

  get size(): number {
    return this.#buckets.size;
  }

  #bucket(nowMs: number): Bucket {
    const hour = Math.floor(nowMs / HOUR_MS);
    let b = this.#buckets.get(hour);
    if (!b) {
      b = { events: new Map(), served: new Map() };
      this.#buckets.set(hour, b);
      for (const old of this.#buckets.keys()) {
        if (this.#buckets.size <= MAX_PERF_BUCKETS) break;
        this.#buckets.delete(old);
      }
    }
    return b;
  }

  add(points: readonly PerfPoint[], nowMs: number): void {
    if (points.length === 0) return;
    const b = this.#bucket(nowMs);
    for (const p of points) bump(b.events, perfKey(p.event, p.slot, p.variant, p.segment), perfKey(p.event, OTHER, OTHER, ""));
  }

  addServed(decisions: ReadonlyArray<{ slot: string; variant: string }>, nowMs: number): void {
    if (decisions.length === 0) return;
    const b = this.#bucket(nowMs);
    for (const d of decisions) bump(b.served, servedKey(d.slot, d.variant), servedKey(OTHER, OTHER));
  }

  /** Every hour that overlaps the last `minutes` (the stand-in counts in whole hours). */
  tallies(minutes: number, nowMs: number): PerfTallies {
    const since = nowMs - minutes * 60_000;
    const t: PerfTallies = { events: new Map(), served: new Map() };
    for (const [hour, b] of this.#buckets) {
      if ((hour + 1) * HOUR_MS <= since) continue;
      for (const [k, n] of b.events) t.events.set(k, (t.events.get(k) ?? 0) + n);
      for (const [k, n] of b.served) t.served.set(k, (t.served.get(k) ?? 0) + n);
    }
    return t;
  }
}

// One per isolate, like the stats stand-in: aggregates, never one visitor's data.
let store: LocalPerformanceStore | undefined;

export function localPerformance(): LocalPerformanceStore {
  return (store ??= new LocalPerformanceStore());
}

/** The SQL the production reader sends. `minutes` is a validated integer. */
export function performanceQueries(minutes: number): { events: string; served: string } {
  if (!Number.isInteger(minutes) || minutes < 1) throw new RangeError("minutes must be a positive integer");
  const since = `timestamp > NOW() - INTERVAL '${minutes}' MINUTE`;
  return {
    events: `SELECT blob2 AS event, blob3 AS slot, blob4 AS variant, blob5 AS segment, SUM(_sample_interval * double1) AS n FROM ${METRICS_DATASET} WHERE index1 = 'perf' AND ${since} GROUP BY event, slot, variant, segment ORDER BY n DESC LIMIT 5000 FORMAT JSON`,
    served: `SELECT blob2 AS slot, blob3 AS variant, SUM(_sample_interval * double1) AS n FROM ${METRICS_DATASET} WHERE index1 = 'decision' AND ${since} GROUP BY slot, variant ORDER BY n DESC LIMIT 1000 FORMAT JSON`,
  };
}

export interface PerformanceSource {
  readonly name: "analytics-engine" | "local";
  tallies(minutes: number, nowMs: number): Promise<PerfTallies>;
}

type Row = Record<string, string | number | null>;
const num = (v: unknown): number => (typeof v === "number" ? v : Number(v ?? 0)) || 0;

async function sql(s: { accountId: string; token: string }, fetcher: typeof fetch, query: string): Promise<Row[]> {
  const res = await fetcher(`https://api.cloudflare.com/client/v4/accounts/${encodeURIComponent(s.accountId)}/analytics_engine/sql`, {
    method: "POST",
    headers: { authorization: `Bearer ${s.token}`, "content-type": "text/plain" },
    body: query,
    signal: AbortSignal.timeout(5_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`Analytics Engine SQL API answered ${res.status}: ${text.slice(0, 200)}`);
  return (JSON.parse(text) as { data?: Row[] }).data ?? [];
}

/**
 * Where GET /performance reads: the local stand-in, or Analytics Engine's SQL API (which needs
 * METRICS_ACCOUNT_ID and the METRICS_API_TOKEN secret, as /stats does).
 */
export function performanceSource(s: MetricsSettings, fetcher: typeof fetch): PerformanceSource {
  if (s.store === "local") return { name: "local", tallies: async (minutes, nowMs) => localPerformance().tallies(minutes, nowMs) };
  if (!s.accountId || !s.token) {
    throw new P13nError("METRICS_UNAVAILABLE", "the counts are in Workers Analytics Engine: set METRICS_ACCOUNT_ID in wrangler.toml and the METRICS_API_TOKEN secret (an Account Analytics Read token)");
  }
  const creds = { accountId: s.accountId, token: s.token };
  return {
    name: "analytics-engine",
    async tallies(minutes) {
      const q = performanceQueries(minutes);
      const [events, served] = await Promise.all([sql(creds, fetcher, q.events), sql(creds, fetcher, q.served)]);
      const t: PerfTallies = { events: new Map(), served: new Map() };
      for (const r of events) t.events.set(perfKey(String(r.event), String(r.slot), String(r.variant), String(r.segment ?? "")), num(r.n));
      for (const r of served) t.served.set(servedKey(String(r.slot), String(r.variant)), num(r.n));
      return t;
    },
  };
}
