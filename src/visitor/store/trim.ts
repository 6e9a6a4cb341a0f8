/**
 * Keeping a visitor's object within its bounds (src/visitor/schema.ts). The memory row is
 * trimmed on every write, in memory, before it is written (`trimMemory`: pure, so every bound
 * holds at all times); the event history's bound is exact on every write (one statement); the
 * deduplication ids, a large table nobody reads, are trimmed every few writes and by the alarm.
 *
 * @example
 * trimMemory(memory, now); // before writing the row
 * trimSeen(sql, now);      // now and then
 */
import {
  DEDUP_WINDOW_MS,
  IMPRESSION_WINDOW_MS,
  MAX_CART_LINES,
  MAX_EVENTS,
  MAX_IMPRESSIONS_PER_KEY,
  MAX_SEEN_IDS,
  MAX_TOPICS,
  MAX_VIEW_ROWS,
  RECENT_WINDOW_MS,
} from "../schema.ts";
import { pruneCart } from "./cart.ts";
import type { Memory } from "./memory.ts";

/** Keeps times after `since`, at most `perKey` (the newest) per key; drops keys left empty. */
function trimLists(lists: Memory["views"], since: number, perKey: number): Memory["views"] {
  const out: Memory["views"] = [];
  for (const l of lists) {
    let at = l.at.filter((t) => t > since);
    if (at.length > perKey) at = at.slice(at.length - perKey);
    if (at.length > 0) out.push({ key: l.key, at });
  }
  return out;
}

/** At most `max` times over all keys: the newest. */
function capTotal(lists: Memory["views"], max: number): Memory["views"] {
  const total = lists.reduce((n, l) => n + l.at.length, 0);
  if (total <= max) return lists;
  const newest = lists.flatMap((l) => l.at.map((t) => ({ key: l.key, t }))).sort((a, b) => b.t - a.t).slice(0, max);
  const kept = new Map<string, number[]>();
  for (const { key, t } of newest) (kept.get(key) ?? kept.set(key, []).get(key)!).push(t);
  return lists.filter((l) => kept.has(l.key)).map((l) => ({ key: l.key, at: kept.get(l.key)!.sort((a, b) => a - b) }));
}

/**
 * Every bound of the memory row, as of `now` (in place): views in the recent window and at
 * most MAX_VIEW_ROWS; served impressions in their window and at most MAX_IMPRESSIONS_PER_KEY
 * per key; the MAX_TOPICS strongest interests (raw score: close enough to decayed for a
 * bound); the MAX_CART_LINES largest cart lines.
 */
export function trimMemory(m: Memory, now: number): void {
  m.views = capTotal(trimLists(m.views, now - RECENT_WINDOW_MS, MAX_VIEW_ROWS), MAX_VIEW_ROWS);
  m.impressions = trimLists(m.impressions, now - IMPRESSION_WINDOW_MS, MAX_IMPRESSIONS_PER_KEY);
  if (m.interests.length > MAX_TOPICS) m.interests = [...m.interests].sort((a, b) => b.score - a.score).slice(0, MAX_TOPICS);
  m.cart = pruneCart(m.cart, MAX_CART_LINES);
}

/** The event history's bound: the newest MAX_EVENTS (exact: one statement per write). */
export function trimEvents(sql: SqlStorage): void {
  sql.exec("DELETE FROM events WHERE seq <= (SELECT MAX(seq) FROM events) - ?", MAX_EVENTS);
}

/** Deduplication ids: DEDUP_WINDOW_MS, and at most MAX_SEEN_IDS (the newest). */
export function trimSeen(sql: SqlStorage, now: number): void {
  sql.exec("DELETE FROM seen WHERE at <= ?", now - DEDUP_WINDOW_MS);
  sql.exec("DELETE FROM seen WHERE id IN (SELECT id FROM seen ORDER BY at DESC LIMIT -1 OFFSET ?)", MAX_SEEN_IDS);
}
