/**
 * A visitor object's share of the experiment results. The object is the only place that
 * knows whether this visitor was already exposed to an experiment, already converted on a
 * goal, and their running value total, so it decides what counts:
 * - the first exposure to an experiment counts one unit for its arm (the unit stays in that
 *   arm for the results, whatever later pages show: intent to treat), and adds each arm's
 *   share in force to its expected units (the SRM expectation, right for bandits too);
 * - every page with the experiment's slot counts an impression, a click in one of its slots
 *   a click, for the unit's arm;
 * - a conversion after exposure on a declared goal counts for every experiment the visitor is
 *   in: a converted unit the first time per goal, the event, its value, and Σ(unit total)² kept
 *   exactly by adding 2·before·x + x² (see totalsFromRows); one on an undeclared goal counts only
 *   as dropped (goal DROPPED_GOAL), so a client cannot add goals, rows or a judged metric.
 *
 * The increments go into an outbox in the same transaction as the event, so an acknowledged
 * event's increments are durable here before the beacon is answered; `deliver` then sends
 * them to the experiments' counter objects, numbered, and deletes what a counter took. A
 * counter ignores numbers it has seen, so a redelivery after a lost answer counts once.
 *
 * Until a row is first offered to a counter, later increments for the same experiment, arm,
 * goal and day are added into it (a visitor's pages between two deliveries make one row, not
 * one each: less to send, less for the counter to sum). Once offered it is frozen (`sent`): a
 * row a counter may already have taken under its number must come back exactly as it was.
 *
 * @example
 * const tally = new ExperimentTally(ctx.storage, ctx.id.toString());
 * ctx.storage.transactionSync(() => { tally.expose(batch.exposures, now); tally.event(event); });
 * await tally.deliver(env.EXPERIMENT_COUNTER, 1000);
 */
import type { ExperimentCounter } from "../results-store/counter-object.ts";
import { delta, DROPPED_GOAL, fromColumns, utcDay, type AggregateColumns, type CounterDelivery, type Delta, type Exposure, type TallyRow } from "../results/tally.ts";
import { withinBudget } from "../timing.ts";
import type { VisitorEvent } from "./events.ts";
import { logEvent } from "../observability/log.ts";

export type CounterNamespace = DurableObjectNamespace<ExperimentCounter>;

const SCHEMA: readonly string[] = [
  // One row: this storage's epoch, so numbering restarts safely after an erasure.
  `CREATE TABLE IF NOT EXISTS xp_meta (id INTEGER PRIMARY KEY CHECK (id = 1), epoch TEXT NOT NULL)`,
  // The experiments this visitor is a unit of: first arm, its slots (JSON), first exposure.
  `CREATE TABLE IF NOT EXISTS xp_units (experiment TEXT PRIMARY KEY, arm TEXT NOT NULL, slots TEXT NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID`,
  // Per experiment and goal: the unit's running value total since exposure (row exists = converted).
  `CREATE TABLE IF NOT EXISTS xp_goals (experiment TEXT NOT NULL, goal TEXT NOT NULL, total REAL NOT NULL, PRIMARY KEY (experiment, goal)) WITHOUT ROWID`,
  // Increments not yet taken by a counter. AUTOINCREMENT: a number is never reused.
  // `sent`: offered to a counter at least once, so never changed again.
  `CREATE TABLE IF NOT EXISTS xp_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, experiment TEXT NOT NULL, arm TEXT NOT NULL, goal TEXT NOT NULL, day TEXT NOT NULL,
    units_exposed INTEGER NOT NULL, units_converted INTEGER NOT NULL, impressions INTEGER NOT NULL, clicks INTEGER NOT NULL,
    conversions INTEGER NOT NULL, value_sum REAL NOT NULL, value_sum_sq REAL NOT NULL, expected_units REAL NOT NULL,
    sent INTEGER NOT NULL DEFAULT 0)`,
];

/** An outbox from before rows were added into: every row it holds counts as offered (frozen); new rows say 0. */
const ADD_SENT = "ALTER TABLE xp_outbox ADD COLUMN sent INTEGER NOT NULL DEFAULT 1";

interface OutboxRow extends AggregateColumns {
  seq: number;
  experiment: string;
  [k: string]: SqlStorageValue;
}

/** Rows sent to one counter in one call, at most (an RPC argument stays small). */
const MAX_ROWS_PER_CALL = 500;

/** The goal a cart checkout counts under in experiment results. */
export const CHECKOUT_GOAL = "checkout";

export class ExperimentTally {
  readonly #storage: DurableObjectStorage;
  readonly #objectId: string;
  /** The unit tables exist (null: not looked at since start or reset). */
  #ready: boolean | null = null;
  /** The outbox exists (null: not looked at since start or reset). It may outlive the unit tables (erasure, see forget()). */
  #outboxReady: boolean | null = null;
  /** Deliveries run one at a time, so a counter sees this source's numbers in order. */
  #delivering: Promise<unknown> = Promise.resolve();
  /** The outbox changed since `takeAdded()` last asked. */
  #added = false;
  /**
   * The experiments this visitor is a unit of, and their arm (null: not read since start or
   * reset). Only this instance writes them, once each; a rolled-back write resets it (reset()).
   */
  #units: Map<string, string> | null = null;

