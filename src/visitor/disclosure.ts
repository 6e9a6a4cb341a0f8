/**
 * What a visitor's object keeps for "what is known about me" (/__p13n/me): the visitor's
 * own stated preferences, why each slot on their last page showed what it showed, and the
 * read-out the preference centre shows. Plain data: it crosses the RPC boundary.
 */
import type { CartItem, Prefs } from "../engine/types.ts";
import type { RewriteReport } from "../rewrite/types.ts";

/** Why one slot on the last page showed what it showed, in plain words. */
export interface SlotWhy {
  slot: string;
  /** The variant shown, or null: the site's own default content. */
  variant: string | null;
  /** `experiment-id:arm` when a test decided the slot. */
  experiment?: string;
  why: string[];
}

/** The last page's decisions, written with its page view (one write, after the response). */
export interface LastPage {
  path: string;
  at: number;
  slots: SlotWhy[];
}

/** Bounds on a stored LastPage: a page's reasons must stay a small row. */
export const MAX_LAST_PAGE_SLOTS = 30;
export const MAX_WHY_LINES = 6;
export const MAX_WHY_CHARS = 300;
/** A bounded LastPage's JSON is at most about this long (30 slots of bounded reasons); longer is not stored. */
export const MAX_LAST_PAGE_JSON = 80_000;

/** A field of an event's stored `data` (scalars, topic lists, custom props): typed so it crosses RPC. */
export type Json = string | number | boolean | null | string[] | { [key: string]: string | number | boolean };

/** A recent interaction as the preference centre lists it. */
export interface Interaction {
  type: string;
  at: number;
  /** The event's own recorded fields (path, slot, variant, topics, goal…). */
  data: { [key: string]: Json };
}

/** Everything one object holds, summarized for its visitor. */
export interface VisitorDescription {
  /** False: the object holds nothing at all. */
  stored: boolean;
  statedPrefs: Prefs | null;
  statedAt: number | null;
  /** Inferred interests, 0..1, decayed to now, strongest first. */
  interests: Array<{ topic: string; score: number }>;
  recent: Interaction[];
  visits: number;
  firstSeen: number | null;
  lastActive: number | null;
  cart: CartItem[];
  conversions: number;
  lastPage: LastPage | null;
  /** Rows held per kind, for "what is stored". */
  counts: { events: number; views: number; impressions: number; interests: number; cartLines: number };
  /** When retention deletes the object if the visitor stays away (epoch ms), or null. */
  deleteAt: number | null;
}

/**
 * Keeps a LastPage within its bounds (it comes from the page path, but the object stores it).
 *
 * @example
 * boundLastPage({ path: "/", at: 0, slots: [...] });
 */
export function boundLastPage(page: LastPage): LastPage {
  return {
    path: page.path.slice(0, 2048),
    at: page.at,
    slots: page.slots.slice(0, MAX_LAST_PAGE_SLOTS).map((s) => {
      const out: SlotWhy = { slot: s.slot.slice(0, 64), variant: s.variant === null ? null : s.variant.slice(0, 64), why: s.why.slice(0, MAX_WHY_LINES).map((w) => w.slice(0, MAX_WHY_CHARS)) };
      if (s.experiment !== undefined) out.experiment = s.experiment.slice(0, 130);
      return out;
    }),
  };
}

/**
 * The last page's reasons for the slots that page had (rendered, or left at their default): the
 * engine decides every slot of the content, but a slot the page does not carry showed nothing.
 * Without a report (the page was not read for its slots: nothing on it was filled) no slot is named.
 *
 * @example
 * slotsOnPage(page.why(), report); // only the slots the rewriter met
 */
export function slotsOnPage(page: LastPage, report: Pick<RewriteReport, "rendered" | "skipped"> | null): LastPage {
  const met = new Set([...(report?.rendered ?? []), ...(report?.skipped ?? [])].map((s) => s.slot));
  return { ...page, slots: page.slots.filter((s) => met.has(s.slot)) };
}
