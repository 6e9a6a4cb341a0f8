/**
 * Frequentist comparison of a treatment arm against the control: relative lift with a
 * confidence interval, and a two-sided p-value (two-proportion z-test for rates, Welch's t-test
 * for means). Bayesian probabilities to beat control are in bayes.ts.
 */
import type { Interval, MeanSample, RateSample } from "./types.ts";
import { normSf, studentTTwoSided } from "./distributions.ts";
import { checkMean, checkRate, meanSummary, zCritical } from "./summary.ts";

export interface Lift {
  /** treatment / control − 1; null when the control's estimate is 0 (or either arm is empty). */
  lift: number | null;
  /** Confidence interval of the lift; null when either estimate is ≤ 0 or has no standard error. */
  interval: Interval | null;
}

/**
 * Relative lift r = mₜ/m꜀ − 1 with a confidence interval by the delta method on the log ratio:
 *   Var(ln mₜ − ln m꜀) ≈ seₜ²/mₜ² + se꜀²/m꜀²,  CI = exp(ln(mₜ/m꜀) ± z·√Var) − 1
 * (the log method of Katz, Baptista, Azen & Pike, "Obtaining confidence intervals for the risk
 * ratio in cohort studies", Biometrics 34, 1978; for rates seᵢ²/pᵢ² = (1−pᵢ)/xᵢ, which is Katz's
 * formula exactly). The interval is asymmetric and never below −100%.
 *
 * @example
 * relativeLift(0.06, 0.0075, 0.05, 0.0069, 0.95); // { lift: 0.2, interval: [-0.1669…, 0.7285…] }
 */
export function relativeLift(meanT: number, seT: number, meanC: number, seC: number, confidence = 0.95): Lift {
  const lift = meanC > 0 && Number.isFinite(meanT) ? meanT / meanC - 1 : null;
  if (!(meanT > 0 && meanC > 0 && Number.isFinite(seT) && Number.isFinite(seC))) return { lift, interval: null };
  const lnRatio = Math.log(meanT) - Math.log(meanC);
  const rt = seT / meanT;
  const rc = seC / meanC;
  const half = zCritical(confidence) * Math.sqrt(rt * rt + rc * rc);
  // expm1 keeps the digits of small lifts.
  return { lift, interval: [Math.expm1(lnRatio - half), Math.expm1(lnRatio + half)] };
}

export interface ZTest {
  /** (pₜ − p꜀)/se with the pooled standard error; null when there is no variation (see pValue). */
  z: number | null;
  /** Two-sided p-value; 1 when both arms are all-0 or all-1 (no evidence either way); null with an empty arm. */
  pValue: number | null;
}

/**
 * Two-proportion z-test with the pooled variance:
 *   p̂ = (xₜ + x꜀)/(nₜ + n꜀),  z = (pₜ − p꜀)/√(p̂(1−p̂)(1/nₜ + 1/n꜀)),  p = 2·(1 − Φ(|z|))
 * (Fleiss, Levin & Paik, Statistical Methods for Rates and Proportions, 3rd ed. 2003, §2.6;
 * z² equals Pearson's χ² for the 2×2 table without continuity correction). The tail is
 * computed as 2·Φ(−|z|) directly, so tiny p-values keep their digits.
 *
 * @example
 * twoProportionZTest({ units: 1000, converted: 60 }, { units: 1000, converted: 50 }); // { z: 0.9808…, pValue: 0.3267… }
 */
export function twoProportionZTest(t: RateSample, c: RateSample): ZTest {
  checkRate(t);
  checkRate(c);
  if (t.units === 0 || c.units === 0) return { z: null, pValue: null };
  const pooled = (t.converted + c.converted) / (t.units + c.units);
  const v = pooled * (1 - pooled) * (1 / t.units + 1 / c.units);
  if (!(v > 0)) return { z: null, pValue: 1 };
  const z = (t.converted / t.units - c.converted / c.units) / Math.sqrt(v);
  return { z, pValue: Math.min(1, 2 * normSf(Math.abs(z))) };
}

