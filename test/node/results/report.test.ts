// The results report (pure): expectations from recorded shares, SRM over arms and holdout, holdout uplift, daily series.
import { describe, expect, it } from "vitest";
import { pageExposures } from "../../../src/results/exposures.ts";
import { experimentReport } from "../../../src/results/report.ts";
import { delta, GLOBAL_EXPERIMENT, type StoredRow } from "../../../src/results/tally.ts";
import type { DecideResult, Manifest } from "../../../src/engine/types.ts";

const row = (experiment: string, arm: string, goal: string, day: string, part: Partial<StoredRow>): StoredRow => ({ experiment, arm, goal, day, ...delta({}), ...part });

describe("experimentReport", () => {
  it("uses the recorded expected units (a bandit's shifting weights) for SRM, not the manifest's", () => {
    // Arm b got 80% of traffic on purpose: expected units say so, so no mismatch.
    const rows = [row("x", "a", "", "2026-11-22", { unitsExposed: 200, expectedUnits: 200 }), row("x", "b", "", "2026-11-22", { unitsExposed: 800, expectedUnits: 800 })];
    const r = experimentReport("x", rows, [], null);
    expect(r.srm.flagged).toBe(false);
    const skewed = [row("x", "a", "", "2026-11-22", { unitsExposed: 200, expectedUnits: 500 }), row("x", "b", "", "2026-11-22", { unitsExposed: 800, expectedUnits: 500 })];
    expect(experimentReport("x", skewed, [], null).srm.flagged).toBe(true);
    expect(experimentReport("x", skewed, [], null).trustworthy).toBe(false);
  });

  it("cumulates a daily series and computes the global holdout uplift", () => {
    const rows = [
      row("x", "control", "", "2026-11-22", { unitsExposed: 100, expectedUnits: 100 }),
      row("x", "control", "", "2026-11-23", { unitsExposed: 100, expectedUnits: 100 }),
      row("x", "control", "buy", "2026-11-23", { unitsConverted: 10 }),
    ];
    const global = [row(GLOBAL_EXPERIMENT, "personalized", "", "2026-11-23", { unitsExposed: 95000 }), row(GLOBAL_EXPERIMENT, "personalized", "buy", "2026-11-23", { unitsConverted: 3990 }), row(GLOBAL_EXPERIMENT, "holdout", "", "2026-11-23", { unitsExposed: 5000 }), row(GLOBAL_EXPERIMENT, "holdout", "buy", "2026-11-23", { unitsConverted: 180 })];
    // The goal an editor asked for (no goal is ever taken from the data).
    const r = experimentReport("x", rows, global, null, { goal: "buy" });
    expect(r.daily.map((d) => [d.day, d.arms.control!.units, d.arms.control!.converted])).toEqual([["2026-11-22", 100, 0], ["2026-11-23", 200, 10]]);
    // The pure half's reference values (holdout.ts @example).
    expect(r.holdoutUplift!.rate.lift).toBeCloseTo(0.16666666667, 9);
    expect(r.holdoutUplift!.rate.pValue).toBeCloseTo(0.0386, 3);
  });
});

describe("pageExposures", () => {
  const m = {
    holdout: { share: 0.1, salt: "g" },
    experiments: { x: { slots: ["hero"], salt: "s", status: "running", traffic: 1, holdout: 0.2, bandit: false, arms: [{ id: "a", weight: 1, variants: { hero: null } }, { id: "b", weight: 3, variants: { hero: "v" } }] } },
    slots: { hero: { trusted: false, variants: [] } },
    schema: 1, version: "v", publishedAt: "2026-11-01T00:00:00Z", segments: {}, pages: [],
  } as unknown as Manifest;
  const result = (holdout: boolean, arm?: string): DecideResult => ({ holdout, manifestVersion: "v", decisions: [{ slot: "hero", variant: null, html: null, reasons: [], rejected: [], ...(arm ? { experiment: { id: "x", arm, bucket: 1, holdout: arm === "holdout" } } : {}) }] });

  it("counts an experiment whose slot was on the page (control too), with each category's share", () => {
    const out = pageExposures(result(false, "a"), { rendered: [], skipped: [{ slot: "hero" }] }, m, undefined);
    expect(out).toEqual([
      { experiment: GLOBAL_EXPERIMENT, arm: "personalized", slots: [], shares: { personalized: 0.9, holdout: 0.1 } },
      { experiment: "x", arm: "a", slots: ["hero"], shares: { holdout: 0.2, a: 0.2, b: 0.6000000000000001 } },
    ]);
  });

  it("not without the slot on the page; the global holdout counts on any page", () => {
    expect(pageExposures(result(false, "a"), { rendered: [], skipped: [] }, m, undefined).map((x) => x.experiment)).toEqual([GLOBAL_EXPERIMENT]);
    expect(pageExposures(result(true), null, m, undefined)).toEqual([{ experiment: GLOBAL_EXPERIMENT, arm: "holdout", slots: [], shares: { personalized: 0.9, holdout: 0.1 } }]);
  });
});
