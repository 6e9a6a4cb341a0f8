/**
 * GET /performance's answer: per slot and variant, how often it was served, seen, clicked and
 * followed by a conversion, over a period, for variants in experiments and outside them — and,
 * for a variant with an audience, the same per segment of that audience. Every number comes
 * with a line in plain words, and the report says what these numbers are not: without an
 * experiment nobody was kept from the variant, so they show what happened, not what the
 * variant caused.
 *
 * @example
 * const report = performanceReport(tallies, manifest, { source: "local", minutes: 1440, nowMs: Date.now() });
 * report.slots[0].variants[0].words; // "Shown on 120 pages, seen 96 times, clicked 12 times (12.5% of views) …"
 */
import { describeRule } from "../engine/explain.ts";
import { ruleSegments } from "../engine/rule-segments.ts";
import type { Manifest } from "../engine/types.ts";
import { DEFAULT_VARIANT, perfKey, type PerfTallies } from "./performance-store.ts";

/** A conversion counts for every variant the visitor was served in the days before it. */
export const ATTRIBUTION_DAYS = 7;

export interface Counts {
  impressions: number;
  clicks: number;
  conversions: number;
  /** clicks ÷ impressions; null without impressions. */
  clickRate: number | null;
  /** conversions ÷ impressions; null without impressions. */
  conversionRate: number | null;
}

export interface VariantPerformance extends Counts {
  variant: string;
  /** Pages the Worker filled the slot with it. */
  served: number;
  audience: string | null;
  /** The running experiment it is an arm's variant in (its results are causal), or null. */
  experiment: string | null;
  /** Not in the live content any more (counted while it was). */
  retired: boolean;
  segments: Array<{ segment: string } & Counts>;
  words: string;
}

export interface PerformanceReport {
  source: "analytics-engine" | "local";
  from: string;
  to: string;
  minutes: number;
  attributionDays: number;
  causal: false;
  note: string;
  slots: Array<{ slot: string; variants: VariantPerformance[] }>;
}

export const NOT_CAUSAL =
  "These numbers show what happened after each variant was shown, not what it caused: the people who see a targeted variant differ from those who do not, so comparing variants here compares audiences too. To learn what a variant causes, run it as an experiment (see Results).";

const n = (m: Map<string, number>, k: string) => Math.round(m.get(k) ?? 0);
const rate = (x: number, of: number) => (of > 0 ? x / of : null);
const pct = (x: number | null) => (x === null ? "" : `${(x * 100).toFixed(1)}%`);
const times = (k: number, one: string, many: string) => `${k} ${k === 1 ? one : many}`;

function counts(t: PerfTallies, slot: string, variant: string, segment: string): Counts {
  const impressions = n(t.events, perfKey("impression", slot, variant, segment));
  const clicks = n(t.events, perfKey("click", slot, variant, segment));
  const conversions = n(t.events, perfKey("conversion", slot, variant, segment));
  return { impressions, clicks, conversions, clickRate: rate(clicks, impressions), conversionRate: rate(conversions, impressions) };
}

/** One variant's numbers in a sentence. */
export function variantWords(v: Pick<VariantPerformance, "served" | "impressions" | "clicks" | "conversions" | "clickRate" | "conversionRate" | "variant">): string {
  const who = v.variant === DEFAULT_VARIANT ? "The page's own content" : "This variant";
  if (v.served === 0 && v.impressions === 0) return `${who} was not shown in this period.`;
  const parts = [`${who} was shown on ${times(v.served, "page", "pages")} and seen ${times(v.impressions, "time", "times")} (at least half of it on screen for a second)`];
  if (v.impressions > 0) {
    parts.push(`clicked ${times(v.clicks, "time", "times")} (${pct(v.clickRate)} of views)`);
    // Conversions are credited to what the Worker put in the slot: the page's own content is not recorded as served.
    if (v.variant !== DEFAULT_VARIANT) parts.push(`followed by ${times(v.conversions, "conversion", "conversions")} within ${ATTRIBUTION_DAYS} days (${pct(v.conversionRate)} of views)`);
  }
  return `${parts.join(", ")}.${v.variant === DEFAULT_VARIANT ? " Conversions are credited to variants only." : ""}`;
}

export function performanceReport(t: PerfTallies, manifest: Manifest | null, opts: { source: PerformanceReport["source"]; minutes: number; nowMs: number }): PerformanceReport {
  const experimentOf = new Map<string, string>();
  for (const [id, e] of Object.entries(manifest?.experiments ?? {})) {
    if ((e.status ?? "running") !== "running") continue;
    for (const arm of e.arms) for (const [slot, variant] of Object.entries(arm.variants)) experimentOf.set(`${slot}\u0000${variant ?? DEFAULT_VARIANT}`, id);
  }
  // Every slot and variant of the live content, then anything counted that is not in it any more.
  const slots = new Map<string, Map<string, { audience: Manifest["slots"][string]["variants"][number]["audience"]; live: boolean }>>();
  for (const [slot, s] of Object.entries(manifest?.slots ?? {})) {
    const vs = new Map<string, { audience: Manifest["slots"][string]["variants"][number]["audience"]; live: boolean }>();
    for (const v of s.variants) vs.set(v.id, { audience: v.audience, live: true });
    vs.set(DEFAULT_VARIANT, { audience: undefined, live: true });
    slots.set(slot, vs);
  }
  for (const key of [...t.events.keys(), ...t.served.keys()]) {
    const parts = key.split("\u0000");
    const [slot, variant] = parts.length === 4 ? [parts[1]!, parts[2]!] : [parts[0]!, parts[1]!];
    if (!slots.has(slot)) slots.set(slot, new Map());
    const vs = slots.get(slot)!;
    if (!vs.has(variant)) vs.set(variant, { audience: undefined, live: false });
  }
  const segmentsOf = (audience: Parameters<typeof ruleSegments>[0]) => ruleSegments(audience);
  return {
    source: opts.source,
    from: new Date(opts.nowMs - opts.minutes * 60_000).toISOString(),
    to: new Date(opts.nowMs).toISOString(),
    minutes: opts.minutes,
    attributionDays: ATTRIBUTION_DAYS,
    causal: false,
    note: NOT_CAUSAL,
    slots: [...slots].sort(([a], [b]) => a.localeCompare(b)).map(([slot, vs]) => ({
      slot,
      variants: [...vs].map(([variant, info]): VariantPerformance => {
        const base = { variant, served: n(t.served, `${slot}\u0000${variant}`), ...counts(t, slot, variant, "") };
        return {
          ...base,
          audience: info.audience ? describeRule(info.audience) : null,
          experiment: experimentOf.get(`${slot}\u0000${variant}`) ?? null,
          retired: !info.live,
          segments: segmentsOf(info.audience).map((segment) => ({ segment, ...counts(t, slot, variant, segment) })),
          words: variantWords(base),
        };
      }),
    })),
  };
}