export interface WelchTest {
  /** (mₜ − m꜀)/√(sₜ²/nₜ + s꜀²/n꜀); null without variance. */
  t: number | null;
  /** Welch–Satterthwaite degrees of freedom; null without variance. */
  df: number | null;
  /** Two-sided p-value; with zero variance in both arms 1 if the means are equal, else 0; null when an arm has n < 2. */
  pValue: number | null;
}

/**
 * Welch's unequal-variances t-test (B. L. Welch, "The generalization of 'Student's' problem when
 * several different population variances are involved", Biometrika 34, 1947), degrees of freedom
 * by Welch–Satterthwaite (F. E. Satterthwaite, Biometrics Bulletin 2, 1946):
 *   t = (mₜ − m꜀)/√(vₜ + v꜀), vᵢ = sᵢ²/nᵢ,  ν = (vₜ + v꜀)² / (vₜ²/(nₜ−1) + v꜀²/(n꜀−1)),  p = P(|T_ν| ≥ |t|)
 *
 * @example
 * welchTTest({ n: 50, sum: 600, sumSq: 9000 }, { n: 40, sum: 400, sumSq: 5200 }); // { t: 1.6309…, df: 86.37…, pValue: 0.1066… }
 */
export function welchTTest(t: MeanSample, c: MeanSample): WelchTest {
  checkMean(t);
  checkMean(c);
  const st = meanSummary(t);
  const sc = meanSummary(c);
  if (st.variance === null || sc.variance === null || st.mean === null || sc.mean === null) return { t: null, df: null, pValue: null };
  const vt = st.variance / t.n;
  const vc = sc.variance / c.n;
  const v = vt + vc;
  const diff = st.mean - sc.mean;
  if (!(v > 0)) return { t: null, df: null, pValue: diff === 0 ? 1 : 0 };
  const tStat = diff / Math.sqrt(v);
  const df = (v * v) / ((vt * vt) / (t.n - 1) + (vc * vc) / (c.n - 1));
  return { t: tStat, df, pValue: studentTTwoSided(tStat, df) };
}

export interface RateComparison extends Lift, ZTest {
  /** pₜ − p꜀ (absolute); null with an empty arm. */
  difference: number | null;
}

/**
 * A treatment's rate against the control's: lift (log-ratio delta-method interval) and z-test.
 *
 * @example
 * compareRates({ units: 1000, converted: 60 }, { units: 1000, converted: 50 });
 * // { lift: 0.2, interval: [-0.1669…, 0.7285…], difference: 0.01, z: 0.9808…, pValue: 0.3267… }
 */
export function compareRates(t: RateSample, c: RateSample, confidence = 0.95): RateComparison {
  const test = twoProportionZTest(t, c);
  if (t.units === 0 || c.units === 0) return { lift: null, interval: null, difference: null, ...test };
  const pt = t.converted / t.units;
  const pc = c.converted / c.units;
  const lift = relativeLift(pt, Math.sqrt((pt * (1 - pt)) / t.units), pc, Math.sqrt((pc * (1 - pc)) / c.units), confidence);
  return { ...lift, difference: pt - pc, ...test };
}

export interface MeanComparison extends Lift, WelchTest {
  /** mₜ − m꜀; null with an empty arm. */
  difference: number | null;
}

/**
 * A treatment's mean (e.g. value per visitor) against the control's: lift and Welch's t-test.
 *
 * @example
 * compareMeans({ n: 50, sum: 600, sumSq: 9000 }, { n: 40, sum: 400, sumSq: 5200 });
 * // { lift: 0.2, interval: [-0.0386…, 0.4978…], difference: 2, t: 1.6309…, df: 86.37…, pValue: 0.1066… }
 */
export function compareMeans(t: MeanSample, c: MeanSample, confidence = 0.95): MeanComparison {
  const test = welchTTest(t, c);
  const st = meanSummary(t, confidence);
  const sc = meanSummary(c, confidence);
  if (st.mean === null || sc.mean === null) return { lift: null, interval: null, difference: null, ...test };
  const lift = relativeLift(st.mean, st.se ?? Number.NaN, sc.mean, sc.se ?? Number.NaN, confidence);
  return { ...lift, difference: st.mean - sc.mean, ...test };
}
