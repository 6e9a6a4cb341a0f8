/**
 * Small statistics helpers for the bench: medians across rounds, percentiles of samples.
 * Pure; tested in test/node/bench/.
 *
 * @example
 * median([3, 1, 2]); // 2
 * percentile([1, 2, 3, 4], 0.5); // 2.5
 */

/** Median of the finite numbers in `xs`, or null when there are none. */
export function median(xs: readonly (number | null | undefined)[]): number | null {
  return percentile(xs, 0.5);
}

/** Linear-interpolated quantile `q` in [0, 1] of the finite numbers in `xs`, or null when there are none. */
export function percentile(xs: readonly (number | null | undefined)[], q: number): number | null {
  const s = xs.filter((x): x is number => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return null;
  const pos = Math.min(Math.max(q, 0), 1) * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/** Round to `digits` decimals; null stays null. */
export function round(x: number | null, digits: number): number | null {
  if (x === null || !Number.isFinite(x)) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
