/**
 * Thompson-sampling allocation for experiments with `bandit: true`, in the shape of the
 * engine's seam `DecideInput.allocation` (experiment id → arm id → weight).
 *
 * Steps (per experiment, once per allocation period):
 * 1. each arm's posterior: Beta(1 + converted, 1 + units − converted) (Beta(1, 1) prior);
 * 2. Monte Carlo: `draws` times, draw one rate per arm and count which arm's draw is highest;
 *    the win frequencies estimate P(arm is best) — Thompson's rule (W. R. Thompson, Biometrika 25,
 *    1933; as a batched allocation: Chapelle & Li, "An empirical evaluation of Thompson sampling",
 *    NIPS 2011; Scott, "A modern Bayesian look at the multi-armed bandit", ASMBI 26, 2010);
 * 3. a floor: wᵢ = m + (1 − k·m)·P(i is best), so every arm keeps at least the minimum share m
 *    and the weights still sum to 1 (exploration never stops; the control stays measurable);
 * 4. the experiment's holdout is not an arm: the engine carves it off the bucket range before
 *    the weights apply (experiments.ts step 3), so it keeps its configured share whatever the
 *    weights.
 *
 * Stickiness: weights change only at allocation-period boundaries. See `allocationPeriod`.
 */
import { hash32 } from "../engine/hash.ts";
import { betaDraw, mulberry32, type Rng } from "./random.ts";

/** One arm's aggregates for the goal the bandit optimizes. */
export interface BanditArm {
  id: string;
  /** Units exposed. */
  units: number;
  /** Units converted (≤ units). */
  converted: number;
}

export interface ThompsonOptions {
  /** Seeded uniform source (see `banditSeed`): no Math.random, so runs are reproducible. */
  rng: Rng;
  /** Monte Carlo draws; the standard error of a share is ≤ 0.5/√draws (0.005 at 10 000). */
  draws?: number;
  /** Minimum share per arm, 0 ≤ m ≤ 1/k. */
  minShare?: number;
}

export const DEFAULT_DRAWS = 10_000;
export const DEFAULT_MIN_SHARE = 0.05;

/**
 * Thompson-sampling weights for one experiment's arms, summing to 1.
 *
 * @example
 * thompsonWeights([{ id: "control", units: 5000, converted: 200 }, { id: "b", units: 5000, converted: 260 }],
 *   { rng: mulberry32(7), minShare: 0.05 });
 * // { control: 0.0522…, b: 0.9478… }
 */
export function thompsonWeights(arms: readonly BanditArm[], opts: ThompsonOptions): Record<string, number> {
  const k = arms.length;
  if (k === 0) return {};
  const draws = opts.draws ?? DEFAULT_DRAWS;
  const m = opts.minShare ?? DEFAULT_MIN_SHARE;
  if (!(Number.isInteger(draws) && draws > 0)) throw new RangeError(`draws must be a positive integer, got ${draws}`);
  if (!(m >= 0 && m * k <= 1)) throw new RangeError(`minShare ${m} × ${k} arms must be within [0, 1]`);
  for (const a of arms) {
    if (!(Number.isInteger(a.units) && Number.isInteger(a.converted) && a.converted >= 0 && a.converted <= a.units)) {
      throw new RangeError(`arm ${a.id}: needs integers 0 ≤ converted ≤ units, got ${a.converted}/${a.units}`);
    }
  }
  // 1. Posteriors.
  const alpha = arms.map((a) => 1 + a.converted);
  const beta = arms.map((a) => 1 + a.units - a.converted);
  // 2. Monte Carlo win counts.
  const wins = new Array<number>(k).fill(0);
  for (let s = 0; s < draws; s++) {
    let best = 0;
    let bestDraw = -1;
    for (let i = 0; i < k; i++) {
      const d = betaDraw(opts.rng, alpha[i]!, beta[i]!);
      if (d > bestDraw) {
        bestDraw = d;
        best = i;
      }
    }
    wins[best]!++;
  }
  // 3. Floor and normalize (the floor form already sums to 1; dividing removes rounding).
  const raw = wins.map((w) => m + (1 - k * m) * (w / draws));
  let total = 0;
  for (const r of raw) total += r;
  const out: Record<string, number> = {};
  arms.forEach((a, i) => {
    out[a.id] = raw[i]! / total;
  });
  return out;
}

/**
 * The allocation period of `now`: ⌊(now − epoch) / periodMs⌋. Weights are recomputed from the
 * aggregates at the start of each period and stay fixed for all of it, so a visitor's arm —
 * a pure function of (salt, unit id, weights) in the engine — cannot change within a period.
 *
 * How the caller uses it:
 * - the scheduler (e.g. a Durable Object alarm each minute) computes
 *   `p = allocationPeriod(now, periodMs)`; when p is new, it reads the aggregates, calls
 *   `allocationForPeriod(…, p)` and publishes `{ period: p, allocation }` beside the manifest;
 *   the per-period seed makes the result the same wherever and however often it is computed;
 * - the request path passes the published `allocation` to `decide` while its period is current
 *   or just past (a late publish keeps the previous weights: stale weights are safe, moving
 *   visitors mid-period is not);
 * - with the engine's fixed salt, a new period moves only the visitors whose bucket lies between
 *   the old and the new cumulative arm boundaries. To re-randomize everyone per period instead,
 *   the engine would hash with `periodSalt(salt, p)` (an engine change; see the design note).
 *
 * @example
 * allocationPeriod(Date.parse("2026-03-04T12:34:56Z"), 3_600_000); // 492396 (hourly periods since 1970)
 */
export function allocationPeriod(now: number, periodMs: number, epochMs = 0): number {
  if (!(Number.isFinite(now) && periodMs > 0 && Number.isFinite(periodMs))) throw new RangeError(`need a finite now and a positive period, got ${now}, ${periodMs}`);
  return Math.floor((now - epochMs) / periodMs);
}

/**
 * The experiment salt for period `p`, if the engine re-randomizes per period: `${salt}:p${p}`.
 *
 * @example
 * periodSalt("hero-test-2026", 492396); // "hero-test-2026:p492396"
 */
export function periodSalt(salt: string, period: number): string {
  return `${salt}:p${period}`;
}

/**
 * The Monte Carlo seed of an experiment in a period: hash32(`bandit:${experiment}:${period}`)
 * (the engine's FNV-1a + fmix32), so every isolate and every retry computes the same weights.
 *
 * @example
 * banditSeed("hero-test", 492396); // an unsigned 32-bit integer, always the same
 */
export function banditSeed(experimentId: string, period: number): number {
  return hash32(`bandit:${experimentId}:${period}`);
}

/**
 * The allocation of every bandit experiment for one period, in the shape of
 * `DecideInput.allocation`. Each experiment gets its own seeded generator (`banditSeed`), so
 * adding an experiment does not change another's weights.
 *
 * @example
 * allocationForPeriod({ "hero-test": [{ id: "control", units: 900, converted: 40 }, { id: "b", units: 910, converted: 61 }] }, 494220);
 * // { "hero-test": { control: 0.0654, b: 0.9346 } }
 */
export function allocationForPeriod(
  experiments: Readonly<Record<string, readonly BanditArm[]>>,
  period: number,
  opts: Omit<ThompsonOptions, "rng"> = {},
): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const id of Object.keys(experiments).sort()) {
    out[id] = thompsonWeights(experiments[id]!, { ...opts, rng: mulberry32(banditSeed(id, period)) });
  }
  return out;
}
