/**
 * One experiment's counter: a SQLite-backed Durable Object that sums the increments visitor
 * objects deliver and flushes them into D1 in batches, on an alarm.
 *
 * - `add()` takes a delivery, skips rows whose number from that source it has seen (a
 *   redelivery after a lost answer counts once), and sums the rest into `pending` — durable
 *   when it returns.
 * - `alarm()` (at most FLUSH_INTERVAL_MS after the first pending increment) moves pending into
 *   a numbered in-flight batch and applies it to D1 with the batch number (d1-store.ts): a
 *   retried flush is a no-op in D1, a failed one keeps the batch for the next alarm. Nothing
 *   taken is ever dropped; new increments keep summing into `pending` meanwhile.
 *
 * Write rate: one small SQLite upsert per delivery here, one D1 transaction per experiment per
 * flush interval there, whatever the traffic (README "Results").
 *
 * @example
 * const counter = env.EXPERIMENT_COUNTER.get(env.EXPERIMENT_COUNTER.idFromName("hero-test"));
 * await counter.add({ source, experiment: "hero-test", rows });
 */
import { DurableObject } from "cloudflare:workers";
import { describeError } from "../errors.ts";
import { applyFlush, MAX_FLUSH_ROWS } from "./d1-store.ts";
import { DELTA_FIELDS, fromColumns, type AggregateColumns, type CounterDelivery, type TallyRow } from "../results/tally.ts";
import { logEvent } from "../observability/log.ts";

/** How long increments wait before a flush: D1 sees one transaction per experiment per interval. */
export const FLUSH_INTERVAL_MS = 30_000;
/** After a failed flush, try again this much later (and forever: nothing is given up). */
export const RETRY_MS = 15_000;
/** Source numbers are remembered this long: longer than a visitor object keeps an outbox. */
const SOURCE_MEMORY_MS = 35 * 86_400_000;
/** Batches per alarm at most; more pending rows wait for the next alarm. */
const MAX_BATCHES_PER_ALARM = 10;

const COLUMNS = "units_exposed, units_converted, impressions, clicks, conversions, value_sum, value_sum_sq, expected_units";

const SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS meta (id INTEGER PRIMARY KEY CHECK (id = 1), experiment TEXT NOT NULL, next_seq INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS sources (source TEXT PRIMARY KEY, seq INTEGER NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID`,
  `CREATE INDEX IF NOT EXISTS sources_at ON sources (at)`,
  `CREATE TABLE IF NOT EXISTS pending (arm TEXT NOT NULL, goal TEXT NOT NULL, day TEXT NOT NULL,
    units_exposed INTEGER NOT NULL, units_converted INTEGER NOT NULL, impressions INTEGER NOT NULL, clicks INTEGER NOT NULL,
    conversions INTEGER NOT NULL, value_sum REAL NOT NULL, value_sum_sq REAL NOT NULL, expected_units REAL NOT NULL,
    PRIMARY KEY (arm, goal, day)) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS inflight (seq INTEGER NOT NULL, arm TEXT NOT NULL, goal TEXT NOT NULL, day TEXT NOT NULL,
    units_exposed INTEGER NOT NULL, units_converted INTEGER NOT NULL, impressions INTEGER NOT NULL, clicks INTEGER NOT NULL,
    conversions INTEGER NOT NULL, value_sum REAL NOT NULL, value_sum_sq REAL NOT NULL, expected_units REAL NOT NULL,
    PRIMARY KEY (seq, arm, goal, day)) WITHOUT ROWID`,
];

interface RowColumns extends AggregateColumns {
  [k: string]: SqlStorageValue;
}

export type FlushOutcome =
  | { ok: true; batches: number; rows: number; pending: number }
  | { ok: false; error: string; batches: number; rows: number; pending: number };

export class ExperimentCounter extends DurableObject<Env> {
  #ready = false;

  /** Takes a delivery; resolves once it is durable here. */
  async add(d: CounterDelivery): Promise<{ applied: number; skipped: number }> {
    this.#ensure(d.experiment);
    const sql = this.ctx.storage.sql;
    const now = Date.now();
    let applied = 0;
    let skipped = 0;
    this.ctx.storage.transactionSync(() => {
      const seen = sql.exec<{ seq: number }>("SELECT seq FROM sources WHERE source = ?", d.source).toArray()[0]?.seq ?? 0;
      let high = seen;
      for (const r of d.rows) {
        if (r.seq <= seen) {
          skipped++;
          continue;
        }
        high = Math.max(high, r.seq);
        sql.exec(
          `INSERT INTO pending (arm, goal, day, ${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (arm, goal, day) DO UPDATE SET
             units_exposed = units_exposed + excluded.units_exposed, units_converted = units_converted + excluded.units_converted,
             impressions = impressions + excluded.impressions, clicks = clicks + excluded.clicks, conversions = conversions + excluded.conversions,
             value_sum = value_sum + excluded.value_sum, value_sum_sq = value_sum_sq + excluded.value_sum_sq,
             expected_units = expected_units + excluded.expected_units`,
          r.arm,
          r.goal,
          r.day,
          ...DELTA_FIELDS.map((f) => r[f]),
        );
        applied++;
      }
      sql.exec("INSERT INTO sources (source, seq, at) VALUES (?, ?, ?) ON CONFLICT (source) DO UPDATE SET seq = excluded.seq, at = excluded.at", d.source, high, now);
    });
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(now + FLUSH_INTERVAL_MS);
    return { applied, skipped };
  }

  /** The flush. Never throws (alarms are at-least-once anyway): a failure schedules its own retry. */
  override async alarm(): Promise<void> {
    const out = await this.flush();
    const left = out.pending + this.#inflightRows();
    if (!out.ok) await this.ctx.storage.setAlarm(Date.now() + RETRY_MS);
    else if (left > 0) await this.ctx.storage.setAlarm(Date.now() + FLUSH_INTERVAL_MS);
  }

  /**
   * Flushes pending increments into D1 now (`db` replaces the binding in tests: a failing or
   * answer-losing D1).
   */
  async flush(db: D1Database = this.env.RESULTS): Promise<FlushOutcome> {
    let batches = 0;
    let rows = 0;
    if (!this.#exists()) return { ok: true, batches, rows, pending: 0 };
    const sql = this.ctx.storage.sql;
    const meta = sql.exec<{ experiment: string }>("SELECT experiment FROM meta WHERE id = 1").one();
    const counter = this.ctx.id.toString();
    for (let i = 0; i < MAX_BATCHES_PER_ALARM; i++) {
      const batch = this.#nextBatch();
      if (!batch) break;
      try {
        await applyFlush(db, { counter, experiment: meta.experiment, seq: batch.seq, rows: batch.rows }, Date.now());
      } catch (err) {
        logEvent("error", "counter.flush", "FLUSH_FAILED", { experiment: meta.experiment, seq: batch.seq, error: describeError(err) });
        return { ok: false, error: describeError(err), batches, rows, pending: this.#pendingRows() };
      }
      // D1 has it (now, or from an earlier try whose answer was lost): the batch is done.
      sql.exec("DELETE FROM inflight WHERE seq = ?", batch.seq);
      batches++;
      rows += batch.rows.length;
    }
    sql.exec("DELETE FROM sources WHERE at < ?", Date.now() - SOURCE_MEMORY_MS);
    return { ok: true, batches, rows, pending: this.#pendingRows() };
  }

  /** What waits for D1 (pending and in flight), summed per row: diagnostics and tests. */
  unflushed(): TallyRow[] {
    if (!this.#exists()) return [];
    const sql = this.ctx.storage.sql;
    const rows = [
      ...sql.exec<RowColumns>(`SELECT arm, goal, day, ${COLUMNS} FROM pending`).toArray(),
      ...sql.exec<RowColumns>(`SELECT arm, goal, day, ${COLUMNS} FROM inflight`).toArray(),
    ];
    return rows.map(fromColumns);
  }

  /** The in-flight batch (a failed flush's, retried as it was), or a new one from pending. */
  #nextBatch(): { seq: number; rows: TallyRow[] } | null {
    const sql = this.ctx.storage.sql;
    const held = sql.exec<{ seq: number }>("SELECT MIN(seq) AS seq FROM inflight").one().seq;
    if (held !== null) {
      return { seq: held, rows: sql.exec<RowColumns>(`SELECT arm, goal, day, ${COLUMNS} FROM inflight WHERE seq = ?`, held).toArray().map(fromColumns) };
    }
    if (this.#pendingRows() === 0) return null;
    let seq = 0;
    this.ctx.storage.transactionSync(() => {
      seq = sql.exec<{ next_seq: number }>("SELECT next_seq FROM meta WHERE id = 1").one().next_seq;
      sql.exec("UPDATE meta SET next_seq = next_seq + 1 WHERE id = 1");
      const keys = sql.exec<{ arm: string; goal: string; day: string }>("SELECT arm, goal, day FROM pending ORDER BY day, arm, goal LIMIT ?", MAX_FLUSH_ROWS).toArray();
      for (const k of keys) {
        sql.exec(`INSERT INTO inflight (seq, arm, goal, day, ${COLUMNS}) SELECT ?, arm, goal, day, ${COLUMNS} FROM pending WHERE arm = ? AND goal = ? AND day = ?`, seq, k.arm, k.goal, k.day);
        sql.exec("DELETE FROM pending WHERE arm = ? AND goal = ? AND day = ?", k.arm, k.goal, k.day);
      }
    });
    return { seq, rows: sql.exec<RowColumns>(`SELECT arm, goal, day, ${COLUMNS} FROM inflight WHERE seq = ?`, seq).toArray().map(fromColumns) };
  }

  #pendingRows(): number {
    return this.ctx.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM pending").one().n;
  }

  #inflightRows(): number {
    return this.#exists() ? this.ctx.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM inflight").one().n : 0;
  }

  #exists(): boolean {
    if (this.#ready) return true;
    this.#ready = this.ctx.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'inflight'").toArray().length > 0;
    return this.#ready;
  }

  #ensure(experiment: string): void {
    if (this.#exists()) return;
    for (const s of SCHEMA) this.ctx.storage.sql.exec(s);
    this.ctx.storage.sql.exec("INSERT OR IGNORE INTO meta (id, experiment, next_seq) VALUES (1, ?, 1)", experiment);
    this.#ready = true;
  }
}

