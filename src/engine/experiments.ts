/**
 * Experiment assignment: deterministic, sticky, no state.
 *
 * For visitor `unitId` and a running experiment with salt `s`:
 * 1. layer:   in a layer, bucketOf(`layer:<layer>`, unitId) picks one experiment of the layer
 *             (equal ranges by experiment id): experiments in one layer are mutually exclusive;
 * 2. traffic: bucketOf(`${s}:traffic`, unitId) < traffic·10000 enters (a separate hash, so
 *             ramping traffic up never moves a visitor between arms);
 * 3. bucket:  b = bucketOf(s, unitId) = fnv1a-fmix32(`${s}:${unitId}`) % 10000;
 *             b < holdout·10000 is the experiment's holdout (default content, measured);
 * 4. arm:     the rest, [holdout·10000, 10000), is split by arm weights in listed order.
 *
 * The global holdout is bucketOf(manifest.holdout.salt, unitId) < share·10000.
 * Weights come from the manifest, or from `allocation[experiment]` when the experiment
 * has `bandit: true` (the seam for weights learned from results).
 */
import type { ExperimentAssignment, RejectReason } from "./types.ts";
import type { CompiledExperiment, CompiledHoldout } from "./compile.ts";
import type { Facts } from "./attributes.ts";
import { BUCKETS, bucketFrom } from "./hash.ts";

type Arm = CompiledExperiment["e"]["arms"][number];

export type ExperimentOutcome =
  | { entered: true; assignment: ExperimentAssignment; arm: Arm | null; detail: string }
  | { entered: false; reason: RejectReason; detail: string };

/** A visitor's place in an experiment they entered (holdout: `arm` null). */
export type Entered = Extract<ExperimentOutcome, { entered: true }>;

/**
 * Whether the visitor is in the global holdout (never without a unit id: nothing to hash).
 *
 * @example
 * inGlobalHoldout(compileManifest(manifest).holdout, "visitor-123"); // { held: false, bucket: 7310 }
 */
export function inGlobalHoldout(holdout: CompiledHoldout | undefined, unitId: string | null): { held: boolean; bucket: number } | null {
  if (!holdout || unitId === null || holdout.share <= 0) return null;
  const bucket = bucketFrom(holdout.saltState, unitId);
  return { held: bucket < Math.round(holdout.share * BUCKETS), bucket };
}

/**
 * The arm weights in force: learned ones for bandit experiments when given and not all zero.
 *
 * @example
 * armWeights(exp, { "hero-test": { a: 0.2, b: 0.8 } }); // [0.2, 0.8] when exp.bandit
 */
export function armWeights(x: CompiledExperiment, allocation: Record<string, Record<string, number>> | undefined): number[] {
  return weightsInForce(x, allocation).weights;
}

/**
 * The arm weights in force and where they come from: `learned` (the bandit's allocation)
 * or the manifest's. Explain names the one used.
 *
 * @example
 * weightsInForce(exp, { "hero-test": { a: 0.2, b: 0.8 } }); // { weights: [0.2, 0.8], learned: true } when exp.bandit
 */
export function weightsInForce(
  x: CompiledExperiment,
  allocation: Record<string, Record<string, number>> | undefined,
): { weights: number[]; learned: boolean } {
  const learned = x.e.bandit && allocation && Object.hasOwn(allocation, x.id) ? allocation[x.id] : undefined;
  if (learned) {
    const w = x.e.arms.map((a) => {
      const n = Object.hasOwn(learned, a.id) ? learned[a.id]! : 0;
      return Number.isFinite(n) && n > 0 ? n : 0;
    });
    if (w.some((n) => n > 0)) return { weights: w, learned: true };
  }
  return { weights: x.e.arms.map((a) => a.weight), learned: false };
}

/** A share as a short percentage for explain: 0.9346 → "93.5%". */
function formatShare(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}

