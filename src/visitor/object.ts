/**
 * One visitor's memory: a SQLite-backed Durable Object with typed RPC methods.
 *
 * - `snapshot()` answers the page path: the engine's VisitorSnapshot, interests decayed to now.
 * - `record()` takes a batch of events (deduplicated by id, rate-limited for beacons) and
 *   keeps the aggregates up to date in the same transaction; a signed-in visitor's object
 *   can take over an anonymous object's history on the way (`mergeFrom`).
 * - `alarm()` deletes the object once the visitor has been inactive for RETENTION_DAYS
 *   (idempotent: alarms are at-least-once), `forget()` deletes it now.
 *
 * @example
 * const stub = env.VISITOR.get(env.VISITOR.idFromName("vid:0f3a…"));
 * await stub.record({ events: [{ type: "view", id, at: Date.now(), path: "/", topics: [] }] });
 * const snapshot = await stub.snapshot();
 */
import { DurableObject } from "cloudflare:workers";
import { getConfig } from "../config/config.ts";
import { campaignKey, impressionKey } from "../engine/caps.ts";
import type { Prefs, VisitorSnapshot } from "../engine/types.ts";
import { describeError } from "../errors.ts";
import { boundLastPage, type Interaction, type Json, type LastPage, type VisitorDescription } from "./disclosure.ts";
import type { EventStatus, RecordBatch, RecordResult, VisitorEvent } from "./events.ts";
import { ExperimentTally } from "./experiment-tally.ts";
import { addSignal, decayed, INTEREST_WEIGHTS, scaledInterest } from "./interest.ts";
import { anonymousObjectName, visitorStub } from "./key.ts";
import { TokenBucket } from "./rate-limit.ts";
import {
  DEDUP_WINDOW_MS,
  IMPRESSION_WINDOW_MS,
  MAX_CART_LINES,
  MAX_EVENTS,
  MAX_IMPRESSIONS_PER_KEY,
  MAX_SEEN_IDS,
  MAX_TOPICS,
  MAX_VIEW_ROWS,
  NEWEST_TABLE,
  RECENT_WINDOW_MS,
  SCHEMA,
  SESSION_GAP_MS,
  type VisitorHistory,
  type VisitorRow,
} from "./schema.ts";
import { logEvent } from "../observability/log.ts";
import { VisitorChannels } from "./store/channels.ts";
import { serverFacts, type ServerBatch, type ServerRecordResult } from "./store/server-memory.ts";
import { applyCartEvent, cartLineCount, cartSnapshot, describeCart, exportCart, importCart, pruneCart, upgradeLegacyCart } from "./store/cart.ts";

/** An alarm is never set closer than this: a long-idle object that wakes up gets a grace hour. */
const MIN_ALARM_DELAY_MS = 3_600_000;

interface Settings {
  retentionMs: number;
  halfLifeMs: number;
  cartAbandonMs: number;
}

const DEFAULTS: Settings = { retentionMs: 30 * 86_400_000, halfLifeMs: 7 * 86_400_000, cartAbandonMs: 30 * 60_000 };

/** What the page path reads: the engine's snapshot, and the visitor's own stated preferences. */
export type VisitorState = VisitorSnapshot & { statedPrefs?: Prefs };

/** How long a write waits for the experiment counters before leaving increments in the outbox. */
const DELIVERY_BUDGET_MS = 500;
/** An outbox a counter did not take is offered again this much later (by the alarm). */
const DELIVERY_RETRY_MS = 30_000;
/**
 * Experiment increments wait this long in the (durable) outbox, so one counter call carries
 * every page a visitor sees meanwhile: a counter object is shared by all of an experiment's
 * visitors, and one call per page view would make it the bottleneck.
 */
const DELIVERY_DELAY_MS = 15_000;
/**
 * The other tables (dedup ids, views, impressions, interests, cart) are trimmed to their
 * bounds on every this-many writes and on the alarm: between trims one may exceed its bound
 * by at most this many batches, and the trim's statements are not paid on every page view.
 */
