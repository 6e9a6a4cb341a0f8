// Statistics behaviour the SciPy table does not pin: input checks, null rules, report order, tail accuracy, row totals.
import { describe, expect, it, vi } from "vitest";
import { analyzeExperiment } from "../../../src/results/stats/analyze.ts";
import { probBetaGreater, probBeatsControlRate } from "../../../src/results/stats/bayes.ts";
import { compareRates, relativeLift, twoProportionZTest, welchTTest } from "../../../src/results/stats/compare.ts";
import { normCdf, normQuantile, normSf } from "../../../src/results/stats/distributions.ts";
import { holdoutUplift } from "../../../src/results/stats/holdout.ts";
import { srmCheck } from "../../../src/results/stats/srm.ts";
import { meanSummary, rateSummary, totalsFromRows, zCritical } from "../../../src/results/stats/summary.ts";
import type { AggregateRow } from "../../../src/results/stats/types.ts";

describe("numerics", () => {
  it("normal tails keep relative accuracy where 1 − Φ would be 0", () => {
    // Mills-ratio asymptotics: Φ(−z) ≈ φ(z)/z·(1 − 1/z² + 3/z⁴ − 15/z⁶), next term 105/z⁸ ≈ 1.6e-10 at z = 30.
    const z = 30;
    const phi = Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI);
    const mills = (phi / z) * (1 - 1 / z ** 2 + 3 / z ** 4 - 15 / z ** 6);
    expect(Math.abs(normSf(z) / mills - 1)).toBeLessThan(1e-9);
    expect(1 - normCdf(z)).toBe(0); // what a naive 1 − Φ would give
  });
  it("quantile inverts the CDF across the range", () => {
    for (const p of [1e-200, 1e-12, 0.01, 0.3, 0.5, 0.7, 0.99, 1 - 1e-12]) {
      expect(Math.abs(normCdf(normQuantile(p)) / p - 1)).toBeLessThan(1e-12);
    }
    expect([normQuantile(0), normQuantile(1), normQuantile(-0.1)]).toEqual([-Infinity, Infinity, Number.NaN]);
  });
  it("exact Beta comparison is symmetric and uses the shortest sum", () => {
    // P(B > A) + P(A > B) = 1 for continuous posteriors, whichever of the four sums each side uses.
    for (const [aA, bA, aB, bB] of [[3, 50, 7, 40], [1, 1, 2, 1], [120, 4, 15, 900], [5000, 5000, 5100, 4900]] as const) {
      expect(probBetaGreater(aA, bA, aB, bB) + probBetaGreater(aB, bB, aA, bA)).toBeCloseTo(1, 12);
    }
    expect(probBetaGreater(1, 1, 2, 1)).toBeCloseTo(2 / 3, 15);
    expect(probBetaGreater(1.5, 2.5, 2.5, 1.5)).toBeNaN(); // no integer parameter: no exact sum
  });
  it("a million-visitor comparison stays cheap (sum over the smallest parameter)", () => {
    // Work counted, not timed: each term of Miller's sum takes one logarithm, so the sum over the
    // smallest parameter (Beta(30 001, 970 001) for control: 30 001) costs about 30 000 of them,
    // where the largest would cost 970 000.
    const log = vi.spyOn(Math, "log");
    let p: number;
    let logs: number;
    try {
      p = probBeatsControlRate({ units: 1_000_000, converted: 30_500 }, { units: 1_000_000, converted: 30_000 });
    } finally {
      logs = log.mock.calls.length;
      log.mockRestore();
    }
    expect(logs).toBeGreaterThanOrEqual(30_000);
    expect(logs).toBeLessThan(31_000);
    expect(p).toBeGreaterThan(0.97);
    expect(p).toBeLessThan(0.99);
  });
});

