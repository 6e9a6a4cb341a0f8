/**
 * The results in D1 (binding RESULTS, schema in migrations/): what a counter's flush adds and
 * what the reports and the bandit read. A flush is one D1 batch — one transaction — whose
 * every upsert is conditional on the counter's watermark being below the batch number, and
 * which then raises the watermark: applied once, however often it is retried.
 */
import { fromColumns, type AggregateColumns, type StoredRow, type TallyRow } from "../results/tally.ts";

export type { StoredRow } from "../results/tally.ts";

export interface FlushBatch {
  /** The counter object's identity: watermarks are per counter. */
  counter: string;
  experiment: string;
  /** Batch number, increasing per counter. */
  seq: number;
  rows: readonly TallyRow[];
}

/** Statements per flush at most: D1 runs a batch as one transaction; keep it short. */
export const MAX_FLUSH_ROWS = 200;

/**
 * Adds one batch to the aggregates, once. Resolves true when this call applied it, false
 * when the watermark says it was applied before (a retried alarm).
 *
 * @example
 * await applyFlush(env.RESULTS, { counter: ctx.id.toString(), experiment: "hero-test", seq: 7, rows }, Date.now());
 */
export async function applyFlush(db: D1Database, batch: FlushBatch, now: number): Promise<boolean> {
  if (batch.rows.length > MAX_FLUSH_ROWS) throw new RangeError(`a flush takes at most ${MAX_FLUSH_ROWS} rows, got ${batch.rows.length}`);
  const before = await db.prepare("SELECT seq FROM flush_watermarks WHERE counter = ?").bind(batch.counter).first<{ seq: number }>();
  if (before && before.seq >= batch.seq) return false;
  const upsert = db.prepare(
    `INSERT INTO aggregates (experiment, arm, goal, day, units_exposed, units_converted, impressions, clicks, conversions, value_sum, value_sum_sq, expected_units)
     SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12
     WHERE NOT EXISTS (SELECT 1 FROM flush_watermarks WHERE counter = ?13 AND seq >= ?14)
     ON CONFLICT (experiment, arm, goal, day) DO UPDATE SET
       units_exposed = units_exposed + excluded.units_exposed,
       units_converted = units_converted + excluded.units_converted,
       impressions = impressions + excluded.impressions,
       clicks = clicks + excluded.clicks,
       conversions = conversions + excluded.conversions,
       value_sum = value_sum + excluded.value_sum,
       value_sum_sq = value_sum_sq + excluded.value_sum_sq,
       expected_units = expected_units + excluded.expected_units`,
  );
  const statements = batch.rows.map((r) =>
    upsert.bind(
      batch.experiment,
      r.arm,
      r.goal,
      r.day,
      r.unitsExposed,
      r.unitsConverted,
      r.impressions,
      r.clicks,
      r.conversions,
      r.valueSum,
      r.valueSumSq,
      r.expectedUnits,
      batch.counter,
      batch.seq,
    ),
  );
  // Last in the same transaction: the watermark moves only with the rows.
  statements.push(
    db
      .prepare(
        `INSERT INTO flush_watermarks (counter, seq, at) VALUES (?1, ?2, ?3)
         ON CONFLICT (counter) DO UPDATE SET seq = MAX(seq, excluded.seq), at = excluded.at`,
      )
      .bind(batch.counter, batch.seq, now),
  );
  await db.batch(statements);
  return true;
}

interface DbRow extends AggregateColumns {
  experiment: string;
}

/**
 * Every aggregate row of one experiment (or of all), oldest day first.
 *
 * @example
 * const rows = await readRows(env.RESULTS, "hero-test");
 */
export async function readRows(db: D1Database, experiment?: string): Promise<StoredRow[]> {
  const q = experiment === undefined
    ? db.prepare("SELECT * FROM aggregates ORDER BY experiment, day, arm, goal")
    : db.prepare("SELECT * FROM aggregates WHERE experiment = ? ORDER BY day, arm, goal").bind(experiment);
  const { results } = await q.all<DbRow>();
  return results.map((r) => ({ experiment: r.experiment, ...fromColumns(r) }));
}
