/**
 * The increments that flow from visitor objects through the experiment counters into D1:
 * one delta per experiment × arm × goal × UTC day. Plain data and pure helpers, shared by
 * the visitor object (which decides what counts), the counter object (which sums) and the
 * D1 store (which adds).
 */
import type { AggregateRow } from "./stats/types.ts";

/** The experiment id under which the global holdout is counted (no manifest id can start with "("). */
export const GLOBAL_EXPERIMENT = "(global)";
/** Arms of GLOBAL_EXPERIMENT: personalization on, or the global holdout. */
export const GLOBAL_ARMS = { personalized: "personalized", holdout: "holdout" } as const;

/**
 * The goal under which conversions on goals the content does not declare are counted (as
 * `conversions` only): one row per experiment, arm and day, however many names a client
 * invents. No declared goal can take this name (goal names start with a letter or digit).
 */
export const DROPPED_GOAL = "(undeclared)";

/** What one delta adds to one aggregate row (every field a sum). */
export interface Delta {
  unitsExposed: number;
  unitsConverted: number;
  impressions: number;
  clicks: number;
  conversions: number;
  valueSum: number;
  valueSumSq: number;
  /** Σ of this arm's share in force at each first exposure: the SRM expectation for bandits and changed weights. */
  expectedUnits: number;
}

/** An aggregate row's columns as SQL holds them (the outbox, the counter, D1): snake_case sums per arm × goal × day. */
export interface AggregateColumns {
  arm: string;
  goal: string;
  day: string;
  units_exposed: number;
  units_converted: number;
  impressions: number;
  clicks: number;
  conversions: number;
  value_sum: number;
  value_sum_sq: number;
  expected_units: number;
}

/**
 * An aggregate row read from SQL (outbox, counter or D1) as the TallyRow the code sums.
 *
 * @example
 * const rows = sql.exec<AggregateColumns>("SELECT * FROM pending").toArray().map(fromColumns);
 */
export function fromColumns(r: AggregateColumns): TallyRow {
  return {
    arm: r.arm,
    goal: r.goal,
    day: r.day,
    unitsExposed: r.units_exposed,
    unitsConverted: r.units_converted,
    impressions: r.impressions,
    clicks: r.clicks,
    conversions: r.conversions,
    valueSum: r.value_sum,
    valueSumSq: r.value_sum_sq,
    expectedUnits: r.expected_units,
  };
}

/** An aggregate row as D1 stores it: the statistics' row plus the SRM expectation. */
export interface StoredRow extends AggregateRow {
  expectedUnits: number;
}

/** A delta for one row. `goal` is "" for exposure rows. */
export interface TallyRow extends Delta {
  arm: string;
  goal: string;
  /** UTC day, YYYY-MM-DD. */
  day: string;
}

export const DELTA_FIELDS = ["unitsExposed", "unitsConverted", "impressions", "clicks", "conversions", "valueSum", "valueSumSq", "expectedUnits"] as const;

/** A delta of zeros, with `part` filled in. */
export function delta(part: Partial<Delta>): Delta {
  return { unitsExposed: 0, unitsConverted: 0, impressions: 0, clicks: 0, conversions: 0, valueSum: 0, valueSumSq: 0, expectedUnits: 0, ...part };
}

/**
 * The UTC day of an epoch-ms time.
 *
 * @example
 * utcDay(Date.parse("2026-11-23T23:59:59Z")); // "2026-11-23"
 */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Sums rows with the same arm, goal and day (the counter's pending table does this in SQL;
 * this is the same for a batch before it is sent).
 *
 * @example
 * sumRows([{ arm: "a", goal: "", day: "2026-11-23", ...delta({ impressions: 1 }) }, { arm: "a", goal: "", day: "2026-11-23", ...delta({ impressions: 2 }) }]);
 * // [{ arm: "a", goal: "", day: "2026-11-23", impressions: 3, … }]
 */
export function sumRows(rows: readonly TallyRow[]): TallyRow[] {
  const out = new Map<string, TallyRow>();
  for (const r of rows) {
    const key = `${r.arm}\u0000${r.goal}\u0000${r.day}`;
    const held = out.get(key);
    if (!held) {
      out.set(key, { ...r });
      continue;
    }
    for (const f of DELTA_FIELDS) held[f] += r[f];
  }
  return [...out.values()];
}

/**
 * One page's exposure of a visitor to an experiment, as the page path reports it to the
 * visitor's object: the arm the engine assigned, the experiment's slots (clicks in them count
 * for it), and every category's share in force (arms and "holdout"), for the SRM expectation.
 */
export interface Exposure {
  experiment: string;
  arm: string;
  slots: string[];
  shares: Record<string, number>;
}

/** What a visitor object sends one counter: its rows, each numbered in the visitor's outbox. */
export interface CounterDelivery {
  /** The visitor object's outbox identity (object id and storage epoch): numbers are per source. */
  source: string;
  experiment: string;
  rows: Array<TallyRow & { seq: number }>;
}