describe("summaries and comparisons", () => {
  it("rejects impossible counts instead of returning nonsense", () => {
    expect(() => rateSummary({ units: 10, converted: 11 })).toThrow(RangeError);
    expect(() => rateSummary({ units: 10.5, converted: 1 })).toThrow(RangeError);
    expect(() => meanSummary({ n: 3, sum: Number.NaN, sumSq: 1 })).toThrow(RangeError);
    expect(() => zCritical(1)).toThrow(RangeError);
  });
  it("empty arms give nulls, not zeros", () => {
    expect(rateSummary({ units: 0, converted: 0 })).toEqual({ units: 0, converted: 0, rate: null, se: null, interval: null });
    expect(twoProportionZTest({ units: 0, converted: 0 }, { units: 10, converted: 1 })).toEqual({ z: null, pValue: null });
    expect(welchTTest({ n: 1, sum: 3, sumSq: 9 }, { n: 5, sum: 3, sumSq: 9 })).toEqual({ t: null, df: null, pValue: null });
  });
  it("zero variance in both arms: p = 1 for equal means, 0 for different ones", () => {
    expect(welchTTest({ n: 5, sum: 10, sumSq: 20 }, { n: 4, sum: 8, sumSq: 16 }).pValue).toBe(1);
    expect(welchTTest({ n: 5, sum: 15, sumSq: 45 }, { n: 4, sum: 8, sumSq: 16 }).pValue).toBe(0);
  });
  it("variance from sums survives values far from zero (cancellation kept small)", () => {
    // Values 1e6 + {0, 1, 2, 3}: exact variance 5/3.
    const xs = [1e6, 1e6 + 1, 1e6 + 2, 1e6 + 3];
    const s = meanSummary({ n: 4, sum: xs.reduce((a, b) => a + b, 0), sumSq: xs.reduce((a, b) => a + b * b, 0) });
    expect(s.variance).toBeCloseTo(5 / 3, 6);
  });
  it("lift interval is asymmetric on the ratio scale and never below −100%", () => {
    const l = relativeLift(0.02, 0.01, 0.02, 0.01);
    expect(l.lift).toBe(0);
    expect(l.interval![0]).toBeGreaterThan(-1);
    expect(l.interval![1] + l.interval![0]).toBeGreaterThan(0); // exp(+h) − 1 > 1 − exp(−h)
    expect(compareRates({ units: 100, converted: 0 }, { units: 100, converted: 5 })).toMatchObject({ lift: -1, interval: null });
  });
});

describe("SRM", () => {
  it("flags below p = 0.001 only", () => {
    expect(srmCheck({ a: 5200, b: 4800 }, { a: 1, b: 1 }).flagged).toBe(true); // p = 6.3e-5
    expect(srmCheck({ a: 5100, b: 4900 }, { a: 1, b: 1 }).flagged).toBe(false); // p = 0.046: suspicious, not flagged
  });
  it("units in an arm configured at weight 0 are an infinite mismatch", () => {
    expect(srmCheck({ a: 100, b: 1 }, { a: 1, b: 0 })).toMatchObject({ chiSquare: Infinity, pValue: 0, flagged: true, df: 0 });
    expect(srmCheck({ a: 100 }, { a: 1, b: 0 })).toMatchObject({ pValue: 1, flagged: false });
  });
  it("no traffic yet is no mismatch", () => {
    expect(srmCheck({}, { a: 1, b: 1 })).toMatchObject({ pValue: 1, flagged: false });
  });
});

