/**
 * Experiment statistics, pure and platform-free: what the results routes, the CLI table and the
 * console import. Every formula carries its citation where it is implemented.
 *
 * @example
 * import { analyzeExperiment, holdoutUplift, totalsFromRows } from "./stats/index.ts";
 */
export type { AggregateRow, Interval, MeanSample, RateSample } from "./types.ts";
export { analyzeExperiment, type AnalyzeInput, type ArmInput, type ArmResult, type ExperimentResults } from "./analyze.ts";
export { probBeatsControlMean, probBeatsControlRate, probBetaGreater } from "./bayes.ts";
export { compareMeans, compareRates, relativeLift, twoProportionZTest, welchTTest } from "./compare.ts";
export type { Lift, MeanComparison, RateComparison, WelchTest, ZTest } from "./compare.ts";
export { chiSquareSf, normCdf, normQuantile, normSf, studentTTwoSided } from "./distributions.ts";
export { holdoutUplift, type HoldoutUplift, type HoldoutUpliftInput } from "./holdout.ts";
export { betaIncReg, gammaIncReg, lbeta, lgamma } from "./special.ts";
export { SRM_THRESHOLD, srmCheck, type SrmResult } from "./srm.ts";
export { meanSummary, rateSummary, totalsFromRows, zCritical, type ArmTotals, type MeanSummary, type RateSummary } from "./summary.ts";