  constructor(storage: DurableObjectStorage, objectId: string) {
    this.#storage = storage;
    this.#objectId = objectId;
  }

  /** Counts the page's exposures (inside the caller's transaction). */
  expose(exposures: readonly Exposure[], at: number): void {
    if (exposures.length === 0) return;
    this.#ensure();
    const sql = this.#storage.sql;
    const day = utcDay(at);
    const units = this.#knownUnits();
    for (const x of exposures) {
      const arm = units.get(x.experiment);
      if (arm !== undefined) {
        this.#outbox(x.experiment, arm, "", day, delta({ impressions: 1 }));
        continue;
      }
      sql.exec("INSERT INTO xp_units (experiment, arm, slots, at) VALUES (?, ?, ?, ?)", x.experiment, x.arm, JSON.stringify(x.slots), at);
      units.set(x.experiment, x.arm);
      this.#outbox(x.experiment, x.arm, "", day, delta({ unitsExposed: 1, impressions: 1, expectedUnits: x.shares[x.arm] ?? 0 }));
      for (const [category, share] of Object.entries(x.shares)) {
        if (category !== x.arm && share > 0) this.#outbox(x.experiment, category, "", day, delta({ expectedUnits: share }));
      }
    }
  }

  /**
   * Counts an accepted event for the experiments this visitor is in (inside the caller's
   * transaction). A conversion counts only on a goal the content declares (`goals`); any other
   * goal is dropped and counted as dropped, one row per experiment, arm and day whatever the
   * name, so invented goal names add no rows.
   */
  event(event: VisitorEvent, goals: ReadonlySet<string>): void {
    // A cart checkout is a conversion too (goal "checkout", its price the order value), as it
    // is for the visitor's own conversion count: an experiment must see the same conversions.
    const converted =
      event.type === "conversion"
        ? { goal: event.goal, value: event.value }
        : event.type === "cart" && event.action === "checkout"
          ? { goal: CHECKOUT_GOAL, value: event.price }
          : null;
    if (event.type !== "click" && !converted) return;
    if (!this.#exists()) return;
    const sql = this.#storage.sql;
    const units = sql.exec<{ experiment: string; arm: string; slots: string; at: number }>("SELECT experiment, arm, slots, at FROM xp_units").toArray();
    const day = utcDay(event.at);
    for (const u of units) {
      if (event.type === "click") {
        if (parseSlots(u.slots).includes(event.slot)) this.#outbox(u.experiment, u.arm, "", day, delta({ clicks: 1 }));
        continue;
      }
      if (!converted) continue;
      if (!goals.has(converted.goal)) {
        this.#outbox(u.experiment, u.arm, DROPPED_GOAL, day, delta({ conversions: 1 }));
        continue;
      }
      const x = converted.value ?? 0;
      const held = sql.exec<{ total: number }>("SELECT total FROM xp_goals WHERE experiment = ? AND goal = ?", u.experiment, converted.goal).toArray()[0];
      const before = held?.total ?? 0;
      sql.exec(
        "INSERT INTO xp_goals (experiment, goal, total) VALUES (?, ?, ?) ON CONFLICT (experiment, goal) DO UPDATE SET total = excluded.total",
        u.experiment,
        converted.goal,
        before + x,
      );
      // (before + x)² − before² = 2·before·x + x²: Σ over rows = Σ over units of (unit total)².
      this.#outbox(u.experiment, u.arm, converted.goal, day, delta({ unitsConverted: held ? 0 : 1, conversions: 1, valueSum: x, valueSumSq: 2 * before * x + x * x }));
    }
  }

  /** True when increments went into the outbox since the last call (a write then asks for a delivery). */
  takeAdded(): boolean {
    const added = this.#added;
    this.#added = false;
    return added;
  }

  /** Increments waiting for a counter. */
  pending(): number {
    if (!this.#hasOutbox()) return 0;
    return this.#storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM xp_outbox").one().n;
  }

  /**
   * Sends the outbox to the counters (one call per experiment, within `budgetMs`), deleting
   * what each took. Never throws: what is not taken stays for the next try.
   */
  deliver(ns: CounterNamespace | undefined, budgetMs: number): Promise<{ left: number }> {
    const run = this.#delivering.then(() => this.#deliverNow(ns, budgetMs));
    this.#delivering = run.catch(() => {});
    return run;
  }

  /** Forget the cached schema state (after the object's storage was erased, wholly or but the outbox). */
  reset(): void {
    this.#ready = null;
    this.#outboxReady = null;
    this.#units = null;
  }

  /** Experiment → arm of every unit held (one read per instance; the unit tables exist). */
  #knownUnits(): Map<string, string> {
    this.#units ??= new Map(this.#storage.sql.exec<{ experiment: string; arm: string }>("SELECT experiment, arm FROM xp_units").toArray().map((u) => [u.experiment, u.arm]));
    return this.#units;
  }

  /** The tables an erasure keeps while the outbox is undelivered: anonymous counts and their numbering, nothing about the visitor. */
  static readonly OUTBOX_TABLES: readonly string[] = ["xp_outbox", "xp_meta"];

  async #deliverNow(ns: CounterNamespace | undefined, budgetMs: number): Promise<{ left: number }> {
    if (!ns || !this.#hasOutbox()) return { left: this.pending() };
    const sql = this.#storage.sql;
    const rows = sql.exec<OutboxRow>("SELECT * FROM xp_outbox ORDER BY seq LIMIT ?", MAX_ROWS_PER_CALL * 4).toArray();
    if (rows.length === 0) return { left: 0 };
    const source = `${this.#objectId}:${this.#epoch()}`;
    const byExperiment = new Map<string, OutboxRow[]>();
    for (const r of rows) {
      const list = byExperiment.get(r.experiment) ?? [];
      if (list.length < MAX_ROWS_PER_CALL) list.push(r);
      byExperiment.set(r.experiment, list);
    }
    // Frozen before anything is sent (no await since the read): nothing is added into a row a counter may take.
    const offered = [...byExperiment.values()].flat().map((r) => r.seq);
    sql.exec("UPDATE xp_outbox SET sent = 1 WHERE sent = 0 AND seq IN (SELECT value FROM json_each(?))", JSON.stringify(offered));
    await Promise.all(
      [...byExperiment].map(async ([experiment, list]) => {
        const delivery: CounterDelivery = { source, experiment, rows: list.map(toTallyRow) };
        const r = await withinBudget(ns.get(ns.idFromName(experiment)).add(delivery), budgetMs);
        if (!r.ok) {
          logEvent("error", "tally.deliver", "TALLY_DELIVERY_FAILED", { experiment, reason: r.reason, error: String(r.error) });
          return;
        }
        // Only what was sent: rows added meanwhile keep their (higher) numbers for the next call.
        for (const row of list) sql.exec("DELETE FROM xp_outbox WHERE seq = ?", row.seq);
      }),
    );
    return { left: this.pending() };
  }

  /** Adds an increment into the row not yet offered for its experiment, arm, goal and day, or starts one. */
  #outbox(experiment: string, arm: string, goal: string, day: string, d: Delta): void {
    const sql = this.#storage.sql;
    const values = [d.unitsExposed, d.unitsConverted, d.impressions, d.clicks, d.conversions, d.valueSum, d.valueSumSq, d.expectedUnits];
    this.#hasOutbox();
    this.#added = true;
    const added = sql.exec(
      `UPDATE xp_outbox SET units_exposed = units_exposed + ?, units_converted = units_converted + ?, impressions = impressions + ?,
         clicks = clicks + ?, conversions = conversions + ?, value_sum = value_sum + ?, value_sum_sq = value_sum_sq + ?, expected_units = expected_units + ?
       WHERE sent = 0 AND experiment = ? AND arm = ? AND goal = ? AND day = ?`,
      ...values,
      experiment,
      arm,
      goal,
      day,
    ).rowsWritten;
    if (added > 0) return;
    sql.exec(
      `INSERT INTO xp_outbox (experiment, arm, goal, day, units_exposed, units_converted, impressions, clicks, conversions, value_sum, value_sum_sq, expected_units, sent)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
      experiment,
      arm,
      goal,
      day,
      ...values,
    );
  }

  #epoch(): string {
    return this.#storage.sql.exec<{ epoch: string }>("SELECT epoch FROM xp_meta WHERE id = 1").one().epoch;
  }

  #table(name: string): boolean {
    return this.#storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", name).toArray().length > 0;
  }

  #exists(): boolean {
    this.#ready ??= this.#table("xp_units");
    return this.#ready;
  }

  #hasOutbox(): boolean {
    if (this.#outboxReady === null) {
      const outbox = this.#storage.sql.exec<{ sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'xp_outbox'").toArray()[0];
      if (outbox && !/\bsent\b/.test(outbox.sql)) this.#storage.sql.exec(ADD_SENT);
      this.#outboxReady = outbox !== undefined;
    }
    return this.#outboxReady;
  }

  #ensure(): void {
    if (this.#exists() && this.#hasOutbox()) return;
    // Idempotent: after an erasure that kept the outbox, this adds the rest and keeps the epoch (numbering goes on).
    this.#hasOutbox();
    for (const s of SCHEMA) this.#storage.sql.exec(s);
    this.#storage.sql.exec("INSERT OR IGNORE INTO xp_meta (id, epoch) VALUES (1, ?)", crypto.randomUUID());
    this.#ready = true;
    this.#outboxReady = true;
  }
}

function toTallyRow(r: OutboxRow): TallyRow & { seq: number } {
  return { seq: r.seq, ...fromColumns(r) };
}

function parseSlots(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : [];
  } catch {
    return [];
  }
}
