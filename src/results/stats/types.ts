/**
 * The inputs and outputs of the results statistics. Inputs are sufficient statistics
 * summed over the aggregate rows (see `totalsFromRows`): nothing per visitor.
 */

/** A binary goal (did the unit convert at least once) for one arm. */
export interface RateSample {
  /** Units exposed: visitors counted once per experiment, at their first impression. */
  units: number;
  /** Units that converted at least once (≤ units). */
  converted: number;
}

/**
 * A numeric goal (e.g. order value) for one arm, as per-unit totals: every exposed unit is one
 * observation, units that never converted count as 0.
 * `sumSq` is Σ (per-unit total)², not Σ (per-event value)²: see the integration note in
 * `totalsFromRows` for how to keep it from events.
 */
export interface MeanSample {
  n: number;
  sum: number;
  sumSq: number;
}

/** A two-sided interval [low, high]. */
export type Interval = readonly [number, number];

/** One aggregate row per experiment × arm × goal × day, as the store keeps it. */
export interface AggregateRow {
  experiment: string;
  /** Arm id, or "holdout" for the experiment's own holdout. */
  arm: string;
  /** Goal name, e.g. "purchase"; rows without a goal (exposure only) use "". */
  goal: string;
  /** UTC day, YYYY-MM-DD. */
  day: string;
  /** Units first exposed to the experiment on this day (each unit counted once, ever). */
  unitsExposed: number;
  /** Units whose first conversion on this goal fell on this day (each unit counted once, ever). */
  unitsConverted: number;
  impressions: number;
  clicks: number;
  /** Conversion events (a unit may convert more than once). */
  conversions: number;
  /** Σ of numeric values of the conversions on this day (e.g. order value). */
  valueSum: number;
  /** Σ of the day's increments of per-unit (total value)²: 2·before·x + x² per event of value x. */
  valueSumSq: number;
}
