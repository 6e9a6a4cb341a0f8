/**
 * A signed-in visitor's outbound hooks (README "Outbound hooks"): an abandoned cart and a
 * conversion, queued in the visitor's own object and sent from its alarm, signed, retried with
 * backoff (src/event-hooks/).
 *
 * Why an outbox in the object, not a Queue: the message is about this visitor and must obey
 * their latest word. Queued here, in the same transaction as the event that caused it, an
 * acknowledged conversion always has its message (no second write that could fail), and a "no"
 * — GPC, an opt-out, memory turned off, erasure — removes what is still waiting, in the same
 * place; a message already handed to a queue could not be recalled. Abandonment is a timer on
 * the visitor's cart, which the object's alarm already is. Delivery is at least once: the
 * message id (`webhook-id`) is the same on every attempt, so the receiver's effect is once.
 *
 * - Queued once per cause: `conversion:<event id>`, `cart.abandoned:<the cart's last change>`
 *   (the key is kept 7 days after sending, so an alarm run twice queues nothing new).
 * - Only when the visitor's latest word allows personalization and nothing was withdrawn
 *   (src/visitor/store/consent-state.ts), checked when queued and again before each send.
 * - Bounded: at most MAX_PENDING waiting (the oldest goes), MAX_ROWS kept in all.
 *
 * @example
 * const hooks = new VisitorHooks(ctx.storage, "cust-1042", { hook: config.eventHook, cartAbandonMs });
 * ctx.storage.transactionSync(() => { const before = hooks.cartBefore(events); …apply…; hooks.afterEvents(events, statuses, before, now); });
 * await hooks.run(Date.now()); // in alarm(): queue an abandoned cart, send what is due
 */
import type { EventHookSettings } from "../../config/integrations.ts";
import { describeError } from "../../errors.ts";
import { HOOK_MAX_ATTEMPTS, retryDelayMs } from "../../event-hooks/backoff.ts";
import { cartLine, cartValue, type HookCartLine, type HookPayload, type HookPrefs } from "../../event-hooks/payload.ts";
import { HOOK_SEND_BUDGET_MS, sendHook } from "../../event-hooks/send.ts";
import { logEvent } from "../../observability/log.ts";
import type { EventStatus, VisitorEvent } from "../events.ts";
import { MAX_CART_LINES } from "../schema.ts";
import { consentState, mayMessage } from "./consent-state.ts";
import type { Memory } from "./memory.ts";
import { loadMemory } from "./row.ts";
import { ensureTables, existingTables, readLayout } from "./tables.ts";

export const MAX_PENDING = 50;
export const MAX_ROWS = 200;
/** Sent and dropped messages' keys are kept this long (an alarm run twice must not queue again). */
export const DONE_KEEP_MS = 7 * 86_400_000;
/** Messages sent per alarm run, at most (the rest on the next run, soon after). */
const SENDS_PER_RUN = 10;
const SOON_MS = 1_000;
/** A message being sent is held this long (past the send's own budget) before another run may take it. */
const SEND_LEASE_MS = 2 * HOOK_SEND_BUDGET_MS;

const SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS hook_outbox (
    key TEXT PRIMARY KEY,
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER,
    created_at INTEGER NOT NULL,
    done_at INTEGER
  ) WITHOUT ROWID`,
  `CREATE INDEX IF NOT EXISTS hook_outbox_due ON hook_outbox (state, next_at)`,
];

export const HOOK_TABLES = ["hook_outbox"] as const;

export interface HookSettings {
  hook: EventHookSettings;
  cartAbandonMs: number;
  /** INTEREST_HALF_LIFE_DAYS (reading an older object's tables into its memory needs it). */
  halfLifeMs: number;
}

interface OutboxRow {
  key: string;
  id: string;
  body: string;
  attempts: number;
  [k: string]: SqlStorageValue;
}

/** The subject hooks are about: an object named `sub:<sub>` (a signed-in visitor); anonymous objects send none. */
export function hookSubject(objectName: string | undefined): string | null {
  return objectName?.startsWith("sub:") ? objectName.slice(4) : null;
}

export class VisitorHooks {
  readonly #storage: DurableObjectStorage;
  readonly #sub: string;
  readonly #settings: HookSettings;
  /** Sends run one at a time (an alarm and a test's run of it never send one message twice at once). */
  #running: Promise<unknown> = Promise.resolve();

  constructor(storage: DurableObjectStorage, sub: string, settings: HookSettings) {
    this.#storage = storage;
    this.#sub = sub;
    this.#settings = settings;
  }

  get #sql(): SqlStorage {
    return this.#storage.sql;
  }

  /** Inside the write's transaction, before its events: the cart a checkout in them will empty (its message lists it). */
  cartBefore(events: readonly VisitorEvent[]): HookCartLine[] | null {
    return events.some((e) => e.type === "cart" && e.action === "checkout") ? this.#cart() : null;
  }

  /** Inside the write's transaction, after its events: a message for each conversion accepted now. */
  afterEvents(events: readonly VisitorEvent[], statuses: readonly EventStatus[], cartBefore: HookCartLine[] | null, now: number): void {
    const converted = events.filter((e, i) => statuses[i] === "accepted" && (e.type === "conversion" || (e.type === "cart" && e.action === "checkout")));
    if (converted.length === 0 || !mayMessage(consentState(this.#sql))) return;
    for (const e of converted) {
      const conversion: Extract<HookPayload, { type: "conversion" }>["conversion"] =
        e.type === "conversion" ? { goal: e.goal } : { goal: "checkout", ...(cartBefore && cartBefore.length > 0 ? { items: cartBefore } : {}) };
      const value = e.type === "conversion" ? e.value : e.type === "cart" ? e.price : undefined;
      if (value !== undefined) conversion.value = value;
      this.#queue(`conversion:${e.id}`, (id) => ({ v: 1, type: "conversion", id, occurredAt: iso(e.at), sub: this.#sub, ...this.#prefs(), conversion }), now);
    }
  }

  /**
   * When the alarm should next run for hooks: the first message due, or the cart's abandonment;
   * null: nothing to do. Never sooner than SOON_MS from now, so a run that keeps failing cannot
   * spin the alarm.
   */
  nextAt(now: number): number | null {
    let next = Infinity;
    if (existingTables(this.#sql, HOOK_TABLES).has("hook_outbox")) {
      const due = this.#sql.exec<{ at: number | null }>("SELECT MIN(next_at) AS at FROM hook_outbox WHERE state = 'pending'").one().at;
      if (due !== null) next = due;
    }
    const abandon = this.#abandonment();
    if (abandon !== null && !this.#queued(abandon.key) && mayMessage(consentState(this.#sql))) next = Math.min(next, abandon.at);
    return next === Infinity ? null : Math.max(next, now + SOON_MS);
  }

  /** The alarm's part: queue the cart if it is abandoned now, then send what is due. Never throws. */
  run(now: number): Promise<void> {
    const work = this.#running.then(() => this.#runNow(now));
    this.#running = work.catch(() => {});
    return work.catch((err: unknown) => logEvent("error", "hooks", "HOOK_RUN_FAILED", { error: describeError(err) }));
  }

  /** A "no": everything still waiting goes (what was sent was sent under a yes). */
  dropPending(now: number): void {
    if (!existingTables(this.#sql, HOOK_TABLES).has("hook_outbox")) return;
    this.#sql.exec("UPDATE hook_outbox SET state = 'dropped', next_at = NULL, done_at = ?, body = '' WHERE state = 'pending'", now);
  }

  async #runNow(now: number): Promise<void> {
    this.#storage.transactionSync(() => {
      const abandon = this.#abandonment();
      if (abandon && now >= abandon.at && mayMessage(consentState(this.#sql))) {
        const cart = this.#cart();
        const value = cartValue(cart);
        this.#queue(
          abandon.key,
          (id) => ({ v: 1, type: "cart.abandoned", id, occurredAt: iso(abandon.at), sub: this.#sub, ...this.#prefs(), cart: { items: cart, ...(value !== undefined ? { value } : {}), updatedAt: iso(abandon.updatedAt) } }),
          now,
        );
      }
    });
    if (!existingTables(this.#sql, HOOK_TABLES).has("hook_outbox")) return;
    const due = this.#sql.exec<OutboxRow>("SELECT key, id, body, attempts FROM hook_outbox WHERE state = 'pending' AND next_at <= ? ORDER BY next_at LIMIT ?", now, SENDS_PER_RUN).toArray();
    for (const row of due) {
      // The visitor's word is read again before each send: a "no" since it was queued wins.
      if (!mayMessage(consentState(this.#sql))) {
        this.dropPending(now);
        return;
      }
      // Claimed for the send's length (a lease): another run meanwhile (a second instance after an
      // eviction) skips it, and a run that dies mid-send leaves it to be tried again, same id.
      if (this.#sql.exec("UPDATE hook_outbox SET next_at = ? WHERE key = ? AND state = 'pending' AND next_at <= ?", now + SEND_LEASE_MS, row.key, now).rowsWritten === 0) continue;
      const outcome = await sendHook(this.#settings.hook, { id: row.id, body: row.body }, now);
      const attempts = row.attempts + 1;
      if (outcome.kind === "delivered") {
        this.#sql.exec("UPDATE hook_outbox SET state = 'sent', attempts = ?, next_at = NULL, done_at = ?, body = '' WHERE key = ? AND state = 'pending'", attempts, now, row.key);
      } else if (outcome.kind === "refused" || attempts >= HOOK_MAX_ATTEMPTS) {
        logEvent("error", "hooks", outcome.kind === "refused" ? "HOOK_REFUSED" : "HOOK_GAVE_UP", { id: row.id, attempts, reason: outcome.reason });
        this.#sql.exec("UPDATE hook_outbox SET state = 'dropped', attempts = ?, next_at = NULL, done_at = ?, body = '' WHERE key = ? AND state = 'pending'", attempts, now, row.key);
      } else {
        const delay = retryDelayMs(attempts, row.id, outcome.retryAfterMs);
        logEvent("warn", "hooks", "HOOK_RETRY", { id: row.id, attempts, reason: outcome.reason, inMs: delay });
        this.#sql.exec("UPDATE hook_outbox SET attempts = ?, next_at = ? WHERE key = ? AND state = 'pending'", attempts, now + delay, row.key);
      }
    }
    if (due.length === SENDS_PER_RUN) this.#sql.exec("UPDATE hook_outbox SET next_at = MAX(next_at, ?) WHERE state = 'pending' AND next_at <= ?", now + SOON_MS, now);
    this.#prune(now);
  }

  /** Queues a message once per key (inside the caller's transaction). */
  #queue(key: string, payload: (id: string) => HookPayload, now: number): void {
    ensureTables(this.#sql, SCHEMA);
    if (this.#queued(key)) return;
    const id = `msg_${crypto.randomUUID().replace(/-/g, "")}`;
    this.#sql.exec("INSERT INTO hook_outbox (key, id, body, state, next_at, created_at) VALUES (?, ?, ?, 'pending', ?, ?)", key, id, JSON.stringify(payload(id)), now, now);
    const pending = this.#sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM hook_outbox WHERE state = 'pending'").one().n;
    if (pending > MAX_PENDING) {
      logEvent("error", "hooks", "HOOK_OUTBOX_FULL", { dropped: pending - MAX_PENDING });
      this.#sql.exec(
        "UPDATE hook_outbox SET state = 'dropped', next_at = NULL, done_at = ?, body = '' WHERE key IN (SELECT key FROM hook_outbox WHERE state = 'pending' ORDER BY created_at LIMIT ?)",
        now,
        pending - MAX_PENDING,
      );
    }
  }

  #queued(key: string): boolean {
    if (!existingTables(this.#sql, HOOK_TABLES).has("hook_outbox")) return false;
    return this.#sql.exec("SELECT 1 FROM hook_outbox WHERE key = ?", key).toArray().length > 0;
  }

  #prune(now: number): void {
    this.#sql.exec("DELETE FROM hook_outbox WHERE state != 'pending' AND done_at <= ?", now - DONE_KEEP_MS);
    this.#sql.exec(
      "DELETE FROM hook_outbox WHERE key IN (SELECT key FROM hook_outbox WHERE state != 'pending' ORDER BY done_at DESC LIMIT -1 OFFSET ?)",
      MAX_ROWS - MAX_PENDING,
    );
  }

  /** The cart's abandonment: when it is (or will be) abandoned, and its key; null without items. */
  #abandonment(): { key: string; at: number; updatedAt: number } | null {
    // An object holding only a consent note (its memory erased) has no cart to abandon.
    const m = this.#memory();
    if (!m || m.cartUpdatedAt === null) return null;
    if (!m.cart.some((l) => l.qty > 0)) return null;
    const at = m.cartUpdatedAt;
    return { key: `cart.abandoned:${at}`, at: at + this.#settings.cartAbandonMs, updatedAt: at };
  }

  /** The visitor's memory as stored (the row as last written: inside a write, before its events); null: nothing stored. */
  #memory(): Memory | null {
    return loadMemory(this.#sql, readLayout(this.#sql), this.#settings.halfLifeMs)?.memory ?? null;
  }

  /** The cart's lines with every detail the memory holds for them (the shop's names, prices, images), by SKU. */
  #cart(): HookCartLine[] {
    return (this.#memory()?.cart ?? [])
      .slice(0, MAX_CART_LINES)
      .map((l) => cartLine({ ...l }))
      .filter((l): l is HookCartLine => l !== null);
  }

  /** The visitor's own stated preferences (the preference centre), when any. */
  #prefs(): { prefs?: HookPrefs } {
    if (!existingTables(this.#sql, ["prefs"]).has("prefs")) return {};
    const row = this.#sql.exec<{ data: string }>("SELECT data FROM prefs WHERE id = 1").toArray()[0];
    if (!row) return {};
    try {
      const p = JSON.parse(row.data) as HookPrefs;
      const prefs: HookPrefs = {};
      if (Array.isArray(p.topics)) prefs.topics = p.topics.filter((t): t is string => typeof t === "string");
      if (Array.isArray(p.channels)) prefs.channels = p.channels.filter((t): t is string => typeof t === "string");
      if (typeof p.frequency === "string") prefs.frequency = p.frequency;
      return Object.keys(prefs).length > 0 ? { prefs } : {};
    } catch {
      return {};
    }
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
