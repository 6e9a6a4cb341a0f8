/**
 * The engine's view of a visitor (VisitorSnapshot) from their memory (./memory.ts), as of
 * `now`: interests decayed, views and impressions within their windows, the visit this
 * request belongs to, the cart abandoned or not. Pure, so the object and the edge (from the
 * colo's copy, src/visitor/edge-copy.ts) build it with the same code.
 *
 * @example
 * const snapshot = snapshotOf(memory, Date.now(), { halfLifeMs, cartAbandonMs });
 */
import type { Prefs, VisitorSnapshot } from "../../engine/types.ts";
import { decayed, scaledInterest } from "../interest.ts";
import { IMPRESSION_WINDOW_MS, RECENT_WINDOW_MS, SESSION_GAP_MS } from "../schema.ts";
import { cartSnapshot } from "./cart.ts";
import type { Memory } from "./memory.ts";

/** What the page path reads: the engine's snapshot, and the visitor's own stated preferences. */
export type VisitorState = VisitorSnapshot & { statedPrefs?: Prefs };

/** The settings a snapshot depends on (the Worker's config: INTEREST_HALF_LIFE_DAYS, CART_ABANDON_MINUTES). */
export interface SnapshotSettings {
  halfLifeMs: number;
  cartAbandonMs: number;
}

/** A visitor the object knows nothing about: this is their first visit. */
export const FIRST_VISIT: VisitorState = Object.freeze({ visits: 1 });

const round = (x: number, places: number) => Math.round(x * 10 ** places) / 10 ** places;

/** Decayed, scaled interests (0..1, three decimals); topics decayed to nothing are left out. */
export function interestsAt(m: Memory, now: number, halfLifeMs: number): Array<{ topic: string; score: number }> {
  const out: Array<{ topic: string; score: number }> = [];
  for (const i of m.interests) {
    const value = scaledInterest(decayed(i.score, i.at, now, halfLifeMs));
    if (value >= 0.001) out.push({ topic: i.topic, score: round(value, 3) });
  }
  return out;
}

/** Times after `since` per key, keys with none left out. */
function within(lists: Memory["views"], since: number): Array<[string, number[]]> {
  const out: Array<[string, number[]]> = [];
  for (const l of lists) {
    const recent = l.at.filter((t) => t > since);
    if (recent.length > 0) out.push([l.key, recent]);
  }
  return out;
}

/**
 * The snapshot as of `now` (`cartAbandonMs` overrides the setting for one read). No memory at
 * all: a first visit.
 */
export function snapshotOf(m: Memory | null, now: number, settings: SnapshotSettings, cartAbandonMs?: number): VisitorState {
  if (!m) return { ...FIRST_VISIT };
  const snap: VisitorState = {};
  if (m.statedPrefs) snap.statedPrefs = m.statedPrefs;
  // A view more than a session gap ago means this request starts a new visit.
  const newVisit = m.lastView === null || now - m.lastView >= SESSION_GAP_MS;
  snap.visits = m.visits + (newVisit ? 1 : 0);
  const lastVisit = newVisit ? m.visitStart : m.prevVisitStart;
  if (lastVisit !== null) snap.lastVisitAt = lastVisit;
  snap.conversions = m.conversions;
  if (m.lastConversionAt !== null) snap.lastConversionAt = m.lastConversionAt;
  // Any case a backend says is open is an open service case (no cross-sell during one).
  snap.openCases = m.server?.openCases ?? 0;
  snap.openServiceCase = m.openCase || snap.openCases > 0;
  if (m.server?.subscription) snap.subscription = { ...m.server.subscription };
  // Keyed by what clients and pages named: built from entries, never by assignment.
  snap.recentViews = Object.fromEntries(within(m.views, now - RECENT_WINDOW_MS).map(([key, times]) => [key, times.length]));
  snap.interests = Object.fromEntries(interestsAt(m, now, settings.halfLifeMs).map((i) => [i.topic, i.score]));
  snap.cart = cartSnapshot(m.cart, { now, updatedAt: m.cartUpdatedAt, abandonAfterMs: cartAbandonMs ?? settings.cartAbandonMs });
  snap.impressions = Object.fromEntries(within(m.impressions, now - IMPRESSION_WINDOW_MS));
  return snap;
}
