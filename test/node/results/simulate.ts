/**
 * Seeded traffic simulators for the results tests: visitors assigned through the real engine
 * (decide() with the bandit allocation seam), conversions drawn from a seeded generator.
 * No wall clock, no Math.random: every run is reproducible from its seed.
 */
import { decide } from "../../../src/engine/decide.ts";
import type { Manifest } from "../../../src/engine/types.ts";
import { allocationForPeriod, type BanditArm } from "../../../src/results/bandit.ts";
import type { Rng } from "../../../src/results/random.ts";
import { input, manifest, variant } from "../engine/fixtures.ts";

/** A manifest with one bandit experiment "hero-bandit" over arms control / b / c, and a 10% experiment holdout. */
export function banditManifest(holdout = 0.1): Manifest {
  return manifest({
    slots: { hero: [variant("hero-b", { experimentOnly: true }), variant("hero-c", { experimentOnly: true })] },
    experiments: {
      "hero-bandit": {
        slots: ["hero"],
        salt: "hero-bandit-1",
        holdout,
        bandit: true,
        arms: [
          { id: "control", weight: 1, variants: { hero: null } },
          { id: "b", weight: 1, variants: { hero: "hero-b" } },
          { id: "c", weight: 1, variants: { hero: "hero-c" } },
        ],
      },
    },
  });
}

export interface BanditRun {
  /** Share of arm weight given to each arm after each period (index = period). */
  weights: Array<Record<string, number>>;
  /** Visitors seen before each period's allocation was computed. */
  visitorsBefore: number[];
  /** Units per arm (and "holdout"), over the whole run. */
  units: Record<string, number>;
}

/**
 * Runs `periods` allocation periods of `perPeriod` new visitors each. Before each period the
 * allocation is recomputed from the aggregates so far (allocationForPeriod, seeded per period);
 * within a period every visitor is assigned by decide() with that allocation.
 */
export function runBandit(opts: { rates: Record<string, number>; periods: number; perPeriod: number; rng: Rng; minShare?: number; m?: Manifest }): BanditRun {
  const m = opts.m ?? banditManifest();
  const agg = new Map<string, BanditArm>(Object.keys(opts.rates).map((id) => [id, { id, units: 0, converted: 0 }]));
  const units: Record<string, number> = {};
  const run: BanditRun = { weights: [], visitorsBefore: [], units };
  let visitor = 0;
  for (let p = 0; p < opts.periods; p++) {
    const allocation = allocationForPeriod({ "hero-bandit": [...agg.values()] }, p, { minShare: opts.minShare ?? 0.05 });
    run.weights.push(allocation["hero-bandit"]!);
    run.visitorsBefore.push(visitor);
    for (let i = 0; i < opts.perPeriod; i++) {
      const d = decide(input(m, { unitId: `sim-${visitor++}`, allocation })).decisions[0]!;
      const arm = d.experiment!.arm;
      units[arm] = (units[arm] ?? 0) + 1;
      if (d.experiment!.holdout) continue;
      const a = agg.get(arm)!;
      a.units++;
      if (opts.rng() < opts.rates[arm]!) a.converted++;
    }
  }
  return run;
}
