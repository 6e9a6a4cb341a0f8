// Thompson sampling allocation: shape of the seam, floor, determinism, periods; simulated traffic through decide().
import { describe, expect, it } from "vitest";
import { decide } from "../../../src/engine/decide.ts";
import { probBeatsControlRate } from "../../../src/results/stats/bayes.ts";
import { allocationForPeriod, allocationPeriod, banditSeed, periodSalt, thompsonWeights } from "../../../src/results/bandit.ts";
import { betaDraw, gammaDraw, mulberry32 } from "../../../src/results/random.ts";
import { input } from "../engine/fixtures.ts";
import { banditManifest, runBandit } from "./simulate.ts";

const sum = (w: Record<string, number>) => Object.values(w).reduce((a, b) => a + b, 0);

describe("random", () => {
  it("mulberry32 is pinned (seeded runs must reproduce across machines)", () => {
    const r = mulberry32(42);
    expect([r(), r(), r()]).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
  });
  it("gamma and beta draws have the right first two moments", () => {
    const rng = mulberry32(1);
    for (const [shape, n] of [[0.5, 40_000], [3, 40_000], [200, 40_000]] as const) {
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < n; i++) {
        const x = gammaDraw(rng, shape);
        s += x;
        s2 += x * x;
      }
      const mean = s / n;
      const variance = s2 / n - mean * mean;
      // Gamma(k): mean k, variance k, excess kurtosis 6/k; within 5 standard errors of each estimate.
      expect(Math.abs(mean - shape)).toBeLessThan(5 * Math.sqrt(shape / n));
      expect(Math.abs(variance / shape - 1)).toBeLessThan(5 * Math.sqrt((2 + 6 / shape) / n));
    }
    let s = 0;
    for (let i = 0; i < 40_000; i++) s += betaDraw(rng, 11, 91);
    expect(s / 40_000).toBeCloseTo(11 / 102, 3);
  });
});

describe("thompsonWeights", () => {
  it("returns the seam's shape: arm id → weight, summing to 1, each at least the floor", () => {
    const w = thompsonWeights(
      [{ id: "control", units: 5000, converted: 200 }, { id: "b", units: 5000, converted: 260 }, { id: "c", units: 10, converted: 0 }],
      { rng: mulberry32(7), minShare: 0.05 },
    );
    expect(Object.keys(w)).toEqual(["control", "b", "c"]);
    expect(sum(w)).toBeCloseTo(1, 12);
    for (const v of Object.values(w)) expect(v).toBeGreaterThanOrEqual(0.05 - 1e-12);
    expect(w.b).toBeGreaterThan(w.control!);
  });
  it("with no data every arm is equally likely to be best", () => {
    const w = thompsonWeights([{ id: "a", units: 0, converted: 0 }, { id: "b", units: 0, converted: 0 }, { id: "c", units: 0, converted: 0 }], { rng: mulberry32(3), draws: 30_000, minShare: 0 });
    // Each share is a win frequency over 30 000 draws: standard error ≤ 0.0028.
    for (const v of Object.values(w)) expect(Math.abs(v - 1 / 3)).toBeLessThan(0.015);
  });
  it("matches the exact probability of being best for two arms (Monte Carlo error only)", () => {
    // With two arms P(b is best) = P(p_b > p_control), which bayes.ts computes exactly.
    const control = { units: 5000, converted: 200 };
    const b = { units: 5000, converted: 225 };
    const exact = probBeatsControlRate(b, control);
    const w = thompsonWeights([{ id: "control", ...control }, { id: "b", ...b }], { rng: mulberry32(11), draws: 40_000, minShare: 0 });
    // Monte Carlo standard error √(P(1−P)/40 000) ≤ 0.0025; allow 4 of them.
    expect(exact).toBeGreaterThan(0.85);
    expect(exact).toBeLessThan(0.95);
    expect(Math.abs(w.b! - exact)).toBeLessThan(4 * Math.sqrt((exact * (1 - exact)) / 40_000));
  });
  it("refuses a floor the arms cannot all get", () => {
    expect(() => thompsonWeights([{ id: "a", units: 0, converted: 0 }, { id: "b", units: 0, converted: 0 }, { id: "c", units: 0, converted: 0 }], { rng: mulberry32(1), minShare: 0.4 })).toThrow(RangeError);
    expect(() => thompsonWeights([{ id: "a", units: 3, converted: 4 }], { rng: mulberry32(1) })).toThrow(/a/);
  });
});

