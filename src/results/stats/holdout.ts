/**
 * Does personalization itself pay? Visitors who got personalization against the global
 * holdout (a random share that gets the origin's default content everywhere): the uplift
 * measured against a holdout, not against clicks.
 */
import type { Interval, MeanSample, RateSample } from "./types.ts";
import { probBeatsControlMean, probBeatsControlRate } from "./bayes.ts";
import { compareMeans, compareRates, type MeanComparison, type RateComparison } from "./compare.ts";
import { srmCheck, type SrmResult } from "./srm.ts";
import { checkRate, rateSummary, zCritical, type RateSummary } from "./summary.ts";

export interface HoldoutUpliftInput {
  personalized: RateSample;
  holdout: RateSample;
  /** The manifest's global holdout share (0..1), to check the split for sample-ratio mismatch. */
  share?: number;
  /** Value per visitor (e.g. revenue), when the goal has one. */
  value?: { personalized: MeanSample; holdout: MeanSample };
  confidence?: number;
}

export interface HoldoutUplift {
  /** Shown first: a broken split invalidates the uplift. Absent without `share`. */
  srm?: SrmResult;
  personalized: RateSummary;
  holdout: RateSummary;
  /** Personalized against holdout (the holdout is the control). */
  rate: RateComparison & { probBeatsHoldout: number };
  /** Absolute uplift pₚ − pₕ with its Wald interval; null with an empty group. */
  absolute: { difference: number; interval: Interval } | null;
  /** Conversions personalization added: (pₚ − pₕ)·nₚ, with the interval scaled the same way. */
  incrementalConversions: { estimate: number; interval: Interval } | null;
  value?: MeanComparison & { probBeatsHoldout: number | null };
}

/**
 * Holdout uplift: relative lift (log-ratio delta method, Katz et al. 1978), z-test, exact
 * Beta probability to beat the holdout, and the absolute difference with the unpooled Wald
 * interval pₚ − pₕ ± z·√(pₚqₚ/nₚ + pₕqₕ/nₕ) (Newcombe, "Interval estimation for the difference
 * between independent proportions", Stat. Med. 17, 1998, method 1), scaled by nₚ into
 * incremental conversions.
 *
 * @example
 * holdoutUplift({ personalized: { units: 95000, converted: 3990 }, holdout: { units: 5000, converted: 180 }, share: 0.05 });
 * // { rate: { lift: 0.1667…, pValue: 0.0386…, probBeatsHoldout: 0.9809… }, incrementalConversions: { estimate: 570, interval: [64.7…, 1075.3…] }, srm: { flagged: false, … }, … }
 */
export function holdoutUplift(input: HoldoutUpliftInput): HoldoutUplift {
  const { personalized: p, holdout: h } = input;
  checkRate(p);
  checkRate(h);
  const confidence = input.confidence ?? 0.95;
  const out: HoldoutUplift = {
    personalized: rateSummary(p, confidence),
    holdout: rateSummary(h, confidence),
    rate: { ...compareRates(p, h, confidence), probBeatsHoldout: probBeatsControlRate(p, h) },
    absolute: null,
    incrementalConversions: null,
  };
  if (input.share !== undefined) {
    if (!(input.share > 0 && input.share < 1)) throw new RangeError(`holdout share must be in (0, 1), got ${input.share}`);
    out.srm = srmCheck({ personalized: p.units, holdout: h.units }, { personalized: 1 - input.share, holdout: input.share });
  }
  if (p.units > 0 && h.units > 0) {
    const pp = p.converted / p.units;
    const ph = h.converted / h.units;
    const d = pp - ph;
    const half = zCritical(confidence) * Math.sqrt((pp * (1 - pp)) / p.units + (ph * (1 - ph)) / h.units);
    out.absolute = { difference: d, interval: [d - half, d + half] };
    out.incrementalConversions = { estimate: d * p.units, interval: [(d - half) * p.units, (d + half) * p.units] };
  }
  if (input.value) {
    out.value = {
      ...compareMeans(input.value.personalized, input.value.holdout, confidence),
      probBeatsHoldout: probBeatsControlMean(input.value.personalized, input.value.holdout),
    };
  }
  return out;
}
