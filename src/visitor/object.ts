/**
 * One visitor's memory: a SQLite-backed Durable Object with typed RPC methods, each a thin
 * shell over plain functions on SqlStorage (src/visitor/store/):
 *
 * - `snapshot()` answers the page path: the engine's VisitorSnapshot (one row read, ./store/row.ts,
 *   turned into a snapshot by ./store/snapshot.ts), with the memory itself when the edge asks for
 *   a copy to keep;
 * - `record()` writes a batch of events (deduplicated by id, rate-limited for beacons) folded
 *   into that row in one transaction (./store/record.ts); a signed-in visitor's object can take
 *   over an anonymous object's history on the way (./store/merge.ts, ./store/history.ts);
 * - `describe()` is the preference centre's read-out (./store/describe.ts), `setPreferences()`
 *   its write (./store/prefs.ts);
 * - `alarm()` delivers the experiment outbox and deletes the object once the visitor has been
 *   inactive for RETENTION_DAYS (./store/alarms.ts; idempotent: alarms are at-least-once),
 *   `forget()` deletes it now (./store/erase.ts).
 *
 * @example
 * const stub = env.VISITOR.get(env.VISITOR.idFromName("vid:0f3a…"));
 * await stub.record({ events: [{ type: "view", id, at: Date.now(), path: "/", topics: [] }] });
 * const snapshot = await stub.snapshot();
 */
import { DurableObject } from "cloudflare:workers";
import { getConfig } from "../config/config.ts";
import type { Prefs } from "../engine/types.ts";
import { describeError } from "../errors.ts";
import { logEvent } from "../observability/log.ts";
import type { VisitorDescription } from "./disclosure.ts";
import type { RecordBatch, RecordResult } from "./events.ts";
import { ExperimentTally } from "./experiment-tally.ts";
import { anonymousObjectName, visitorStub } from "./key.ts";
import { TokenBucket } from "./rate-limit.ts";
import type { VisitorHistory } from "./schema.ts";
import { nextAlarm, scheduleAfterWrite } from "./store/alarms.ts";
import { describeVisitor } from "./store/describe.ts";
import { deliverOutbox, eraseVisitor } from "./store/erase.ts";
import { exportHistory, importHistory } from "./store/history.ts";
import { emptyMemory, type Memory, type MemoryCopy } from "./store/memory.ts";
import { mergeHistory } from "./store/merge.ts";
import { writePreferences } from "./store/prefs.ts";
import { writeBatch } from "./store/record.ts";
import { loadMemory, saveMemory, type Loaded } from "./store/row.ts";
import { snapshotOf, type VisitorState } from "./store/snapshot.ts";
import { ensureSchema, hasSchema, isCurrent, readLayout, type Layout } from "./store/tables.ts";
import { trimMemory, trimSeen } from "./store/trim.ts";
import { VisitorChannels } from "./store/channels.ts";
import type { ServerBatch, ServerRecordResult } from "./store/server-memory.ts";

export type { VisitorState } from "./store/snapshot.ts";

interface Settings {
  retentionMs: number;
  halfLifeMs: number;
  cartAbandonMs: number;
}

const DEFAULTS: Settings = { retentionMs: 30 * 86_400_000, halfLifeMs: 7 * 86_400_000, cartAbandonMs: 30 * 60_000 };

/**
 * The deduplication ids are trimmed on every this-many writes and on the alarm: between trims
 * the table may exceed its bound by at most this many batches, and the trim's statements are
 * not paid on every page view. Every other bound holds on every write (./store/trim.ts).
 */
const PRUNE_EVERY = 8;

export interface SnapshotOptions {
  /** Epoch ms; the object's clock when absent. */
  now?: number;
  /** Overrides CART_ABANDON_MINUTES for this read. */
  cartAbandonMs?: number;
  /** Also answer the memory itself (`copy`), for the colo's copy of it (src/visitor/edge-copy.ts). */
  copy?: boolean;
}

/** A snapshot, with the memory it came from when asked for (`SnapshotOptions.copy`). */
export type SnapshotAnswer = VisitorState & { copy?: MemoryCopy };

export class VisitorObject extends DurableObject<Env> {
  /** The tables (null: not looked at since start, a schema change or erasure). */
  #layout: Layout | null = null;
  /** The layout last found current (so it is not checked again on every write). */
  #current: Layout | null = null;
  #bucket: TokenBucket | undefined;
  #settings: Settings | undefined;
  /** This visitor's part of the experiment results (src/visitor/experiment-tally.ts). */
  #tally: ExperimentTally | undefined;
  /** Writes since this instance started (a fresh instance trims the ids on its first). */
  #writes = 0;
  /**
   * The memory row as this instance last read or wrote it (undefined: ask storage). Only this
   * instance writes its storage, so it stays true until another write: every other writer, and
   * a write that fails (its transaction rolled back), drops it.
   */
  #memory: Loaded | null | undefined;
  /** Server events, a signed-in visitor's consent and outbound hooks (src/visitor/store/channels.ts). */
  #channels = new VisitorChannels(this.ctx.storage, this.ctx.id.name, this.env, () => this.#config());

