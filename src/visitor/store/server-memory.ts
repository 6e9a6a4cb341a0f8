/**
 * What backends tell a signed-in visitor's object (POST /__p13n/events/server, README "Server
 * events"): service cases opened and closed, orders placed off the site, subscriptions changed.
 * Plain functions on the object's SQLite, run inside its transaction: the cases and the
 * subscription in their own tables, and what a page needs of them (open cases, the
 * subscription, an order's conversion, interests and cart lines bought) folded into the memory
 * row (./memory.ts), so the snapshot and the colo's copy of the memory see them.
 *
 * - Exactly once: the message id (Standard Webhooks' `webhook-id`, the nonce) and each event's
 *   own id go into the object's `seen` table in the same transaction as the write, under the
 *   source's name (`srv:<source>:<event id>`, `srv:<source>/msg:<message id>`: no beacon id can
 *   spell either, nor one the other). A replayed message, or one
 *   resent after a lost answer, records nothing twice and is answered "duplicate". `seen` keeps
 *   ids for DEDUP_WINDOW_MS (7 days), far past the 5-minute timestamp window that refuses older
 *   messages before they get here.
 * - Order-proof: a case or a subscription keeps the state of its latest event by the event's own
 *   time, so a "closed" that overtakes its "opened" on a retry still leaves the case closed.
 * - Bounded: at most MAX_CASES cases (closed ones go first, and after CLOSED_CASE_KEEP_MS), one
 *   subscription row, the object's usual bounds for events and ids.
 * - Respectful: nothing is recorded once the visitor has withdrawn consent on the web
 *   (src/visitor/store/consent-state.ts); a message that refuses personalization stops hooks.
 *
 * @example
 * ctx.storage.transactionSync(() => { applyServerBatch(sql, memory, batch, { halfLifeMs }); saveMemory(sql, memory, Date.now()); });
 * serverMemory(sql); // { openCases: 1, subscription: { plan: "premium", status: "active" } }
 */
import { SUBSCRIPTION_STATUSES } from "../../engine/attributes.ts";
import type { VisitorSnapshot } from "../../engine/types.ts";
import type { EventStatus } from "../events.ts";
import { INTEREST_WEIGHTS } from "../interest.ts";
import { DEDUP_WINDOW_MS, MAX_EVENTS, MAX_SEEN_IDS } from "../schema.ts";
import { addInterest, laterOf } from "./fold.ts";
import type { Memory, ServerMemory } from "./memory.ts";
import { consentState, refusePersonalization, refusesServerEvents } from "./consent-state.ts";
import { ensureTables, existingTables } from "./tables.ts";

export { SUBSCRIPTION_STATUSES };
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/** One event as the object applies it: validated, timed and capped by the Worker (src/server-events/wire.ts). */
export type ServerEvent =
  | { type: "case.opened" | "case.closed"; id: string; at: number; case: string }
  | { type: "order.placed"; id: string; at: number; channel: string; value?: number; skus: string[]; topics: string[] }
  | { type: "subscription.changed"; id: string; at: number; plan?: string; status: SubscriptionStatus };

export interface ServerBatch {
  /** The source's name from SERVER_EVENT_SOURCES. */
  source: string;
  /** The message's `webhook-id`. */
  messageId: string;
  events: ServerEvent[];
  now: number;
  /** The message allows personalization (its consent, with the site's policy); tracking is allowed or the object is not asked. */
  personalize: boolean;
}

export type ServerRecordResult =
  /** `replayed`: the message id was seen before, nothing was written. */
  | { ok: true; replayed: boolean; statuses: EventStatus[]; personalizationRefused: boolean }
  /** The visitor withdrew consent on the web: nothing written. */
  | { ok: false; code: "CONSENT_WITHDRAWN" };

export const MAX_CASES = 50;
export const CLOSED_CASE_KEEP_MS = 30 * 86_400_000;

