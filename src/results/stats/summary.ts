/**
 * Per-arm summaries: conversion rate with its Wilson interval, mean and variance of a numeric
 * goal, and the sum of aggregate rows into those samples.
 */
import type { AggregateRow, Interval, MeanSample, RateSample } from "./types.ts";
import { normQuantile } from "./distributions.ts";

/** The two-sided normal critical value for a confidence level, e.g. 1.959963984540054 for 0.95. */
export function zCritical(confidence: number): number {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  return normQuantile(1 - (1 - confidence) / 2);
}

export interface RateSummary {
  units: number;
  converted: number;
  /** converted / units; null for an empty arm. */
  rate: number | null;
  /** Standard error √(p(1−p)/n); null for an empty arm. */
  se: number | null;
  /** Wilson score interval; null for an empty arm. */
  interval: Interval | null;
}

/**
 * Conversion rate with the Wilson score interval (E. B. Wilson, "Probable inference, the law of
 * succession, and statistical inference", JASA 22, 1927; recommended over the Wald interval by
 * Brown, Cai & DasGupta, Statistical Science 16, 2001): it stays inside [0, 1] and is not
 * degenerate at 0 or n conversions.
 *   centre = (x + z²/2)/(n + z²),  half-width = z/(n + z²)·√(x(n−x)/n + z²/4)
 *
 * @example
 * rateSummary({ units: 1000, converted: 50 });
 * // { units: 1000, converted: 50, rate: 0.05, se: 0.00689…, interval: [0.03813…, 0.06531…] }
 */
export function rateSummary(s: RateSample, confidence = 0.95): RateSummary {
  checkRate(s);
  const { units: n, converted: x } = s;
  if (n === 0) return { units: 0, converted: 0, rate: null, se: null, interval: null };
  const p = x / n;
  const z = zCritical(confidence);
  const z2 = z * z;
  const centre = (x + z2 / 2) / (n + z2);
  const half = (z / (n + z2)) * Math.sqrt((x * (n - x)) / n + z2 / 4);
  // Clamp the rounding at the edges (x = 0 gives a low end of ±1e-18).
  const interval: Interval = [Math.max(0, centre - half), Math.min(1, centre + half)];
  return { units: n, converted: x, rate: p, se: Math.sqrt((p * (1 - p)) / n), interval };
}

export interface MeanSummary {
  n: number;
  /** sum / n; null when n = 0. */
  mean: number | null;
  /** Sample variance (n − 1 denominator); null when n < 2. */
  variance: number | null;
  /** Standard error √(variance/n); null when n < 2. */
  se: number | null;
  /** Normal interval mean ± z·se (large-sample); null when n < 2. */
  interval: Interval | null;
}

/**
 * Mean and sample variance of a numeric goal from its sums. Variance by
 * s² = (Σx² − (Σx)²/n)/(n − 1), with the correction term computed as sum·mean to keep one
 * rounding; this loses digits only when mean² ≫ s² (Chan, Golub & LeVeque, "Algorithms for
 * computing the sample variance", Am. Stat. 37, 1983) — not the case for order values per
 * visitor, where most units are 0. Negative round-off is clamped to 0.
 *
 * @example
 * meanSummary({ n: 4, sum: 10, sumSq: 30 }); // { n: 4, mean: 2.5, variance: 1.6667, se: 0.6455, interval: [1.2348, 3.7652] }
 */
export function meanSummary(s: MeanSample, confidence = 0.95): MeanSummary {
  checkMean(s);
  const { n, sum, sumSq } = s;
  if (n === 0) return { n: 0, mean: null, variance: null, se: null, interval: null };
  const mean = sum / n;
  if (n < 2) return { n, mean, variance: null, se: null, interval: null };
  const variance = Math.max(0, (sumSq - sum * mean) / (n - 1));
  const se = Math.sqrt(variance / n);
  const z = zCritical(confidence);
  return { n, mean, variance, se, interval: [mean - z * se, mean + z * se] };
}

/** Throws a RangeError unless 0 ≤ converted ≤ units, both integers. */
export function checkRate(s: RateSample): void {
  if (!(Number.isInteger(s.units) && Number.isInteger(s.converted) && s.units >= 0 && s.converted >= 0 && s.converted <= s.units)) {
    throw new RangeError(`rate sample needs integers 0 ≤ converted ≤ units, got ${s.converted}/${s.units}`);
  }
}

/** Throws a RangeError unless n is a non-negative integer and the sums are finite with sumSq ≥ 0. */
export function checkMean(s: MeanSample): void {
  if (!(Number.isInteger(s.n) && s.n >= 0 && Number.isFinite(s.sum) && Number.isFinite(s.sumSq) && s.sumSq >= 0)) {
    throw new RangeError(`mean sample needs an integer n ≥ 0 and finite sums, got n=${s.n} sum=${s.sum} sumSq=${s.sumSq}`);
  }
}

/** One arm's totals for one goal, summed over days. */
export interface ArmTotals {
  arm: string;
  rate: RateSample;
  /** The numeric goal per exposed unit (units without value count as 0). */
  value: MeanSample;
  impressions: number;
  clicks: number;
  conversions: number;
}

/**
 * Sums aggregate rows of one experiment into per-arm totals for one goal. Exposure rows
 * (goal "") give the units; the goal's rows give units converted, events and value sums.
 * Arms are returned in first-seen order.
 *
 * Keeping `valueSumSq` from events: the store must add, for an event of value x from a unit
 * whose total so far is `before`, the increment (before + x)² − before² = 2·before·x + x²; the
 * visitor's Durable Object knows `before`. Then Σ rows = Σ over units of (unit total)².
 *
 * @example
 * totalsFromRows(rows, "purchase"); // [{ arm: "control", rate: { units: 5000, converted: 210 }, value: { n: 5000, sum: 9812.5, sumSq: 612345 }, … }, …]
 */
export function totalsFromRows(rows: readonly AggregateRow[], goal: string): ArmTotals[] {
  const byArm = new Map<string, ArmTotals>();
  for (const r of rows) {
    if (r.goal !== "" && r.goal !== goal) continue;
    let t = byArm.get(r.arm);
    if (!t) {
      t = { arm: r.arm, rate: { units: 0, converted: 0 }, value: { n: 0, sum: 0, sumSq: 0 }, impressions: 0, clicks: 0, conversions: 0 };
      byArm.set(r.arm, t);
    }
    if (r.goal === "") {
      t.rate.units += r.unitsExposed;
      t.value.n += r.unitsExposed;
      t.impressions += r.impressions;
      t.clicks += r.clicks;
    } else {
      t.rate.converted += r.unitsConverted;
      t.conversions += r.conversions;
      t.value.sum += r.valueSum;
      t.value.sumSq += r.valueSumSq;
    }
  }
  return [...byArm.values()];
}