  /** The visitor as the engine sees it, as of `now`, with their stated preferences. Reads only: never creates storage. */
  snapshot(options: SnapshotOptions = {}): SnapshotAnswer {
    const settings = this.#config();
    const loaded = this.#load();
    const snap: SnapshotAnswer = snapshotOf(loaded?.memory ?? null, options.now ?? Date.now(), settings, options.cartAbandonMs);
    // As of now: a copy's age counts from when this object last vouched for it.
    if (options.copy && loaded?.gen) snap.copy = { gen: loaded.gen, version: loaded.version, at: Date.now(), memory: loaded.memory };
    return snap;
  }

  /**
   * Records a batch: all of it or (over the rate limit) none of it. Events whose id was
   * already recorded are skipped and counted as duplicates.
   */
  async record(batch: RecordBatch): Promise<RecordResult> {
    const now = batch.now ?? Date.now();
    if (batch.rate) {
      if (!this.#bucket || this.#bucket.capacity !== batch.rate.perMinute) this.#bucket = new TokenBucket(batch.rate.perMinute, now);
      // A first page's exposure token costs what an event does: a flood of them is a flood.
      const taken = this.#bucket.take(batch.events.length + (batch.exposureKey !== undefined ? 1 : 0), now);
      if (!taken.ok) return { ok: false, code: "RATE_LIMITED", retryAfterS: taken.retryAfterS };
    }
    this.#ensureSchema();
    const merged = batch.mergeFrom ? await this.#merge(batch.mergeFrom, now) : false;
    const { sql } = this.ctx.storage;
    const tally = this.#results();
    const context = { sql, tally, halfLifeMs: this.#config().halfLifeMs, trimIds: this.#writes++ % PRUNE_EVERY === 0 };
    let written: ReturnType<typeof writeBatch>;
    try {
      written = this.ctx.storage.transactionSync(() => {
        const channelsDone = this.#channels.beginWebWrite(batch, now);
        const w = writeBatch(context, this.#load()?.memory ?? null, batch, now);
        channelsDone(w.statuses);
        return w;
      });
    } catch (err) {
      // Rolled back: what this instance remembers of its storage may be what was not written.
      this.#forgetHeld();
      tally.reset();
      throw err;
    }
    this.#memory = { memory: written.copy.memory, version: written.copy.version, gen: written.copy.gen };
    await scheduleAfterWrite(this.ctx.storage, { now, retentionMs: this.#config().retentionMs, deliver: tally.takeAdded() });
    await this.#channels.scheduleAlarm(now);
    const { copy, ...result } = written;
    return { ok: true, merged, ...result, ...(batch.copy ? { copy } : {}) };
  }

  /** A backend's events (POST /__p13n/events/server): once each, or none after the visitor's withdrawal. */
  async serverEvents(batch: ServerBatch): Promise<ServerRecordResult> {
    const memory = { load: () => this.#load()?.memory ?? emptyMemory(batch.now), save: (m: Memory) => saveMemory(this.ctx.storage.sql, m, Date.now()) };
    const result = this.#held(() => this.#channels.serverEvents(batch, () => this.#ensureSchema(), memory));
    if (result.ok) await scheduleAfterWrite(this.ctx.storage, { now: batch.now, retentionMs: this.#config().retentionMs, deliver: false });
    return result;
  }

  /** The signed-in visitor said no to tracking: waiting hooks go, server events stop (src/visitor/store/consent-state.ts). */
  withdraw(options: { now?: number; keep?: boolean } = {}): Promise<{ noted: boolean }> {
    return this.#held(() => this.#channels.withdraw(options, hasSchema(this.#tables())));
  }

  /** Everything this object holds (for a merge, and for "what is known about me"). */
  exportHistory(): VisitorHistory {
    return exportHistory(this.ctx.storage.sql, this.#tables(), this.#config().halfLifeMs);
  }

  /**
   * Sets (or, with null, clears) the visitor's stated preferences. The Worker validated
   * them; they count as activity for retention. Answers when it was done, by this object's clock.
   */
  async setPreferences(prefs: Prefs | null, now: number = Date.now()): Promise<{ statedPrefs: Prefs | null; at: number }> {
    this.#ensureSchema();
    this.#held(() => this.ctx.storage.transactionSync(() => writePreferences(this.ctx.storage.sql, this.#load()?.memory ?? null, prefs, now)));
    await scheduleAfterWrite(this.ctx.storage, { now, retentionMs: this.#config().retentionMs, deliver: false });
    // By this object's clock, after the write: a copy of the memory from before is older.
    return { statedPrefs: prefs, at: Date.now() };
  }

  /** What this object holds, summarized for its visitor (/__p13n/me). Reads only. */
  async describe(options: { now?: number } = {}): Promise<VisitorDescription> {
    const alarm = await this.ctx.storage.getAlarm();
    const { halfLifeMs, retentionMs } = this.#config();
    return describeVisitor(this.ctx.storage.sql, this.#tables(), { now: options.now ?? Date.now(), halfLifeMs, retentionMs, alarm });
  }

  /**
   * Erases this visitor, now (./store/erase.ts: the outbox is offered to the counters first).
   * Answers when it was done, by this object's clock: memory written before is older.
   */
  async forget(): Promise<{ erasedAt: number }> {
    const erasedAt = await this.#held(() => eraseVisitor(this.ctx.storage, this.#results(), this.env.EXPERIMENT_COUNTER));
    this.#layout = null;
    this.#bucket = undefined;
    return { erasedAt };
  }

  /** Retention: erase when inactive long enough, else look again at the deadline. Idempotent. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    // First the experiment counts a counter did not take at write time (idempotent: numbered).
    const undelivered = await deliverOutbox(this.ctx.storage, this.#results(), this.env.EXPERIMENT_COUNTER);
    // Then the outbound hooks: an abandoned cart queued, what is due sent (./store/channels.ts).
    await this.#channels.run(now);
    const forget = async () => void (await this.forget());
    if (!hasSchema(this.#tables())) {
      // Erased (or never written): what may be left is an undelivered outbox; the retry alarm is
      // set for it. Once it is delivered, nothing is left and the object goes entirely (a
      // withdrawal's note but, until its own end).
      if (undelivered === 0) await this.#channels.eraseKeepingRefusal(now, forget);
      return;
    }
    const { sql } = this.ctx.storage;
    const row = sql.exec<{ last_active: number }>("SELECT last_active FROM visitor WHERE id = 1").toArray()[0];
    const deadline = (row?.last_active ?? 0) + this.#config().retentionMs;
    if (!row || now >= deadline) {
      await this.#channels.eraseKeepingRefusal(now, forget);
      return;
    }
    this.ctx.storage.transactionSync(() => trimSeen(sql, now));
    await this.ctx.storage.setAlarm(Math.min(nextAlarm(now, deadline, undelivered), this.#channels.nextAlarm(now) ?? Infinity));
  }

  #merge(visitorId: string, now: number): Promise<boolean> {
    const { storage } = this.ctx;
    const take = (history: VisitorHistory) =>
      this.#held(() =>
        storage.transactionSync(() => {
          const m = this.#load()?.memory ?? emptyMemory(now);
          importHistory(storage.sql, m, history, this.#config().halfLifeMs);
          trimMemory(m, now);
          saveMemory(storage.sql, m, Date.now());
        }),
      );
    return mergeHistory({ sql: storage.sql, take, other: () => visitorStub(this.env.VISITOR, anonymousObjectName(visitorId)) }, visitorId, now);
  }

  #load(): Loaded | null {
    if (this.#memory === undefined) this.#memory = loadMemory(this.ctx.storage.sql, this.#tables(), this.#config().halfLifeMs);
    return this.#memory;
  }

  /**
   * Runs a write other than record()'s: what this instance held of its storage is dropped
   * before it and again once it is done (an asynchronous one: once it settles).
   */
  #held<T>(write: () => T): T {
    this.#forgetHeld();
    let out: T;
    try {
      out = write();
    } finally {
      this.#forgetHeld();
    }
    if (out instanceof Promise) return out.finally(() => this.#forgetHeld()) as T;
    return out;
  }

  #forgetHeld(): void {
    this.#memory = undefined;
    this.#channels.forgetConsent();
  }

  #tables(): Layout {
    this.#layout ??= readLayout(this.ctx.storage.sql);
    return this.#layout;
  }

  #results(): ExperimentTally {
    this.#tally ??= new ExperimentTally(this.ctx.storage, this.ctx.id.toString());
    return this.#tally;
  }

  /** Creates what is missing; an older object's tables are folded into its memory row here, once. */
  #ensureSchema(): void {
    const layout = this.#tables();
    if (layout === this.#current) return;
    if (isCurrent(layout)) {
      this.#current = layout;
      return;
    }
    const { storage } = this.ctx;
    this.#held(() =>
      storage.transactionSync(() => {
        const migrated = ensureSchema(storage.sql, layout, this.#config().halfLifeMs);
        if (migrated) saveMemory(storage.sql, migrated, Date.now());
      }),
    );
    this.#layout = null;
  }

  #config(): Settings {
    if (!this.#settings) {
      try {
        const c = getConfig(this.env);
        this.#settings = { retentionMs: c.retentionDays * 86_400_000, halfLifeMs: c.interestHalfLifeMs, cartAbandonMs: c.cartAbandonMs };
      } catch (err) {
        // A config error elsewhere (say, a bad PROFILE_ALG) must not stop retention.
        logEvent("error", "visitor.config", "CONFIG_INVALID", { error: describeError(err) });
        this.#settings = DEFAULTS;
      }
    }
    return this.#settings;
  }
}