describe("analyzeExperiment", () => {
  const arms = [
    { id: "control", expected: 1, rate: { units: 5000, converted: 250 }, value: { n: 5000, sum: 12_500, sumSq: 900_000 } },
    { id: "b", expected: 1, rate: { units: 5000, converted: 300 }, value: { n: 5000, sum: 15_000, sumSq: 1_100_000 } },
  ];
  it("puts SRM first and compares every treatment with the control", () => {
    const r = analyzeExperiment({ control: "control", arms, holdout: { expected: 0.1 / 0.45, units: 1111 } });
    expect(Object.keys(r)[0]).toBe("srm");
    expect(r.trustworthy).toBe(true);
    expect(r.arms[0]!.vsControl).toBeUndefined();
    expect(r.arms[1]!.vsControl!.rate).toMatchObject({ lift: expect.closeTo(0.2, 12), pValue: expect.closeTo(0.028295, 5) });
    expect(r.arms[1]!.vsControl!.value!.probBeatsControl).toBeGreaterThan(0.5);
  });
  it("a broken split marks the comparisons untrustworthy but still computes them", () => {
    const skewed = [arms[0]!, { ...arms[1]!, rate: { units: 4500, converted: 300 } }];
    const r = analyzeExperiment({ control: "control", arms: skewed });
    expect(r.srm.flagged).toBe(true);
    expect(r.trustworthy).toBe(false);
    expect(r.arms[1]!.vsControl!.rate.lift).not.toBeNull();
  });
  it("names a missing control", () => {
    expect(() => analyzeExperiment({ control: "nope", arms })).toThrow(/nope/);
  });
});

describe("holdoutUplift", () => {
  it("an empty holdout gives no absolute uplift rather than a fake one", () => {
    const r = holdoutUplift({ personalized: { units: 100, converted: 5 }, holdout: { units: 0, converted: 0 } });
    expect(r.absolute).toBeNull();
    expect(r.incrementalConversions).toBeNull();
    expect(r.rate.pValue).toBeNull();
    expect(r.srm).toBeUndefined();
  });
  it("compares value per visitor when given", () => {
    const r = holdoutUplift({
      personalized: { units: 1000, converted: 50 },
      holdout: { units: 100, converted: 3 },
      value: { personalized: { n: 1000, sum: 2500, sumSq: 160_000 }, holdout: { n: 100, sum: 150, sumSq: 9_000 } },
    });
    expect(r.value!.difference).toBeCloseTo(1, 12);
    expect(r.value!.probBeatsHoldout).toBeGreaterThan(0.5);
  });
});

describe("totalsFromRows", () => {
  const row = (arm: string, goal: string, day: string, extra: Partial<AggregateRow>): AggregateRow => ({
    experiment: "hero", arm, goal, day, unitsExposed: 0, unitsConverted: 0, impressions: 0, clicks: 0, conversions: 0, valueSum: 0, valueSumSq: 0, ...extra,
  });
  it("sums days, takes exposure from goal-less rows and ignores other goals", () => {
    const rows = [
      row("control", "", "2026-03-01", { unitsExposed: 100, impressions: 150, clicks: 9 }),
      row("control", "", "2026-03-02", { unitsExposed: 50, impressions: 60, clicks: 2 }),
      row("control", "purchase", "2026-03-02", { unitsConverted: 4, conversions: 5, valueSum: 200, valueSumSq: 12_000 }),
      row("control", "signup", "2026-03-02", { unitsConverted: 30 }),
      row("b", "", "2026-03-01", { unitsExposed: 140 }),
    ];
    expect(totalsFromRows(rows, "purchase")).toEqual([
      { arm: "control", rate: { units: 150, converted: 4 }, value: { n: 150, sum: 200, sumSq: 12_000 }, impressions: 210, clicks: 11, conversions: 5 },
      { arm: "b", rate: { units: 140, converted: 0 }, value: { n: 140, sum: 0, sumSq: 0 }, impressions: 0, clicks: 0, conversions: 0 },
    ]);
  });
  it("per-unit squares kept as increments 2·before·x + x² add up to Σ(unit total)²", () => {
    // One unit buys 30 then 50 (total 80), another buys 20: Σ totals² = 6400 + 400.
    const increments = [2 * 0 * 30 + 30 ** 2, 2 * 30 * 50 + 50 ** 2, 2 * 0 * 20 + 20 ** 2];
    expect(increments.reduce((a, b) => a + b, 0)).toBe(80 ** 2 + 20 ** 2);
  });
});
