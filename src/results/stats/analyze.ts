/**
 * One experiment's results, in the order a report shows them:
 * 1. sample-ratio mismatch first (over the arms and the experiment's holdout): when flagged,
 *    `trustworthy` is false and the lifts below must be shown as suspect, not hidden;
 * 2. each arm's conversion rate (Wilson interval) and value per visitor;
 * 3. each treatment against the control: lift with interval, p-value, probability to beat control,
 *    for the rate and, when given, the value.
 */
import type { MeanSample, RateSample } from "./types.ts";
import { probBeatsControlMean, probBeatsControlRate } from "./bayes.ts";
import { compareMeans, compareRates, type MeanComparison, type RateComparison } from "./compare.ts";
import { srmCheck, SRM_THRESHOLD, type SrmResult } from "./srm.ts";
import { meanSummary, rateSummary, type MeanSummary, type RateSummary } from "./summary.ts";

export interface ArmInput {
  id: string;
  /** Configured weight of the arm (any scale), or its expected units for a bandit (Σₚ nₚ·wₚ). */
  expected: number;
  rate: RateSample;
  value?: MeanSample;
}

export interface AnalyzeInput {
  /** Id of the control arm (one of `arms`). */
  control: string;
  arms: readonly ArmInput[];
  /** The experiment's own holdout, when it has one: counted in the SRM check only. */
  holdout?: { expected: number; units: number };
  confidence?: number;
  srmThreshold?: number;
}

export interface ArmResult {
  id: string;
  rate: RateSummary;
  value?: MeanSummary;
  /** Against the control; absent on the control itself. */
  vsControl?: {
    rate: RateComparison & { probBeatsControl: number };
    value?: MeanComparison & { probBeatsControl: number | null };
  };
}

export interface ExperimentResults {
  srm: SrmResult;
  /** False when SRM is flagged: the comparisons are computed but must not be trusted. */
  trustworthy: boolean;
  control: string;
  arms: ArmResult[];
}

/**
 * Analyses one experiment from its per-arm totals.
 *
 * @example
 * analyzeExperiment({ control: "control", arms: [
 *   { id: "control", expected: 1, rate: { units: 5000, converted: 250 } },
 *   { id: "b", expected: 1, rate: { units: 5000, converted: 300 } } ] });
 * // { srm: { pValue: 1, flagged: false, … }, trustworthy: true, arms: [{ id: "control", … }, { id: "b", vsControl: { rate: { lift: 0.2, pValue: 0.0283…, probBeatsControl: 0.9858… } } }] }
 */
export function analyzeExperiment(input: AnalyzeInput): ExperimentResults {
  const confidence = input.confidence ?? 0.95;
  const control = input.arms.find((a) => a.id === input.control);
  if (!control) throw new RangeError(`control arm ${input.control} is not among the arms`);
  const observed: Record<string, number> = {};
  const expected: Record<string, number> = {};
  for (const a of input.arms) {
    observed[a.id] = a.rate.units;
    expected[a.id] = a.expected;
  }
  if (input.holdout) {
    // A key no id can take (IdSchema starts with a letter or digit), so an arm named "holdout" cannot collide.
    observed["(holdout)"] = input.holdout.units;
    expected["(holdout)"] = input.holdout.expected;
  }
  const srm = srmCheck(observed, expected, input.srmThreshold ?? SRM_THRESHOLD);
  const arms: ArmResult[] = input.arms.map((a) => {
    const r: ArmResult = { id: a.id, rate: rateSummary(a.rate, confidence) };
    if (a.value) r.value = meanSummary(a.value, confidence);
    if (a !== control) {
      r.vsControl = { rate: { ...compareRates(a.rate, control.rate, confidence), probBeatsControl: probBeatsControlRate(a.rate, control.rate) } };
      if (a.value && control.value) {
        r.vsControl.value = { ...compareMeans(a.value, control.value, confidence), probBeatsControl: probBeatsControlMean(a.value, control.value) };
      }
    }
    return r;
  });
  return { srm, trustworthy: !srm.flagged, control: control.id, arms };
}
