// Seeded simulations of the statistics: A/A tests stay quiet, skewed assignment is flagged as SRM, fair assignment is not.
import { describe, expect, it } from "vitest";
import { decide } from "../../../src/engine/decide.ts";
import { mulberry32, type Rng } from "../../../src/results/random.ts";
import { probBeatsControlRate } from "../../../src/results/stats/bayes.ts";
import { compareMeans, compareRates } from "../../../src/results/stats/compare.ts";
import { srmCheck } from "../../../src/results/stats/srm.ts";
import type { MeanSample, RateSample } from "../../../src/results/stats/types.ts";
import { input, manifest, variant } from "../engine/fixtures.ts";
import { runBandit } from "./simulate.ts";

/** One A/A run: n visitors split 50/50, all converting at `rate`; buyers spend uniform 20–100. */
function aaRun(rng: Rng, n: number, rate: number): { a: RateSample; b: RateSample; va: MeanSample; vb: MeanSample } {
  const a = { units: 0, converted: 0 };
  const b = { units: 0, converted: 0 };
  const va = { n: 0, sum: 0, sumSq: 0 };
  const vb = { n: 0, sum: 0, sumSq: 0 };
  for (let i = 0; i < n; i++) {
    const toA = rng() < 0.5;
    const r = toA ? a : b;
    const v = toA ? va : vb;
    r.units++;
    v.n++;
    if (rng() < rate) {
      r.converted++;
      const x = 20 + 80 * rng();
      v.sum += x;
      v.sumSq += x * x;
    }
  }
  return { a, b, va, vb };
}

function countSignificant(seed: number, runs: number, visitors: number) {
  const rng = mulberry32(seed);
  let z = 0;
  let welch = 0;
  let bayes = 0;
  let below = 0;
  for (let r = 0; r < runs; r++) {
    const { a, b, va, vb } = aaRun(rng, visitors, 0.05);
    const p = compareRates(b, a).pValue!;
    if (p < 0.05) z++;
    if (p < 0.5) below++;
    if (compareMeans(vb, va).pValue! < 0.05) welch++;
    const pb = probBeatsControlRate(b, a);
    if (pb > 0.975 || pb < 0.025) bayes++;
  }
  return { z, welch, bayes, below };
}

describe("A/A tests", () => {
  // The criterion: no significant lift in ≥ 95% of seeded runs, 200 runs × 10 000 visitors at 5%.
  // At α = 0.05 a calibrated test is significant in 5% of A/A runs on average, so this criterion sits
  // at the test's own level: about 6 seeds in 10 meet it for 200 runs. Seed 9 (the issue number) was
  // fixed before the first run, not searched for; the calibration test below is the stronger check.
  // Observed with seed 9: z-test 9/200 significant (95.5% quiet), Welch 10/200 (95.0%), Bayes 9/200 (95.5%).
  it("200 runs × 10 000 visitors (seed 9): no significant lift in ≥ 95% of runs", () => {
    const r = countSignificant(9, 200, 10_000);
    expect(r).toMatchObject({ z: 9, welch: 10, bayes: 9 });
    for (const n of [r.z, r.welch, r.bayes]) expect(1 - n / 200).toBeGreaterThanOrEqual(0.95);
  });

  // Calibration: 2 000 runs × 10 000 visitors. The false-positive rate of each test must lie within
  // 5% ± 3 binomial standard errors (±1.46 points): too many means the p-value is anti-conservative,
  // too few (e.g. a p-value stuck at 1) means it cannot detect anything. P(p < 0.5) must be ≈ ½.
  it("2 000 runs: false-positive rates are 5% within sampling error, and p-values are not lopsided", () => {
    const runs = 2000;
    const r = countSignificant(2026, runs, 10_000);
    const se = Math.sqrt((0.05 * 0.95) / runs);
    for (const [name, n] of Object.entries({ z: r.z, welch: r.welch, bayes: r.bayes })) {
      expect(Math.abs(n / runs - 0.05), `${name}: ${n}/${runs}`).toBeLessThan(3 * se);
    }
    expect(Math.abs(r.below / runs - 0.5)).toBeLessThan(3 * Math.sqrt(0.25 / runs));
  }, 60_000);
});

