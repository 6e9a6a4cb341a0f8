/**
 * Interest scores with half-life decay. A topic's raw score `s`, stored with
 * the time `at` it was last brought up to date, is worth
 *
 *   s(now) = s · 2^(−(now − at) / halfLife)
 *
 * Each signal adds its weight at the moment it happened. The engine wants
 * 0..1, so the snapshot reports `1 − e^(−s/4)`: one page view ≈ 0.22, three
 * ≈ 0.53, ten ≈ 0.92 — a few consistent signals cross the 0.5 a rule would
 * test, one stray view does not, and more always means more.
 */

/** Weight each kind of signal adds to the topics it carries. */
export const INTEREST_WEIGHTS = { view: 1, click: 2, cart: 3, conversion: 4 } as const;

/** Raw score at which the scaled interest reaches 1 − 1/e ≈ 0.63. */
const SCALE = 4;

/**
 * Decays a stored score to `now` (never grows it: a timestamp in the future counts as now).
 *
 * @example
 * decayed(2, Date.parse("2026-01-01"), Date.parse("2026-01-08"), 7 * 86_400_000); // 1
 */
export function decayed(score: number, at: number, now: number, halfLifeMs: number): number {
  const age = Math.max(0, now - at);
  return score * Math.pow(2, -age / halfLifeMs);
}

/**
 * Adds a signal of `weight` at time `t` to a score stored at `at`; returns the new score and its time.
 * Out-of-order signals (a merge, a late beacon) are decayed to the stored time instead.
 *
 * @example
 * addSignal({ score: 1, at: 0 }, 1, 0, 86_400_000); // { score: 2, at: 0 }
 */
export function addSignal(
  stored: { score: number; at: number } | undefined,
  weight: number,
  t: number,
  halfLifeMs: number,
): { score: number; at: number } {
  if (!stored) return { score: weight, at: t };
  if (t >= stored.at) return { score: decayed(stored.score, stored.at, t, halfLifeMs) + weight, at: t };
  return { score: stored.score + decayed(weight, t, stored.at, halfLifeMs), at: stored.at };
}

/**
 * The engine's 0..1 interest from a raw score.
 *
 * @example
 * scaledInterest(3); // ≈ 0.53
 */
export function scaledInterest(score: number): number {
  return 1 - Math.exp(-Math.max(0, score) / SCALE);
}