/**
 * Assigns one visitor to one experiment (or says why not).
 *
 * @example
 * assignExperiment(x, facts, "visitor-123", true, undefined);
 * // { entered: true, assignment: { id: "hero-test", arm: "b", bucket: 6120, holdout: false }, arm: {...}, detail: "..." }
 */
export function assignExperiment(
  x: CompiledExperiment,
  facts: Facts,
  unitId: string | null,
  personalize: boolean,
  allocation: Record<string, Record<string, number>> | undefined,
): ExperimentOutcome {
  if (unitId === null) return { entered: false, reason: "consent", detail: `no visitor id may be used: not in experiment ${x.id}` };
  const refused = entryRefusal(x, facts, unitId, personalize);
  if (refused) return refused;
  const bucket = bucketFrom(x.hash.bucket, unitId);
  const holdoutEnd = Math.round((x.e.holdout ?? 0) * BUCKETS);
  if (bucket < holdoutEnd) {
    return {
      entered: true,
      assignment: { id: x.id, arm: "holdout", bucket, holdout: true },
      arm: null,
      detail: `experiment ${x.id} holdout (bucket ${bucket} < ${holdoutEnd})`,
    };
  }
  const { weights, learned } = weightsInForce(x, allocation);
  let total = 0;
  for (const w of weights) total += w;
  if (!(total > 0)) return { entered: false, reason: "experiment", detail: `experiment ${x.id} has no arm with weight` };
  // Position of the bucket in the arm range, scaled to the weight total.
  const chosen = armAt(weights, ((bucket - holdoutEnd) / (BUCKETS - holdoutEnd)) * total);
  const arm = x.e.arms[chosen]!;
  // Explain names the weight in force (its share of the arm range), and whether the bandit learned it.
  const share = weights[chosen]! / total;
  return {
    entered: true,
    assignment: { id: x.id, arm: arm.id, bucket, holdout: false },
    arm,
    detail: `experiment ${x.id} arm ${arm.id} (bucket ${bucket}, ${learned ? "learned" : "manifest"} weight ${formatShare(share)})`,
  };
}

/** Why a visitor with an id is not entered: outside the experiment's layer share, audience (or its consent), or traffic. */
function entryRefusal(x: CompiledExperiment, facts: Facts, unitId: string, personalize: boolean): Extract<ExperimentOutcome, { entered: false }> | undefined {
  if (x.layerRange !== undefined) {
    const lb = bucketFrom(x.hash.layer, unitId);
    if (lb < x.layerRange[0] || lb >= x.layerRange[1]) {
      return { entered: false, reason: "experiment", detail: `layer ${x.e.layer} bucket ${lb} belongs to another experiment than ${x.id}` };
    }
  }
  if (x.audience) {
    if (x.audience.personal && !personalize) {
      return { entered: false, reason: "consent", detail: `experiment ${x.id} targets personal data; no personalization consent` };
    }
    if (!x.audience.test(facts)) return { entered: false, reason: "audience", detail: `not in the audience of experiment ${x.id}` };
  }
  const traffic = x.e.traffic ?? 1;
  if (traffic < 1) {
    const tb = bucketFrom(x.hash.traffic, unitId);
    if (tb >= Math.round(traffic * BUCKETS)) {
      return { entered: false, reason: "experiment", detail: `outside the ${traffic * 100}% traffic of experiment ${x.id} (traffic bucket ${tb})` };
    }
  }
  return undefined;
}

/** The arm whose slice of the weight range holds `pos`; never a trailing zero-weight arm. */
function armAt(weights: readonly number[], pos: number): number {
  let acc = 0;
  let chosen = weights.length - 1;
  for (let i = 0; i < weights.length; i++) {
    acc += weights[i]!;
    if (pos < acc) {
      chosen = i;
      break;
    }
  }
  // Skip trailing zero-weight arms that float rounding could land on.
  while (chosen > 0 && weights[chosen] === 0) chosen--;
  return chosen;
}
