/**
 * Everything an object holds, as the merge's wire format (VisitorHistory, the shape of the
 * tables before the one-row memory, so objects of either version understand each other), and
 * taking such a history in: what moves an anonymous visitor's memory into their profile's
 * object on sign-in (./merge.ts).
 *
 * @example
 * const history = exportHistory(sql, layout, halfLifeMs);
 * importHistory(sql, memory, history, halfLifeMs); // inside a transaction; then write the memory
 */
import type { Prefs } from "../../engine/types.ts";
import type { VisitorHistory } from "../schema.ts";
import { importCart } from "./cart.ts";
import { addInterest, addTime, laterOf } from "./fold.ts";
import { parseObject } from "./json.ts";
import { visitorRowOf, type Memory } from "./memory.ts";
import { loadMemory } from "./row.ts";
import type { Layout } from "./tables.ts";

const NOTHING: VisitorHistory = { visitor: null, interests: [], views: [], impressions: [], cart: [], events: [], seen: [] };

const flat = (lists: Memory["views"]) => lists.flatMap((l) => l.at.map((at) => ({ key: l.key, at }))).sort((a, b) => a.at - b.at);

export function exportHistory(sql: SqlStorage, layout: Layout, halfLifeMs: number): VisitorHistory {
  if (!layout.has("visitor")) return { ...NOTHING };
  const m = loadMemory(sql, layout, halfLifeMs)?.memory;
  return {
    visitor: m ? visitorRowOf(m) : null,
    interests: m ? m.interests.map((i) => ({ ...i })) : [],
    views: m ? flat(m.views) : [],
    impressions: m ? flat(m.impressions) : [],
    cart: m ? m.cart.map((c) => ({ ...c })) : [],
    events: sql.exec<{ id: string; type: string; at: number; data: string }>("SELECT id, type, at, data FROM events ORDER BY seq").toArray(),
    seen: sql.exec<{ id: string; at: number }>("SELECT id, at FROM seen").toArray(),
    prefs: layout.has("prefs") ? (sql.exec<{ data: string; at: number }>("SELECT data, at FROM prefs WHERE id = 1").toArray()[0] ?? null) : null,
  };
}

/** Adds the other object's aggregates to this memory (in place). */
function importAggregates(m: Memory, h: VisitorHistory, halfLifeMs: number): void {
  const v = h.visitor;
  if (v) {
    m.visits += v.visits;
    m.visitStart = m.visitStart ?? v.visit_start;
    m.prevVisitStart = m.prevVisitStart ?? v.prev_visit_start;
    m.lastView = laterOf(m.lastView, v.last_view);
    m.lastActive = Math.max(m.lastActive, v.last_active);
    m.conversions += v.conversions;
    m.lastConversionAt = laterOf(m.lastConversionAt, v.last_conversion_at);
    m.openCase = m.openCase || v.open_case === 1;
    m.cartUpdatedAt = laterOf(m.cartUpdatedAt, v.cart_updated_at);
  }
  for (const i of h.interests) addInterest(m, [i.topic], i.score, i.at, halfLifeMs);
  for (const r of h.views) addTime(m.views, r.key, r.at);
  for (const r of h.impressions) addTime(m.impressions, r.key, r.at);
  // The same cart may be in both (added before signing in): the larger quantity, not the sum.
  importCart(m, h.cart);
}

/**
 * Takes another object's history into this one: its aggregates into `memory` (the caller
 * writes the row), its events, ids and stated preferences into the tables (the newer
 * statement wins). Runs inside the caller's transaction.
 */
export function importHistory(sql: SqlStorage, m: Memory, h: VisitorHistory, halfLifeMs: number): void {
  importAggregates(m, h, halfLifeMs);
  for (const e of h.events) sql.exec("INSERT INTO events (id, type, at, data) VALUES (?, ?, ?, ?)", e.id, e.type, e.at, e.data);
  for (const s of h.seen) sql.exec("INSERT OR IGNORE INTO seen (id, at) VALUES (?, ?)", s.id, s.at);
  if (h.prefs) {
    sql.exec(
      `INSERT INTO prefs (id, data, at) VALUES (1, ?, ?)
       ON CONFLICT (id) DO UPDATE SET data = excluded.data, at = excluded.at WHERE excluded.at > prefs.at`,
      h.prefs.data,
      h.prefs.at,
    );
    // The memory row mirrors whichever statement won.
    const won = sql.exec<{ data: string }>("SELECT data FROM prefs WHERE id = 1").one();
    m.statedPrefs = parseObject(won.data) as Prefs;
  }
}