const PRUNE_EVERY = 8;

/** Recent interactions the preference centre lists. */
const DESCRIBE_RECENT = 20;

export interface SnapshotOptions {
  /** Epoch ms; the object's clock when absent. */
  now?: number;
  /** Overrides CART_ABANDON_MINUTES for this read. */
  cartAbandonMs?: number;
}

export class VisitorObject extends DurableObject<Env> {
  /** The schema exists (null: not checked yet since start or erasure). */
  #ready: boolean | null = null;
  #bucket: TokenBucket | undefined;
  /** Tables that exist (null: not looked at since start, a schema change or erasure). */
  #tables: Set<string> | null = null;
  #settings: Settings | undefined;
  /** This visitor's part of the experiment results (src/visitor/experiment-tally.ts). */
  #tally: ExperimentTally | undefined;
  /** Writes since this instance last trimmed the tables (in memory: a fresh instance trims first). */
  #writesSincePrune = 0;
  /** Server events, a signed-in visitor's consent and outbound hooks (src/visitor/store/channels.ts). */
  #channels = new VisitorChannels(this.ctx.storage, this.ctx.id.name, this.env, () => this.#config());

  /** The visitor as the engine sees it, as of `now`, with their stated preferences. Reads only: never creates storage. */
  snapshot(options: SnapshotOptions = {}): VisitorState {
    const now = options.now ?? Date.now();
    if (!this.#hasSchema()) return { visits: 1 };
    const settings = this.#config();
    const sql = this.ctx.storage.sql;
    const row = sql.exec<VisitorRow>("SELECT * FROM visitor WHERE id = 1").toArray()[0];
    const snap: VisitorState = {};
    const stated = this.#statedPrefs();
    if (stated) snap.statedPrefs = stated.prefs;

    // A view more than a session gap ago means this request starts a new visit.
    const newVisit = row?.last_view == null || now - row.last_view >= SESSION_GAP_MS;
    snap.visits = (row?.visits ?? 0) + (newVisit ? 1 : 0);
    const lastVisit = newVisit ? row?.visit_start : row?.prev_visit_start;
    if (lastVisit != null) snap.lastVisitAt = lastVisit;
    snap.conversions = row?.conversions ?? 0;
    if (row?.last_conversion_at != null) snap.lastConversionAt = row.last_conversion_at;
    snap.openServiceCase = row?.open_case === 1;
    Object.assign(snap, serverFacts(sql, snap.openServiceCase));

    const recent: Record<string, number> = {};
    for (const v of sql.exec<{ key: string; n: number }>("SELECT key, COUNT(*) AS n FROM views WHERE at > ? GROUP BY key", now - RECENT_WINDOW_MS)) {
      recent[v.key] = v.n;
    }
    snap.recentViews = recent;

    const interests: Record<string, number> = {};
    for (const i of sql.exec<{ topic: string; score: number; at: number }>("SELECT topic, score, at FROM interests")) {
      const value = scaledInterest(decayed(i.score, i.at, now, settings.halfLifeMs));
      if (value >= 0.001) interests[i.topic] = Math.round(value * 1000) / 1000;
    }
    snap.interests = interests;

    const abandonAfterMs = options.cartAbandonMs ?? settings.cartAbandonMs;
    snap.cart = cartSnapshot(sql, { now, updatedAt: row?.cart_updated_at, abandonAfterMs, has: (t) => this.#hasTable(t) });

    const impressions: Record<string, number[]> = {};
    for (const i of sql.exec<{ key: string; at: number }>("SELECT key, at FROM impressions WHERE at > ? ORDER BY at", now - IMPRESSION_WINDOW_MS)) {
      (impressions[i.key] ??= []).push(i.at);
    }
    snap.impressions = impressions;
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
    const settings = this.#config();
    let accepted = 0;
    let duplicates = 0;
    const statuses: EventStatus[] = [];
    let exposure: EventStatus | undefined;
    const goals = new Set(batch.goals ?? []);
    this.ctx.storage.transactionSync(() => {
      const sql = this.ctx.storage.sql;
      sql.exec("INSERT OR IGNORE INTO visitor (id, last_active) VALUES (1, ?)", now);
      const channelsDone = this.#channels.beginWebWrite(batch, now);
      // The experiment exposures (a page view's, or a first page's token), before the events: a
      // conversion sent with the token counts for the arm the token makes the visitor a unit of.
      // A token counts once (its key among the seen ids); first exposure per experiment is once
      // anyway (ExperimentTally), whichever of the token and a page view comes first.
      if (batch.exposures) {
        const fresh = batch.exposureKey === undefined || sql.exec("INSERT OR IGNORE INTO seen (id, at) VALUES (?, ?)", batch.exposureKey, now).rowsWritten > 0;
        if (fresh) this.#results().expose(batch.exposures, batch.exposedAt ?? now);
        if (batch.exposureKey !== undefined) exposure = fresh ? "accepted" : "duplicate";
      }
      for (const event of batch.events) {
        // One statement both checks and remembers the id: nothing written means seen before.
        if (sql.exec("INSERT OR IGNORE INTO seen (id, at) VALUES (?, ?)", event.id, now).rowsWritten === 0) {
          duplicates++;
          statuses.push("duplicate");
          continue;
        }
        this.#apply(event, settings);
        this.#results().event(event, goals);
        const { id, type, at, ...data } = event;
        sql.exec("INSERT INTO events (id, type, at, data) VALUES (?, ?, ?, ?)", id, type, at, JSON.stringify(data));
        accepted++;
        statuses.push("accepted");
      }
      channelsDone(statuses);
      sql.exec("UPDATE visitor SET last_active = MAX(last_active, ?) WHERE id = 1", now);
      // Why the page showed what it showed: one row, replaced by every page (same write).
      if (batch.lastPage) sql.exec("INSERT OR REPLACE INTO last_page (id, data) VALUES (1, ?)", JSON.stringify(boundLastPage(batch.lastPage)));
      // The event history's bound is exact (what "the last 200 events" promises); the rest amortized.
      sql.exec("DELETE FROM events WHERE seq <= (SELECT MAX(seq) FROM events) - ?", MAX_EVENTS);
      if (this.#writesSincePrune++ % PRUNE_EVERY === 0) this.#prune(now);
    });
    await this.#ensureAlarm(now);
    await this.#scheduleDelivery();
    await this.#channels.scheduleAlarm(now);
    return { ok: true, accepted, duplicates, merged, statuses, ...(exposure ? { exposure } : {}) };
  }

  /** Everything this object holds (for a merge, and for "what is known about me"). */
  exportHistory(): VisitorHistory {
    if (!this.#hasSchema()) return { visitor: null, interests: [], views: [], impressions: [], cart: [], events: [], seen: [] };
    const sql = this.ctx.storage.sql;
    return {
      visitor: sql.exec<VisitorRow>("SELECT * FROM visitor WHERE id = 1").toArray()[0] ?? null,
      interests: sql.exec<{ topic: string; score: number; at: number }>("SELECT topic, score, at FROM interests").toArray(),
      views: sql.exec<{ key: string; at: number }>("SELECT key, at FROM views ORDER BY at").toArray(),
      impressions: sql.exec<{ key: string; at: number }>("SELECT key, at FROM impressions ORDER BY at").toArray(),
      cart: exportCart(sql, (t) => this.#hasTable(t)),
      events: sql.exec<{ id: string; type: string; at: number; data: string }>("SELECT id, type, at, data FROM events ORDER BY seq").toArray(),
      seen: sql.exec<{ id: string; at: number }>("SELECT id, at FROM seen").toArray(),
      prefs: this.#hasTable("prefs") ? (sql.exec<{ data: string; at: number }>("SELECT data, at FROM prefs WHERE id = 1").toArray()[0] ?? null) : null,
    };
  }

  /** A backend's events (POST /__p13n/events/server): once each, or none after the visitor's withdrawal. */
  async serverEvents(batch: ServerBatch): Promise<ServerRecordResult> {
    const result = this.#channels.serverEvents(batch, () => this.#ensureSchema());
    if (result.ok) await this.#ensureAlarm(batch.now);
    return result;
  }

  /** The signed-in visitor said no to tracking: waiting hooks go, server events stop (src/visitor/store/consent-state.ts). */
  withdraw(options: { now?: number; keep?: boolean } = {}): Promise<{ noted: boolean }> {
    return this.#channels.withdraw(options, this.#hasSchema());
  }

  /**
   * Sets (or, with null, clears) the visitor's stated preferences. The Worker validated
   * them; they count as activity for retention.
   */
  async setPreferences(prefs: Prefs | null, now: number = Date.now()): Promise<{ statedPrefs: Prefs | null }> {
    this.#ensureSchema();
    this.ctx.storage.transactionSync(() => {
      const sql = this.ctx.storage.sql;
      sql.exec("INSERT OR IGNORE INTO visitor (id, last_active) VALUES (1, ?)", now);
      if (prefs === null) sql.exec("DELETE FROM prefs");
      else sql.exec("INSERT OR REPLACE INTO prefs (id, data, at) VALUES (1, ?, ?)", JSON.stringify(prefs), now);
      sql.exec("UPDATE visitor SET last_active = MAX(last_active, ?) WHERE id = 1", now);
    });
    await this.#ensureAlarm(now);
    return { statedPrefs: prefs };
  }

  /** What this object holds, summarized for its visitor (/__p13n/me). Reads only. */
  async describe(options: { now?: number } = {}): Promise<VisitorDescription> {
    const now = options.now ?? Date.now();
    const deleteAt = await this.ctx.storage.getAlarm();
    const empty: VisitorDescription = {
      stored: false,
      statedPrefs: null,
      statedAt: null,
      interests: [],
      recent: [],
      visits: 0,
      firstSeen: null,
      lastActive: null,
      cart: [],
      conversions: 0,
      lastPage: null,
      counts: { events: 0, views: 0, impressions: 0, interests: 0, cartLines: 0 },
      deleteAt,
    };
    if (!this.#hasSchema()) return empty;
    const sql = this.ctx.storage.sql;
    const row = sql.exec<VisitorRow>("SELECT * FROM visitor WHERE id = 1").toArray()[0];
    if (!row) return empty;
    const halfLifeMs = this.#config().halfLifeMs;
    const interests = sql
      .exec<{ topic: string; score: number; at: number }>("SELECT topic, score, at FROM interests")
      .toArray()
      .map((i) => ({ topic: i.topic, score: Math.round(scaledInterest(decayed(i.score, i.at, now, halfLifeMs)) * 1000) / 1000 }))
      .filter((i) => i.score >= 0.001)
      .sort((a, b) => b.score - a.score);
    const recent: Interaction[] = sql
      .exec<{ type: string; at: number; data: string }>("SELECT type, at, data FROM events ORDER BY seq DESC LIMIT ?", DESCRIBE_RECENT)
      .toArray()
      .map((e) => ({ type: e.type, at: e.at, data: parseObject(e.data) as { [key: string]: Json } }));
    const count = (table: string) => sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).one().n;
    const stated = this.#statedPrefs();
    const last = this.#hasTable("last_page") ? sql.exec<{ data: string }>("SELECT data FROM last_page WHERE id = 1").toArray()[0] : undefined;
    const first = sql.exec<{ at: number | null }>("SELECT MIN(at) AS at FROM events").one().at;
    return {
      stored: true,
      statedPrefs: stated?.prefs ?? null,
      statedAt: stated?.at ?? null,
      interests,
      recent,
      visits: row.visits,
      firstSeen: first ?? row.visit_start ?? row.last_active,
      lastActive: row.last_active,
      cart: describeCart(sql, (t) => this.#hasTable(t)),
      conversions: row.conversions,
      lastPage: last ? (parseObject(last.data) as unknown as LastPage) : null,
      counts: { events: count("events"), views: count("views"), impressions: count("impressions"), interests: count("interests"), cartLines: cartLineCount(sql, (t) => this.#hasTable(t)) },
      deleteAt,
    };
  }

  /**
   * Erases this visitor, now. The rule (README "Erasure and the experiment outbox"): every
   * personal table goes at once; the experiment outbox — anonymous counts already acknowledged
   * to the visitor (experiment × arm × goal × day sums, no id, no path, no event) — is handed to
   * the counters first. If a counter cannot take it now, the outbox alone stays, with the
   * alarm, until a counter takes it (every DELIVERY_RETRY_MS); then the object is deleted
   * entirely. So erasure never waits on a counter, and no acknowledged count is lost.
   */
  async forget(): Promise<void> {
    const tally = this.#results();
    const left = tally.pending() > 0 ? (await tally.deliver(this.env.EXPERIMENT_COUNTER, DELIVERY_BUDGET_MS)).left : 0;
    if (left === 0) {
      await this.ctx.storage.deleteAlarm();
      await this.ctx.storage.deleteAll();
    } else {
      this.ctx.storage.transactionSync(() => this.#dropAllBut(ExperimentTally.OUTBOX_TABLES));
      await this.ctx.storage.setAlarm(Date.now() + DELIVERY_RETRY_MS);
    }
    tally.reset();
    this.#ready = null;
    this.#tables = null;
    this.#bucket = undefined;
  }

  /** Drops every table of this object but `keep` (SQLite's and the platform's own are not ours to drop). */
  #dropAllBut(keep: readonly string[]): void {
    const sql = this.ctx.storage.sql;
    const tables = sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'")
      .toArray()
      .map((r) => r.name)
      .filter((name) => !keep.includes(name));
    for (const name of tables) sql.exec(`DROP TABLE IF EXISTS "${name.replace(/"/g, '""')}"`);
  }

  /** Retention: erase when inactive long enough, else look again at the deadline. Idempotent. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    // First the experiment counts a counter did not take at write time (idempotent: numbered).
    const undelivered = await this.#deliverResults();
    await this.#channels.run(now);
    if (!this.#hasSchema()) {
      // Erased (or never written): what may be left is an undelivered outbox; the retry alarm is
      // set for it. Once it is delivered, nothing is left and the object goes entirely (a
      // withdrawal's note but, until its own end).
      if (undelivered === 0) await this.#channels.eraseKeepingRefusal(now, () => this.forget());
      return;
    }
    const row = this.ctx.storage.sql.exec<{ last_active: number }>("SELECT last_active FROM visitor WHERE id = 1").toArray()[0];
    const deadline = (row?.last_active ?? 0) + this.#config().retentionMs;
    if (row && now < deadline) this.ctx.storage.transactionSync(() => this.#prune(now));
    if (!row || now >= deadline) {
      await this.#channels.eraseKeepingRefusal(now, () => this.forget());
      return;
    }
    const next = undelivered > 0 ? Math.min(deadline, now + DELIVERY_RETRY_MS) : deadline;
    await this.ctx.storage.setAlarm(Math.min(next, this.#channels.nextAlarm(now) ?? Infinity));
  }

  #apply(event: VisitorEvent, settings: Settings): void {
    const sql = this.ctx.storage.sql;
    switch (event.type) {
      case "view": {
        const row = sql.exec<{ visit_start: number | null; last_view: number | null }>("SELECT visit_start, last_view FROM visitor WHERE id = 1").one();
        if (row.last_view === null || event.at - row.last_view >= SESSION_GAP_MS) {
          sql.exec("UPDATE visitor SET visits = visits + 1, prev_visit_start = visit_start, visit_start = ? WHERE id = 1", event.at);
        }
        sql.exec("UPDATE visitor SET last_view = MAX(COALESCE(last_view, 0), ?) WHERE id = 1", event.at);
        const keys = new Set(event.category ? [event.category, ...event.topics] : event.topics);
        for (const key of keys) sql.exec("INSERT INTO views (key, at) VALUES (?, ?)", key, event.at);
        this.#interest(event.topics, INTEREST_WEIGHTS.view, event.at, settings);
        break;
      }
      case "impression":
        // Viewable impressions (client) stay in the history; caps count what was served.
        if (event.served) {
          sql.exec("INSERT INTO impressions (key, at) VALUES (?, ?)", impressionKey(event.slot, event.variant), event.at);
          if (event.campaign) sql.exec("INSERT INTO impressions (key, at) VALUES (?, ?)", campaignKey(event.campaign), event.at);
        }
        break;
      case "click":
        this.#interest(event.topics, INTEREST_WEIGHTS.click, event.at, settings);
        break;
      case "conversion":
        this.#conversion(event.at);
        this.#interest(event.topics, INTEREST_WEIGHTS.conversion, event.at, settings);
        break;
      case "cart":
        this.#cart(event);
        if (event.action === "add") this.#interest(event.topics, INTEREST_WEIGHTS.cart, event.at, settings);
        break;
      case "service_case":
        sql.exec("UPDATE visitor SET open_case = ? WHERE id = 1", event.open ? 1 : 0);
        break;
      case "custom":
        break;
    }
  }

  #conversion(at: number): void {
    this.ctx.storage.sql.exec(
      "UPDATE visitor SET conversions = conversions + 1, last_conversion_at = MAX(COALESCE(last_conversion_at, 0), ?) WHERE id = 1",
      at,
    );
  }

  #cart(event: Extract<VisitorEvent, { type: "cart" }>): void {
    const sql = this.ctx.storage.sql;
    applyCartEvent(sql, event);
    // A checkout is a conversion too.
    if (event.action === "checkout") this.#conversion(event.at);
    sql.exec("UPDATE visitor SET cart_updated_at = MAX(COALESCE(cart_updated_at, 0), ?) WHERE id = 1", event.at);
  }

  #interest(topics: readonly string[], weight: number, at: number, settings: Settings): void {
    const sql = this.ctx.storage.sql;
    for (const topic of new Set(topics)) {
      const stored = sql.exec<{ score: number; at: number }>("SELECT score, at FROM interests WHERE topic = ?", topic).toArray()[0];
      const next = addSignal(stored, weight, at, settings.halfLifeMs);
      sql.exec("INSERT OR REPLACE INTO interests (topic, score, at) VALUES (?, ?, ?)", topic, next.score, next.at);
    }
  }

  /** Keeps every table within its bound (runs inside the write's transaction). */
  #prune(now: number): void {
    const sql = this.ctx.storage.sql;
    sql.exec("DELETE FROM events WHERE seq <= (SELECT MAX(seq) FROM events) - ?", MAX_EVENTS);
    sql.exec("DELETE FROM seen WHERE at <= ?", now - DEDUP_WINDOW_MS);
    sql.exec("DELETE FROM seen WHERE id IN (SELECT id FROM seen ORDER BY at DESC LIMIT -1 OFFSET ?)", MAX_SEEN_IDS);
    sql.exec("DELETE FROM views WHERE at <= ?", now - RECENT_WINDOW_MS);
    sql.exec("DELETE FROM views WHERE rowid IN (SELECT rowid FROM views ORDER BY at DESC LIMIT -1 OFFSET ?)", MAX_VIEW_ROWS);
    sql.exec("DELETE FROM impressions WHERE at <= ?", now - IMPRESSION_WINDOW_MS);
    sql.exec(
      `DELETE FROM impressions WHERE rowid IN (
         SELECT rowid FROM (SELECT rowid, ROW_NUMBER() OVER (PARTITION BY key ORDER BY at DESC) AS n FROM impressions) WHERE n > ?)`,
      MAX_IMPRESSIONS_PER_KEY,
    );
    // Interests: keep the strongest topics (raw score: close enough to decayed for a bound).
    sql.exec("DELETE FROM interests WHERE topic IN (SELECT topic FROM interests ORDER BY score DESC LIMIT -1 OFFSET ?)", MAX_TOPICS);
    pruneCart(sql, MAX_CART_LINES, (t) => this.#hasTable(t));
  }

  /**
   * Takes over an anonymous object's history, once per visit: export, import here in one
   * transaction, then erase there. The "merged" mark is written before the export is awaited:
   * while this object waits for the other one, concurrent page views of the same visitor run
   * here too, and each would otherwise import the same history again. Fails open: a failed
   * merge is logged, its mark taken back (the next page tries again), and the write goes on.
   */
  async #merge(visitorId: string, now: number): Promise<boolean> {
    const sql = this.ctx.storage.sql;
    const last = sql.exec<{ at: number }>("SELECT at FROM merged WHERE vid = ?", visitorId).toArray()[0];
    if (last && now - last.at < SESSION_GAP_MS) return false;
    sql.exec("INSERT OR REPLACE INTO merged (vid, at) VALUES (?, ?)", visitorId, now);
    const other = visitorStub(this.env.VISITOR, anonymousObjectName(visitorId));
    let history: VisitorHistory;
    try {
      history = await other.exportHistory();
      const halfLifeMs = this.#config().halfLifeMs;
      this.ctx.storage.transactionSync(() => {
        sql.exec("INSERT OR IGNORE INTO visitor (id, last_active) VALUES (1, ?)", now);
        this.#import(history, halfLifeMs);
      });
    } catch (err) {
      logEvent("error", "visitor.merge", "MERGE_FAILED", { error: describeError(err) });
      // Nothing was imported: take back this attempt's own mark (a later merge's newer one stays).
      sql.exec("DELETE FROM merged WHERE vid = ? AND at = ?", visitorId, now);
      if (last) sql.exec("INSERT OR IGNORE INTO merged (vid, at) VALUES (?, ?)", visitorId, last.at);
      return false;
    }
    // Imported: the mark stays even if the erasure there fails (the history is here now).
    try {
      if (history.visitor) await other.forget();
    } catch (err) {
      logEvent("error", "visitor.merge.forget", "MERGE_FORGET_FAILED", { error: describeError(err) });
    }
    return true;
  }

  #import(h: VisitorHistory, halfLifeMs: number): void {
    const sql = this.ctx.storage.sql;
    const v = h.visitor;
    if (v) {
      sql.exec(
        `UPDATE visitor SET
           visits = visits + ?,
           visit_start = COALESCE(visit_start, ?),
           prev_visit_start = COALESCE(prev_visit_start, ?),
           last_view = MAX(COALESCE(last_view, 0), COALESCE(?, 0)),
           last_active = MAX(last_active, ?),
           conversions = conversions + ?,
           last_conversion_at = NULLIF(MAX(COALESCE(last_conversion_at, 0), COALESCE(?, 0)), 0),
           open_case = MAX(open_case, ?),
           cart_updated_at = NULLIF(MAX(COALESCE(cart_updated_at, 0), COALESCE(?, 0)), 0)
         WHERE id = 1`,
        v.visits,
        v.visit_start,
        v.prev_visit_start,
        v.last_view,
        v.last_active,
        v.conversions,
        v.last_conversion_at,
        v.open_case,
        v.cart_updated_at,
      );
    }
    for (const i of h.interests) {
      const stored = sql.exec<{ score: number; at: number }>("SELECT score, at FROM interests WHERE topic = ?", i.topic).toArray()[0];
      const next = addSignal(stored, i.score, i.at, halfLifeMs);
      sql.exec("INSERT OR REPLACE INTO interests (topic, score, at) VALUES (?, ?, ?)", i.topic, next.score, next.at);
    }
    for (const r of h.views) sql.exec("INSERT INTO views (key, at) VALUES (?, ?)", r.key, r.at);
    for (const r of h.impressions) sql.exec("INSERT INTO impressions (key, at) VALUES (?, ?)", r.key, r.at);
    importCart(sql, h.cart);
    for (const e of h.events) sql.exec("INSERT INTO events (id, type, at, data) VALUES (?, ?, ?, ?)", e.id, e.type, e.at, e.data);
    for (const s of h.seen) sql.exec("INSERT OR IGNORE INTO seen (id, at) VALUES (?, ?)", s.id, s.at);
    // Preferences stated before signing in: the newer statement wins.
    if (h.prefs) {
      sql.exec(
        `INSERT INTO prefs (id, data, at) VALUES (1, ?, ?)
         ON CONFLICT (id) DO UPDATE SET data = excluded.data, at = excluded.at WHERE excluded.at > prefs.at`,
        h.prefs.data,
        h.prefs.at,
      );
    }
  }

  /** The stated preferences row, when there is one. */
  #statedPrefs(): { prefs: Prefs; at: number } | null {
    if (!this.#hasTable("prefs")) return null;
    const row = this.ctx.storage.sql.exec<{ data: string; at: number }>("SELECT data, at FROM prefs WHERE id = 1").toArray()[0];
    return row ? { prefs: parseObject(row.data) as Prefs, at: row.at } : null;
  }

  #hasTable(name: string): boolean {
    this.#tables ??= new Set(
      this.ctx.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").toArray().map((r) => r.name),
    );
    return this.#tables.has(name);
  }

  /** Makes sure a retention alarm exists; the alarm itself moves the deadline on. */
  #results(): ExperimentTally {
    this.#tally ??= new ExperimentTally(this.ctx.storage, this.ctx.id.toString());
    return this.#tally;
  }

  /**
   * Hands the experiment outbox to the counters; what they did not take waits for the alarm,
   * brought forward to DELIVERY_RETRY_MS. Returns how many increments are left.
   */
  async #deliverResults(): Promise<number> {
    const tally = this.#results();
    if (tally.pending() === 0) return 0;
    const { left } = await tally.deliver(this.env.EXPERIMENT_COUNTER, DELIVERY_BUDGET_MS);
    if (left > 0) {
      const at = Date.now() + DELIVERY_RETRY_MS;
      const current = await this.ctx.storage.getAlarm();
      if (current === null || current > at) await this.ctx.storage.setAlarm(at);
    }
    return left;
  }

  /** Brings the alarm forward so pending experiment increments reach their counters soon, in one call. */
  async #scheduleDelivery(): Promise<void> {
    if (this.#results().pending() === 0) return;
    const at = Date.now() + DELIVERY_DELAY_MS;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  async #ensureAlarm(now: number): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) !== null) return;
    await this.ctx.storage.setAlarm(Math.max(now + this.#config().retentionMs, Date.now() + MIN_ALARM_DELAY_MS));
  }

  #hasSchema(): boolean {
    this.#ready ??= this.ctx.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'visitor'").toArray().length > 0;
    return this.#ready;
  }

  #ensureSchema(): void {
    // An object from before the newest table gets the rest now (every statement is idempotent).
    if (this.#hasSchema() && this.#hasTable(NEWEST_TABLE)) return;
    for (const statement of SCHEMA) this.ctx.storage.sql.exec(statement);
    upgradeLegacyCart(this.ctx.storage.sql);
    this.#ready = true;
    this.#tables = null;
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

/** A JSON object column (written by this class), or {} if it is somehow not one. */
function parseObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
