/**
 * One batch written, inside the object's transaction, in a handful of statements whatever its
 * size: which event ids are new (one statement; none for a page view's own ids), the events folded into the memory row in
 * memory (./fold.ts) and the row written back (one statement), the new events appended to the
 * history (one statement), the history's bound (one), the last page's reasons (one, page views
 * only). The experiment exposures and counts go to the tally's outbox in the same transaction.
 *
 * @example
 * ctx.storage.transactionSync(() => writeBatch({ sql, tally, halfLifeMs, trimIds: false }, loaded, batch, now));
 */
import { boundLastPage, MAX_LAST_PAGE_JSON } from "../disclosure.ts";
import type { EventStatus, RecordBatch, VisitorEvent } from "../events.ts";
import type { ExperimentTally } from "../experiment-tally.ts";
import { applyEvent } from "./fold.ts";
import { emptyMemory, type Memory, type MemoryCopy } from "./memory.ts";
import { saveMemory } from "./row.ts";
import { trimEvents, trimMemory, trimSeen } from "./trim.ts";

export interface WriteContext {
  sql: SqlStorage;
  tally: ExperimentTally;
  halfLifeMs: number;
  /** Trim the deduplication ids on this write too (every few writes: ./trim.ts). */
  trimIds: boolean;
}

export interface Written {
  accepted: number;
  duplicates: number;
  statuses: EventStatus[];
  /** What became of a first page's exposure token, when the batch carried one. */
  exposure?: EventStatus;
  /** The memory as written. */
  copy: MemoryCopy;
}

/** Remembers the ids (one statement) and says, in order, which events are new. */
function freshEvents(sql: SqlStorage, events: readonly VisitorEvent[], now: number): boolean[] {
  if (events.length === 0) return [];
  const taken = new Set(
    sql
      .exec<{ id: string }>("INSERT OR IGNORE INTO seen (id, at) SELECT value, ? FROM json_each(?) RETURNING id", now, JSON.stringify(events.map((e) => e.id)))
      .toArray()
      .map((r) => r.id),
  );
  // An id twice in one batch was taken once: its first occurrence is the new one.
  return events.map((e) => taken.delete(e.id));
}

/** Appends events to the history in one statement (`data`: the event's own fields). */
function appendEvents(sql: SqlStorage, events: readonly VisitorEvent[]): void {
  if (events.length === 0) return;
  const rows = events.map(({ id, type, at, ...data }) => [id, type, at, JSON.stringify(data)]);
  sql.exec(
    `INSERT INTO events (id, type, at, data)
     SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]') FROM json_each(?)`,
    JSON.stringify(rows),
  );
}

/**
 * The experiment exposures (a page view's, or a first page's token), before the events: a
 * conversion sent with the token counts for the arm the token makes the visitor a unit of. A
 * token counts once (its key among the seen ids); first exposure per experiment is once anyway
 * (ExperimentTally), whichever of the token and a page view comes first.
 */
function expose(w: WriteContext, batch: RecordBatch, now: number): EventStatus | undefined {
  if (!batch.exposures) return undefined;
  const key = batch.exposureKey;
  const fresh = key === undefined || w.sql.exec("INSERT OR IGNORE INTO seen (id, at) VALUES (?, ?)", key, now).rowsWritten > 0;
  if (fresh) w.tally.expose(batch.exposures, batch.exposedAt ?? now);
  return key === undefined ? undefined : fresh ? "accepted" : "duplicate";
}

/**
 * Writes a batch onto `memory` (null: nothing stored yet). Call inside a transaction.
 */
export function writeBatch(w: WriteContext, memory: Memory | null, batch: RecordBatch, now: number): Written {
  const m = memory ?? emptyMemory(now);
  const exposure = expose(w, batch, now);
  const goals = new Set(batch.goals ?? []);
  const fresh = batch.madeIds ? batch.events.map(() => true) : freshEvents(w.sql, batch.events, now);
  const accepted = batch.events.filter((_, i) => fresh[i]);
  for (const event of accepted) {
    applyEvent(m, event, w.halfLifeMs);
    w.tally.event(event, goals);
  }
  m.lastActive = Math.max(m.lastActive, now);
  trimMemory(m, now);
  const copy = saveMemory(w.sql, m, Date.now());
  appendEvents(w.sql, accepted);
  // Why the page showed what it showed: one row, replaced by every page (same write).
  const lastPage = batch.lastPageJson ?? (batch.lastPage ? JSON.stringify(boundLastPage(batch.lastPage)) : undefined);
  if (lastPage !== undefined && lastPage.length <= MAX_LAST_PAGE_JSON) w.sql.exec("INSERT OR REPLACE INTO last_page (id, data) VALUES (1, ?)", lastPage);
  trimEvents(w.sql);
  if (w.trimIds) trimSeen(w.sql, now);
  const statuses: EventStatus[] = fresh.map((f) => (f ? "accepted" : "duplicate"));
  return { accepted: accepted.length, duplicates: batch.events.length - accepted.length, statuses, ...(exposure ? { exposure } : {}), copy };
}
