/**
 * The local stand-in for Workers Analytics Engine (whose SQL API has no local form): the
 * same per-request metrics, aggregated in this isolate into per-minute buckets, so
 * `wrangler dev`, `p13n stats` against it and the console show numbers from a local run.
 * Used only with METRICS_STORE=local ([env.dev]); in production one isolate's share of the
 * traffic would mislead, so there the numbers come from Analytics Engine.
 *
 * Bounded whatever the traffic: at most MAX_BUCKETS minutes (one day), MAX_KEYS decision and
 * fallback keys per minute (further ones count under "(other)"), MAX_SAMPLES timing samples
 * per budget per minute (a uniform reservoir beyond that).
 *
 * @example
 * localMetrics().add(metrics, Date.now());
 * const report = await localSource().report(60, Date.now());
 */
import { BUDGETS, type PageMetrics } from "./page-metrics.ts";
import { pairKey, reportFrom, type MetricsSource, type Tallies } from "./stats.ts";

export const MAX_BUCKETS = 24 * 60;
export const MAX_KEYS = 500;
export const MAX_SAMPLES = 256;
const OTHER = "(other)";

interface Bucket {
  outcomes: Map<string, number>;
  decisions: Map<string, number>;
  fallbacks: Map<string, number>;
  samples: Map<string, { seen: number; values: number[] }>;
  stateReads: number;
  kvReads: number;
}

const bump = (m: Map<string, number>, key: string, by = 1): void => {
  const k = m.has(key) || m.size < MAX_KEYS ? key : OTHER;
  m.set(k, (m.get(k) ?? 0) + by);
};

/** Nearest-rank quantile of sorted values. */
function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export class LocalMetricsStore {
  readonly #buckets = new Map<number, Bucket>();
  readonly #random: () => number;

  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  /** Buckets held (for tests of the bound). */
  get size(): number {
    return this.#buckets.size;
  }

  add(m: PageMetrics, nowMs: number): void {
    const minute = Math.floor(nowMs / 60_000);
    let b = this.#buckets.get(minute);
    if (!b) {
      b = { outcomes: new Map(), decisions: new Map(), fallbacks: new Map(), samples: new Map(), stateReads: 0, kvReads: 0 };
      this.#buckets.set(minute, b);
      // Maps keep insertion order: the oldest minutes go first.
      for (const old of this.#buckets.keys()) {
        if (this.#buckets.size <= MAX_BUCKETS) break;
        this.#buckets.delete(old);
      }
    }
    bump(b.outcomes, m.outcome);
    for (const d of m.decisions) bump(b.decisions, pairKey(d.slot, d.variant));
    for (const cause of m.causes) bump(b.fallbacks, cause);
    b.stateReads += m.reads.state;
    b.kvReads += m.reads.kv;
    if (m.outcome !== "personalized" && m.outcome !== "default") return;
    for (const budget of BUDGETS) {
      let s = b.samples.get(budget);
      if (!s) b.samples.set(budget, (s = { seen: 0, values: [] }));
      s.seen++;
      if (s.values.length < MAX_SAMPLES) s.values.push(m.budgets[budget]);
      else {
        const i = Math.floor(this.#random() * s.seen);
        if (i < MAX_SAMPLES) s.values[i] = m.budgets[budget];
      }
    }
  }

  /** Everything in the last `minutes` minutes, as tallies (quantiles over the pooled samples). */
  tallies(minutes: number, nowMs: number): Tallies {
    const from = Math.floor((nowMs - minutes * 60_000) / 60_000);
    const t: Tallies = { outcomes: new Map(), decisions: new Map(), fallbacks: new Map(), budgets: new Map(), usage: { stateReads: 0, kvReads: 0 } };
    const pooled = new Map<string, number[]>();
    for (const [minute, b] of this.#buckets) {
      if (minute <= from) continue;
      for (const [k, n] of b.outcomes) t.outcomes.set(k, (t.outcomes.get(k) ?? 0) + n);
      for (const [k, n] of b.decisions) t.decisions.set(k, (t.decisions.get(k) ?? 0) + n);
      for (const [k, n] of b.fallbacks) t.fallbacks.set(k, (t.fallbacks.get(k) ?? 0) + n);
      for (const [k, s] of b.samples) pooled.set(k, [...(pooled.get(k) ?? []), ...s.values]);
      t.usage.stateReads += b.stateReads;
      t.usage.kvReads += b.kvReads;
    }
    for (const [k, values] of pooled) {
      const sorted = values.sort((x, y) => x - y);
      t.budgets.set(k, { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) });
    }
    return t;
  }
}

// One per isolate, like the template store: aggregates, never one visitor's data.
let store: LocalMetricsStore | undefined;

export function localMetrics(): LocalMetricsStore {
  return (store ??= new LocalMetricsStore());
}

export function localSource(held: LocalMetricsStore = localMetrics()): MetricsSource {
  return {
    name: "local",
    report: async (minutes, nowMs) => reportFrom("local", minutes, nowMs, held.tallies(minutes, nowMs)),
  };
}