describe("sample-ratio mismatch on simulated assignment", () => {
  const m = manifest({
    slots: { hero: [variant("hero-b", { experimentOnly: true })] },
    experiments: {
      "hero-ab": {
        slots: ["hero"],
        salt: "hero-ab-srm",
        arms: [
          { id: "control", weight: 1, variants: { hero: null } },
          { id: "b", weight: 1, variants: { hero: "hero-b" } },
        ],
      },
    },
  });

  /** Units per arm for `n` visitors assigned by the engine; `lossB` of b's exposures never reach the store (a broken beacon). */
  function assign(n: number, offset: number, lossB: number, rng: Rng): Record<string, number> {
    const units: Record<string, number> = { control: 0, b: 0 };
    for (let i = 0; i < n; i++) {
      const arm = decide(input(m, { unitId: `srm-${offset + i}` })).decisions[0]!.experiment!.arm;
      if (arm === "b" && rng() < lossB) continue;
      units[arm]!++;
    }
    return units;
  }

  // Power: losing 3% of b at 200 000 visitors shifts control − b by ~3 000 units, ≈ 6.7 standard deviations;
  // flagged (p < 0.001) in ≈ 99.97% of runs, p < 1e-4 in ≈ 99.7%. At 100 000 visitors the power would be only ≈ 93%.
  it("losing 3% of one arm's exposures is flagged at 200 000 visitors; the engine's own split is not", () => {
    const rng = mulberry32(4242);
    const skewed = assign(200_000, 0, 0.03, rng);
    const s = srmCheck(skewed, { control: 1, b: 1 });
    expect(s.flagged).toBe(true);
    expect(s.pValue).toBeLessThan(1e-4);
    const fair = srmCheck(assign(200_000, 0, 0, rng), { control: 1, b: 1 });
    expect(fair.flagged).toBe(false);
  }, 30_000);

  it("over 200 fair splits of 5 000 visitors at most 2 are flagged (expected 0.2); over 50 skewed ones of 200 000, all", () => {
    const rng = mulberry32(77);
    let fairFlags = 0;
    for (let r = 0; r < 200; r++) {
      let a = 0;
      for (let i = 0; i < 5000; i++) if (rng() < 0.5) a++;
      if (srmCheck({ control: a, b: 5000 - a }, { control: 1, b: 1 }).flagged) fairFlags++;
    }
    expect(fairFlags).toBeLessThanOrEqual(2);
    let skewFlags = 0;
    for (let r = 0; r < 50; r++) {
      let a = 0;
      let b = 0;
      for (let i = 0; i < 200_000; i++) {
        if (rng() < 0.5) a++;
        else if (rng() >= 0.03) b++; // b loses 3%
      }
      if (srmCheck({ control: a, b }, { control: 1, b: 1 }).flagged) skewFlags++;
    }
    expect(skewFlags).toBe(50);
  }, 30_000);

  it("a bandit's split is checked against Σ period units × period weights, and passes", () => {
    const run = runBandit({ rates: { control: 0.04, b: 0.04, c: 0.06 }, periods: 20, perPeriod: 1000, rng: mulberry32(5) });
    const expected: Record<string, number> = { control: 0, b: 0, c: 0, holdout: 0 };
    for (const w of run.weights) {
      expected.holdout! += 1000 * 0.1;
      for (const [arm, share] of Object.entries(w)) expected[arm]! += 1000 * 0.9 * share;
    }
    const s = srmCheck(run.units, expected);
    expect(s.flagged).toBe(false);
    // Against the manifest's static 1:1:1 weights the same split is, rightly, a gross mismatch.
    expect(srmCheck(run.units, { control: 0.3, b: 0.3, c: 0.3, holdout: 0.1 }).flagged).toBe(true);
  }, 30_000);
});
