/**
 * What an object holds, summarized for its visitor (/__p13n/me). Reads only.
 *
 * The deletion time is the retention deadline (RETENTION_DAYS after the last activity), or
 * the alarm when that is later (a long-idle object woken up gets a grace period): the alarm
 * itself may be a sooner one that only delivers experiment counts, so it is never shown alone.
 *
 * @example
 * const d = describeVisitor(sql, layout, { now, halfLifeMs, retentionMs, alarm: await storage.getAlarm() });
 */
import type { Interaction, Json, LastPage, VisitorDescription } from "../disclosure.ts";
import { describeCart } from "./cart.ts";
import { parseObject } from "./json.ts";
import { loadMemory } from "./row.ts";
import { interestsAt } from "./snapshot.ts";
import { statedPrefsRow, type Layout } from "./tables.ts";

/** Recent interactions the preference centre lists. */
const DESCRIBE_RECENT = 20;

export interface DescribeOptions {
  now: number;
  halfLifeMs: number;
  retentionMs: number;
  /** The object's alarm, or null. */
  alarm: number | null;
}

/** When retention will delete an object last active at `lastActive`, given its alarm. */
export function deletionTime(lastActive: number, retentionMs: number, alarm: number | null): number {
  const deadline = lastActive + retentionMs;
  return alarm === null ? deadline : Math.max(deadline, alarm);
}

function empty(alarm: number | null): VisitorDescription {
  return {
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
    // Nothing personal is stored; what is left, if anything, is an undelivered outbox.
    deleteAt: alarm,
  };
}

function recentInteractions(sql: SqlStorage): Interaction[] {
  return sql
    .exec<{ type: string; at: number; data: string }>("SELECT type, at, data FROM events ORDER BY seq DESC LIMIT ?", DESCRIBE_RECENT)
    .toArray()
    .map((e) => ({ type: e.type, at: e.at, data: parseObject(e.data) as { [key: string]: Json } }));
}

export function describeVisitor(sql: SqlStorage, layout: Layout, o: DescribeOptions): VisitorDescription {
  const loaded = loadMemory(sql, layout, o.halfLifeMs);
  if (!loaded) return empty(o.alarm);
  const m = loaded.memory;
  const stated = statedPrefsRow(sql, layout);
  const last = layout.has("last_page") ? sql.exec<{ data: string }>("SELECT data FROM last_page WHERE id = 1").toArray()[0] : undefined;
  const history = sql.exec<{ n: number; first: number | null }>("SELECT COUNT(*) AS n, MIN(at) AS first FROM events").one();
  const times = (lists: typeof m.views) => lists.reduce((n, l) => n + l.at.length, 0);
  return {
    stored: true,
    statedPrefs: stated?.prefs ?? null,
    statedAt: stated?.at ?? null,
    interests: interestsAt(m, o.now, o.halfLifeMs).sort((a, b) => b.score - a.score),
    recent: recentInteractions(sql),
    visits: m.visits,
    firstSeen: history.first ?? m.visitStart ?? m.lastActive,
    lastActive: m.lastActive,
    cart: describeCart(m.cart),
    conversions: m.conversions,
    lastPage: last ? (parseObject(last.data) as unknown as LastPage) : null,
    counts: { events: history.n, views: times(m.views), impressions: times(m.impressions), interests: m.interests.length, cartLines: m.cart.length },
    deleteAt: deletionTime(m.lastActive, o.retentionMs, o.alarm),
  };
}
