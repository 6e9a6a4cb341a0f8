/**
 * What a visitor's object records: events after the Worker validated and
 * enriched them (server time, topics from the manifest). The beacon's wire
 * format is in `./beacon.ts`; the page path builds `view` and served
 * `impression` events itself.
 *
 * @example
 * const view: VisitorEvent = { type: "view", id: crypto.randomUUID(), at: Date.now(), path: "/", category: "home", topics: [] };
 */
import type { Exposure } from "../results/tally.ts";
import type { LastPage } from "./disclosure.ts";
import type { MemoryCopy } from "./store/memory.ts";

export type Scalar = string | number | boolean;

export type CartAction = "add" | "remove" | "clear" | "checkout";

export type VisitorEvent =
  | { type: "view"; id: string; at: number; path: string; category?: string; topics: string[] }
  /**
   * `served`: rendered by the Worker (counts for frequency caps); else seen in the viewport (client).
   * `channel`: where it was served when not on a page (GET /__p13n/decide: `app`, `email`…).
   */
  | { type: "impression"; id: string; at: number; slot: string; variant: string; campaign?: string; served: boolean; channel?: string }
  | { type: "click"; id: string; at: number; slot: string; variant?: string; topics: string[] }
  | { type: "conversion"; id: string; at: number; goal: string; value?: number; topics: string[] }
  /** name, image, category: what the page said about the item (bounded by the beacon's schema; src/visitor/store/cart.ts keeps them). */
  | { type: "cart"; id: string; at: number; action: CartAction; sku?: string; qty: number; price?: number; name?: string; image?: string; category?: string; topics: string[] }
  | { type: "service_case"; id: string; at: number; open: boolean }
  | { type: "custom"; id: string; at: number; name: string; props?: Record<string, Scalar> };

export type EventType = VisitorEvent["type"];

/** Beacon rate limit, passed by the Worker from its config; page-path writes carry none. */
export interface RateLimit {
  perMinute: number;
}

export interface RecordBatch {
  events: VisitorEvent[];
  /** Epoch ms; the object's clock when absent. */
  now?: number;
  /** Refuse the whole batch when the visitor is over this rate (beacons only). */
  rate?: RateLimit;
  /** An anonymous visitor id whose history this (signed-in) object should take over. */
  mergeFrom?: string;
  /** The page's decisions and why: replaces the last page's. */
  lastPage?: LastPage;
  /**
   * The same as JSON, already bounded (`boundLastPage`) by the page path: one string crosses the
   * stub call instead of every slot's reasons as objects, and the object stores it as it is.
   */
  lastPageJson?: string;
  /** The experiments the page exposed the visitor to (a page view, or a first page's token): counted for the results. */
  exposures?: Exposure[];
  /**
   * A first page's exposure token (beacons): its key, so the object counts it once however often
   * it comes (kept with the event ids), and when the page was seen (the exposure's day).
   */
  exposureKey?: string;
  exposedAt?: number;
  /**
   * The goals the live content declares (beacons): a conversion on any other goal counts for
   * no experiment, only as dropped. Absent: none declared.
   */
  goals?: readonly string[];
  /**
   * Every event id was made by the Worker for this very batch (a page view's: random UUIDs, and
   * a page's write is never sent twice): there is nothing to deduplicate, and the ids are not
   * kept among the seen ones. Never set for events a client sent.
   */
  madeIds?: boolean;
  /** Answer with the memory as written (`copy`), for the colo's copy of it (src/visitor/edge-copy.ts). */
  copy?: boolean;
  /**
   * The request's consent to personalization (web writes: page, beacon, /decide). A signed-in
   * visitor's object keeps it for their outbound hooks (src/visitor/store/consent-state.ts).
   */
  personalize?: boolean;
}

/** What became of each event of a batch, in order: written, or already recorded before. */
export type EventStatus = "accepted" | "duplicate";

export type RecordResult =
  | {
      ok: true;
      accepted: number;
      duplicates: number;
      merged: boolean;
      statuses: EventStatus[];
      /** What became of a first page's exposure token, when the batch carried one. */
      exposure?: EventStatus;
      /** The memory as this write left it, when the batch asked for it. */
      copy?: MemoryCopy;
    }
  | { ok: false; code: "RATE_LIMITED"; retryAfterS: number };