const TABLES = ["srv_cases", "srv_subscription"] as const;
const SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS srv_cases (source TEXT NOT NULL, id TEXT NOT NULL, open INTEGER NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (source, id)) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS srv_subscription (id INTEGER PRIMARY KEY CHECK (id = 1), plan TEXT, status TEXT NOT NULL, source TEXT NOT NULL, at INTEGER NOT NULL)`,
];

/** The key a source's event id is remembered under in `seen` (and its history row's id). */
function seenKey(source: string, id: string): string {
  return `srv:${source}:${id}`;
}

/**
 * The key a source's message id (`webhook-id`) is remembered under: after a '/', which neither a
 * source's name nor an event id can hold, so an event id never stands for a message id (an event
 * "msg:…" is not a replay) nor the other way round.
 */
function messageKey(source: string, messageId: string): string {
  return `srv:${source}/msg:${messageId}`;
}

/**
 * Applies a batch (inside the caller's transaction; the object's own schema exists) to the
 * tables and to `m`, the memory the caller then writes (unless the batch was a replay). All of
 * it or, when the visitor withdrew consent, none of it.
 */
export function applyServerBatch(sql: SqlStorage, m: Memory, batch: ServerBatch, opts: { halfLifeMs: number }): ServerRecordResult {
  if (refusesServerEvents(consentState(sql))) return { ok: false, code: "CONSENT_WITHDRAWN" };
  const { now, source } = batch;
  const remember = (key: string) => sql.exec("INSERT OR IGNORE INTO seen (id, at) VALUES (?, ?)", key, now).rowsWritten > 0;
  if (!remember(messageKey(source, batch.messageId))) {
    return { ok: true, replayed: true, statuses: batch.events.map(() => "duplicate"), personalizationRefused: false };
  }
  ensureTables(sql, SCHEMA);
  const statuses: EventStatus[] = [];
  for (const event of batch.events) {
    if (!remember(seenKey(source, event.id))) {
      statuses.push("duplicate");
      continue;
    }
    const data = applyEvent(sql, m, event, source, opts.halfLifeMs);
    sql.exec("INSERT INTO events (id, type, at, data) VALUES (?, ?, ?, ?)", seenKey(source, event.id), data.type, event.at, JSON.stringify(data.fields));
    statuses.push("accepted");
  }
  if (!batch.personalize) refusePersonalization(sql, now);
  m.lastActive = Math.max(m.lastActive, now);
  sql.exec("DELETE FROM events WHERE seq <= (SELECT MAX(seq) FROM events) - ?", MAX_EVENTS);
  sql.exec("DELETE FROM seen WHERE at <= ?", now - DEDUP_WINDOW_MS);
  sql.exec("DELETE FROM seen WHERE id IN (SELECT id FROM seen ORDER BY at DESC LIMIT -1 OFFSET ?)", MAX_SEEN_IDS);
  pruneCases(sql, now);
  m.server = serverMemory(sql);
  return { ok: true, replayed: false, statuses, personalizationRefused: !batch.personalize };
}

/** Applies one event; returns what the history keeps of it (the preference centre words it). */
function applyEvent(sql: SqlStorage, m: Memory, event: ServerEvent, source: string, halfLifeMs: number): { type: string; fields: Record<string, unknown> } {
  switch (event.type) {
    case "case.opened":
    case "case.closed": {
      const open = event.type === "case.opened" ? 1 : 0;
      // The latest event by its own time wins: a retried "opened" after its "closed" changes nothing.
      sql.exec(
        `INSERT INTO srv_cases (source, id, open, at) VALUES (?, ?, ?, ?)
         ON CONFLICT (source, id) DO UPDATE SET open = excluded.open, at = excluded.at WHERE excluded.at >= srv_cases.at`,
        source,
        event.case,
        open,
        event.at,
      );
      return { type: "service_case", fields: { open: open === 1, case: event.case, source } };
    }
    case "order.placed": {
      m.conversions++;
      m.lastConversionAt = laterOf(m.lastConversionAt, event.at);
      // What was bought elsewhere is no longer waiting in the web cart (no reminder for it).
      const bought = new Set(event.skus);
      m.cart = m.cart.filter((l) => !bought.has(l.sku));
      addInterest(m, event.topics, INTEREST_WEIGHTS.conversion, event.at, halfLifeMs);
      return { type: "conversion", fields: { goal: "order", channel: event.channel, source, topics: event.topics, ...(event.value !== undefined ? { value: event.value } : {}) } };
    }
    case "subscription.changed":
      sql.exec(
        `INSERT INTO srv_subscription (id, plan, status, source, at) VALUES (1, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET plan = excluded.plan, status = excluded.status, source = excluded.source, at = excluded.at
         WHERE excluded.at >= srv_subscription.at`,
        event.plan ?? null,
        event.status,
        source,
        event.at,
      );
      return { type: "subscription", fields: { status: event.status, source, ...(event.plan !== undefined ? { plan: event.plan } : {}) } };
  }
}

function pruneCases(sql: SqlStorage, now: number): void {
  sql.exec("DELETE FROM srv_cases WHERE open = 0 AND at <= ?", now - CLOSED_CASE_KEEP_MS);
  // Closed cases first, then the oldest: the bound is never reached by cases anyone still works on.
  sql.exec(
    "DELETE FROM srv_cases WHERE (source, id) IN (SELECT source, id FROM srv_cases ORDER BY open DESC, at DESC LIMIT -1 OFFSET ?)",
    MAX_CASES,
  );
}

/**
 * What a page needs of what backends said (kept in the memory row): the number of open cases,
 * and the subscription. Reads only.
 *
 * @example
 * memory.server = serverMemory(sql); // { openCases: 1, subscription: { plan: "premium", status: "active" } }
 */
export function serverMemory(sql: SqlStorage): ServerMemory {
  const present = existingTables(sql, TABLES);
  const out: ServerMemory = { openCases: 0 };
  if (present.has("srv_cases")) out.openCases = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM srv_cases WHERE open = 1").one().n;
  if (present.has("srv_subscription")) {
    const s = sql.exec<{ plan: string | null; status: string }>("SELECT plan, status FROM srv_subscription WHERE id = 1").toArray()[0];
    if (s) out.subscription = { status: s.status, ...(s.plan !== null ? { plan: s.plan } : {}) };
  }
  return out;
}
