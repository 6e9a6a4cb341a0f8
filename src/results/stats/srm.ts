/**
 * Sample-ratio mismatch: did the arms receive the units the configured allocation says they
 * should? A mismatch means assignment or logging is broken, and no lift can be trusted, so
 * reports show this check before any lift (Fabijan et al., "Diagnosing sample ratio mismatch in
 * online controlled experiments", KDD 2019).
 */
import { chiSquareSf } from "./distributions.ts";

/** Flag below this p-value: 0.001, the usual SRM threshold (Fabijan et al. 2019). */
export const SRM_THRESHOLD = 0.001;

export interface SrmResult {
  /** Pearson's χ² statistic; Infinity when units landed in a category expected to get none. */
  chiSquare: number;
  /** Categories with a positive expected share, minus one. */
  df: number;
  pValue: number;
  /** pValue < threshold. */
  flagged: boolean;
  /** Expected units per category (total × share). */
  expected: Record<string, number>;
  observed: Record<string, number>;
}

/**
 * Chi-square goodness-of-fit test of observed units per category against expected shares
 * (K. Pearson, Phil. Mag. 50, 1900):  χ² = Σ (Oᵢ − Eᵢ)²/Eᵢ, Eᵢ = N·wᵢ/Σw, df = k − 1,
 * p = Q((k−1)/2, χ²/2) via the regularized upper incomplete gamma (A&S 26.4.19).
 *
 * `expected` takes weights in any scale (they are normalized): the manifest's arm weights,
 * shares including the experiment's holdout, or — for a bandit whose weights changed — expected
 * unit counts Σₚ nₚ·wₚ,ᵢ summed over allocation periods. Categories missing from `observed`
 * count 0; observed categories missing from `expected` have weight 0.
 *
 * @example
 * srmCheck({ control: 5200, b: 4800 }, { control: 1, b: 1 });
 * // { chiSquare: 16, df: 1, pValue: 6.334e-5, flagged: true, … }
 */
export function srmCheck(observed: Record<string, number>, expected: Record<string, number>, threshold = SRM_THRESHOLD): SrmResult {
  const keys = [...new Set([...Object.keys(expected), ...Object.keys(observed)])];
  let totalWeight = 0;
  let total = 0;
  for (const k of keys) {
    const w = Object.hasOwn(expected, k) ? expected[k]! : 0;
    const o = Object.hasOwn(observed, k) ? observed[k]! : 0;
    if (!(Number.isFinite(w) && w >= 0)) throw new RangeError(`expected share of ${k} must be finite and ≥ 0, got ${w}`);
    if (!(Number.isFinite(o) && o >= 0)) throw new RangeError(`observed units of ${k} must be finite and ≥ 0, got ${o}`);
    totalWeight += w;
    total += o;
  }
  const exp: Record<string, number> = {};
  const obs: Record<string, number> = {};
  if (!(totalWeight > 0)) throw new RangeError("expected shares must not all be 0");
  let chi = 0;
  let categories = 0;
  for (const k of keys) {
    const w = Object.hasOwn(expected, k) ? expected[k]! : 0;
    const o = Object.hasOwn(observed, k) ? observed[k]! : 0;
    const e = (total * w) / totalWeight;
    exp[k] = e;
    obs[k] = o;
    if (w === 0) {
      if (o > 0) chi = Infinity;
      continue;
    }
    categories++;
    if (e > 0) chi += ((o - e) * (o - e)) / e;
  }
  const df = Math.max(0, categories - 1);
  // Nothing observed, or a single category: nothing to mismatch.
  const pValue = chi === Infinity ? 0 : total === 0 || df === 0 ? 1 : chiSquareSf(chi, df);
  return { chiSquare: chi, df, pValue, flagged: pValue < threshold, expected: exp, observed: obs };
}
