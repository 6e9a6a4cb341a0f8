/**
 * The answer to "is it working, and what does it cost me?" over a period, and the one
 * interface every reader of the counts goes through: Workers Analytics Engine's SQL API in
 * production (src/observability/ae-sql.ts), the in-isolate stand-in locally
 * (src/observability/local-store.ts). The admin API's GET /stats, the console's Activity view
 * and `npx p13n stats` all show a StatsReport.
 *
 * @example
 * const source: MetricsSource = metricsSource(config.metrics, fetch);
 * const report = await source.report(60, Date.now());
 * report.personalizedShare; // 0.42
 */
import type { Budget, FallbackCause, Outcome } from "./page-metrics.ts";

export interface StatsReport {
  /** Where the numbers come from. */
  source: "analytics-engine" | "local";
  from: string;
  to: string;
  minutes: number;
  /** Every request through the page path (pages, assets, errors). */
  requests: number;
  outcomes: Record<Outcome, number>;
  /** HTML pages the worker decided for (personalized + default). */
  pages: number;
  /** personalized / pages, 0 when no pages. */
  personalizedShare: number;
  decisions: Array<{ slot: string; variant: string; count: number }>;
  fallbacks: Array<{ cause: FallbackCause | string; count: number }>;
  /** Milliseconds over decided pages (p50, p99); `total` is the worker's time to the response headers. */
  budgets: Array<{ budget: Budget; p50: number; p99: number }>;
  /** What the pages cost beyond the Worker invocations: Durable Object snapshot reads, KV manifest reads. */
  usage: { stateReads: number; kvReads: number };
}

export interface MetricsSource {
  readonly name: StatsReport["source"];
  report(minutes: number, nowMs: number): Promise<StatsReport>;
}

/** The longest period a report covers (Analytics Engine keeps three months; a week is plenty for this view). */
export const MAX_MINUTES = 7 * 24 * 60;

export interface Tallies {
  outcomes: Map<string, number>;
  decisions: Map<string, number>;
  fallbacks: Map<string, number>;
  budgets: Map<string, { p50: number; p99: number }>;
  usage: { stateReads: number; kvReads: number };
}

/** Key of a (slot, variant) pair in tallies. */
export const pairKey = (slot: string, variant: string): string => `${slot}\u0000${variant}`;

const OUTCOMES: Outcome[] = ["personalized", "default", "passthrough", "error"];
const BUDGET_ORDER: Budget[] = ["total", "origin", "profile", "manifest", "state", "decide", "template"];

/** Builds the report both sources answer with, from their tallies. */
export function reportFrom(source: StatsReport["source"], minutes: number, nowMs: number, t: Tallies): StatsReport {
  const outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, Math.round(t.outcomes.get(o) ?? 0)])) as Record<Outcome, number>;
  const requests = OUTCOMES.reduce((n, o) => n + outcomes[o], 0);
  const pages = outcomes.personalized + outcomes.default;
  const decisions = [...t.decisions]
    .map(([k, count]) => {
      const [slot = "", variant = ""] = k.split("\u0000");
      return { slot, variant, count: Math.round(count) };
    })
    .sort((a, b) => a.slot.localeCompare(b.slot) || b.count - a.count || a.variant.localeCompare(b.variant));
  const fallbacks = [...t.fallbacks].map(([cause, count]) => ({ cause, count: Math.round(count) })).sort((a, b) => b.count - a.count || a.cause.localeCompare(b.cause));
  const budgets = BUDGET_ORDER.filter((b) => t.budgets.has(b)).map((b) => ({ budget: b, ...t.budgets.get(b)! }));
  return {
    source,
    from: new Date(nowMs - minutes * 60_000).toISOString(),
    to: new Date(nowMs).toISOString(),
    minutes,
    requests,
    outcomes,
    pages,
    personalizedShare: pages === 0 ? 0 : outcomes.personalized / pages,
    decisions,
    fallbacks,
    budgets,
    usage: { stateReads: Math.round(t.usage.stateReads), kvReads: Math.round(t.usage.kvReads) },
  };
}