describe("periods and seeds", () => {
  it("the period index is ⌊(now − epoch)/length⌋ and changes only at boundaries", () => {
    const hour = 3_600_000;
    const t = Date.parse("2026-03-04T12:00:00Z");
    expect(allocationPeriod(t, hour)).toBe(t / hour);
    expect(allocationPeriod(t + hour - 1, hour)).toBe(t / hour);
    expect(allocationPeriod(t + hour, hour)).toBe(t / hour + 1);
    expect(allocationPeriod(t, hour, t - 5 * hour)).toBe(5);
    expect(() => allocationPeriod(t, 0)).toThrow(RangeError);
    expect(periodSalt("hero-1", 7)).toBe("hero-1:p7");
  });
  it("the same aggregates and period give the same allocation in every isolate; another period redraws", () => {
    const aggs = { "hero-test": [{ id: "control", units: 900, converted: 40 }, { id: "b", units: 910, converted: 50 }] };
    expect(allocationForPeriod(aggs, 100)).toEqual(allocationForPeriod(aggs, 100));
    expect(allocationForPeriod(aggs, 101)).not.toEqual(allocationForPeriod(aggs, 100));
    expect(banditSeed("hero-test", 100)).not.toBe(banditSeed("hero-test", 101));
  });
  it("one experiment's weights do not depend on the others published beside it", () => {
    const a = [{ id: "x", units: 100, converted: 5 }, { id: "y", units: 100, converted: 9 }];
    const b = [{ id: "p", units: 50, converted: 1 }, { id: "q", units: 60, converted: 2 }];
    expect(allocationForPeriod({ a, b }, 3).a).toEqual(allocationForPeriod({ a }, 3).a);
  });
});

describe("through the engine's allocation seam", () => {
  it("a visitor keeps their arm while the allocation (one period) is unchanged; the holdout share never moves", () => {
    const m = banditManifest(0.1);
    const skewed = { "hero-bandit": { control: 0.05, b: 0.05, c: 0.9 } };
    let held = 0;
    let heldSkewed = 0;
    let c = 0;
    for (let i = 0; i < 4000; i++) {
      const unitId = `stay-${i}`;
      const first = decide(input(m, { unitId, allocation: skewed })).decisions[0]!.experiment!;
      const again = decide(input(m, { unitId, allocation: skewed, now: input(m).now + 59 * 60_000 })).decisions[0]!.experiment!;
      expect(again).toEqual(first);
      const even = decide(input(m, { unitId })).decisions[0]!.experiment!;
      if (even.holdout) held++;
      if (first.holdout) heldSkewed++;
      // The holdout is decided before the weights: the same visitors, whatever the weights.
      expect(first.holdout).toBe(even.holdout);
      if (first.arm === "c") c++;
    }
    expect(heldSkewed).toBe(held);
    expect(held / 4000).toBeGreaterThan(0.085);
    expect(held / 4000).toBeLessThan(0.115);
    expect(c / (4000 - held)).toBeGreaterThan(0.87);
  });

  // Stated budget: arms at 4%, 4% and 6% (a 50% relative lift), 1 000 new visitors per period of which
  // the experiment holds out 10%, minimum share 5% per arm. From 20 000 visitors on (18 000 in the arms),
  // the better arm's allocation is above 80% in every later period, up to 40 000, for each of 20 seeds.
  // Observed over seeds 1–30 while writing this: it settles above 80% after 1 000 to 15 000 visitors (median 5 000).
  it("on traffic where one arm truly converts better, its allocation rises above 80% within 20 000 visitors and stays", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const run = runBandit({ rates: { control: 0.04, b: 0.04, c: 0.06 }, periods: 40, perPeriod: 1000, rng: mulberry32(seed) });
      for (let p = 0; p < run.weights.length; p++) {
        const w = run.weights[p]!;
        expect(sum(w)).toBeCloseTo(1, 12);
        expect(Math.min(...Object.values(w))).toBeGreaterThanOrEqual(0.05 - 1e-12);
        if (run.visitorsBefore[p]! >= 20_000) expect(w.c, `seed ${seed}, after ${run.visitorsBefore[p]} visitors`).toBeGreaterThan(0.8);
      }
      // The holdout kept its share while the weights moved (same visitor ids every seed: 4 127 of 40 000).
      expect(run.units.holdout).toBe(4127);
    }
  }, 60_000);

  it("when no arm is better, no arm is driven to 80% at the end in most runs (the bandit is not just sticky)", () => {
    let concentrated = 0;
    const finalC: number[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const run = runBandit({ rates: { control: 0.05, b: 0.05, c: 0.05 }, periods: 20, perPeriod: 1000, rng: mulberry32(100 + seed) });
      const last = run.weights.at(-1)!;
      finalC.push(last.c!);
      if (Math.max(...Object.values(last)) > 0.8) concentrated++;
    }
    expect(concentrated).toBeLessThanOrEqual(4); // observed: 0 of 20, mean final share of c 0.344
    const meanC = finalC.reduce((a, b) => a + b, 0) / finalC.length;
    expect(meanC).toBeGreaterThan(0.15);
    expect(meanC).toBeLessThan(0.55);
  }, 60_000);
});
