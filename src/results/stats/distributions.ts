/**
 * The distribution functions the tests need: standard normal CDF, survival and quantile;
 * chi-square survival; Student t two-sided tail. Built on the special functions, so every
 * tail probability is computed directly (no 1 − p for tiny p).
 */
import { betaIncReg, gammaIncReg } from "./special.ts";

/**
 * Standard normal CDF Φ(z), through erfc(t) = Q(½, t²) (A&S 7.1.2 with 6.5.17 / 26.2.30):
 * for z < 0, Φ(z) = ½·Q(½, z²/2), computed by the continued fraction — full relative accuracy
 * deep in the tail (Φ(−30) ≈ 4.9e-198), where 1 − Φ(30) would be 0.
 *
 * @example
 * normCdf(-1.959963984540054); // 0.025
 * normCdf(-10);                // 7.619853024160527e-24
 */
export function normCdf(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  if (z === -Infinity) return 0;
  if (z === Infinity) return 1;
  const { p, q } = gammaIncReg(0.5, (z * z) / 2);
  return z < 0 ? 0.5 * q : 0.5 + 0.5 * p;
}

/**
 * Upper tail 1 − Φ(z) = Φ(−z), without cancellation.
 *
 * @example
 * normSf(5); // 2.8665157187919e-7
 */
export function normSf(z: number): number {
  return normCdf(-z);
}

// Acklam's rational approximation of the normal quantile (P. J. Acklam, "An algorithm for
// computing the inverse normal cumulative distribution function", 2003; relative error
// < 1.15e-9), refined below by one Halley step against normCdf to full double precision.
const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239] as const;
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1] as const;
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783] as const;
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416] as const;
const P_LOW = 0.02425;

/** Acklam's approximation for p ≤ ½ (lower half; the caller mirrors the upper half). */
function acklamLower(p: number): number {
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
}

/**
 * Standard normal quantile Φ⁻¹(p): Acklam (2003) then one Halley step
 * x ← x − u/(1 + x·u/2), u = (Φ(x) − p)·√(2π)·e^{x²/2} (Acklam's own refinement).
 * Computed on the lower half and mirrored, so small tail probabilities keep their precision.
 *
 * @example
 * normQuantile(0.975); // 1.959963984540054
 * normQuantile(1e-10); // -6.361340902404056
 */
export function normQuantile(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return Number.NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p > 0.5) return -normQuantile(1 - p);
  let x = acklamLower(p);
  const e = normCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  x = x - u / (1 + (x * u) / 2);
  return x;
}

/**
 * Chi-square survival function P(χ²_k ≥ x) = Q(k/2, x/2) (A&S 26.4.19), computed directly
 * by the incomplete gamma's continued fraction in the tail (tiny p-values stay exact).
 *
 * @example
 * chiSquareSf(3.841458820694124, 1); // 0.05
 */
export function chiSquareSf(x: number, k: number): number {
  if (!(k > 0) || Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 1;
  return gammaIncReg(k / 2, x / 2).q;
}

/**
 * Two-sided Student t tail P(|T_ν| ≥ |t|) = I_{ν/(ν+t²)}(ν/2, ½) (A&S 26.7.1 with 26.5.27),
 * with 1 − x = t²/(ν+t²) passed exactly, so neither tail cancels. ν may be fractional (Welch).
 *
 * @example
 * studentTTwoSided(2.0, 10); // 0.0733880347707402
 */
export function studentTTwoSided(t: number, nu: number): number {
  if (!(nu > 0) || Number.isNaN(t)) return Number.NaN;
  if (!Number.isFinite(t)) return 0;
  const t2 = t * t;
  if (nu === Infinity) return 2 * normSf(Math.abs(t));
  return betaIncReg(nu / 2, 0.5, nu / (nu + t2), t2 / (nu + t2)).value;
}
