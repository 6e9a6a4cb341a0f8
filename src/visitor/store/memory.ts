/**
 * A visitor's memory as one value: what the `visitor` row holds (src/visitor/schema.ts), as
 * plain data. The object folds events into it and writes it back in one statement; the page
 * path turns it into the engine's snapshot (./snapshot.ts), in the object or, from the colo's
 * copy (src/visitor/edge-copy.ts), at the edge. Pure: no storage, no clock.
 *
 * Collections are arrays, never objects keyed by what a client sent: a topic, category or SKU
 * named `__proto__` is a string like any other here.
 */
import type { Prefs } from "../../engine/types.ts";
import type { VisitorRow } from "../schema.ts";

/** One cart line, with what the events that added it said about the item (./cart.ts). */
export interface CartLine {
  sku: string;
  qty: number;
  price: number | null;
  name?: string;
  /** An http(s) or root-relative URL; never written into a page by a placeholder. */
  image?: string;
  category?: string;
  /** The last add of this SKU (the snapshot lists the most recent first); absent in lines from before. */
  addedAt?: number;
}

export interface Memory {
  visits: number;
  visitStart: number | null;
  prevVisitStart: number | null;
  lastView: number | null;
  lastActive: number;
  conversions: number;
  lastConversionAt: number | null;
  openCase: boolean;
  cartUpdatedAt: number | null;
  /** Raw interest score per topic, as of `at` (decayed on read: src/visitor/interest.ts). */
  interests: Array<{ topic: string; score: number; at: number }>;
  /** Page-view times per category or topic, oldest first. */
  views: Array<{ key: string; at: number[] }>;
  /** Served impression times per `slot/variant` and `campaign:<id>`, oldest first (frequency caps). */
  impressions: Array<{ key: string; at: number[] }>;
  /** Sorted by SKU. */
  cart: CartLine[];
  /** The preference centre's stated preferences (the `prefs` table's, mirrored here for the page path). */
  statedPrefs: Prefs | null;
  /** What backends said that a page needs (./server-memory.ts keeps the cases and subscription themselves); absent: nothing. */
  server?: ServerMemory;
}

/** The engine's part of server events, as of the last one: open cases, and the subscription. */
export interface ServerMemory {
  openCases: number;
  subscription?: { status: string; plan?: string };
}

/**
 * The memory as the object last wrote it, for a copy kept near the page (the colo's Cache
 * API): `gen` changes when the object is erased, `version` counts its writes, `at` is when
 * the object wrote it (its clock).
 */
export interface MemoryCopy {
  gen: string;
  version: number;
  at: number;
  memory: Memory;
}

/** The collections, as stored in `visitor.memory`. */
type StoredCollections = Pick<Memory, "interests" | "views" | "impressions" | "cart" | "statedPrefs" | "server">;

/** The `visitor` row as read, with its memory columns. */
export interface MemoryRow extends VisitorRow {
  memory: string;
  version: number;
  gen: string | null;
}

/**
 * A visitor seen for the first time at `now`.
 *
 * @example
 * const m = emptyMemory(Date.now());
 */
export function emptyMemory(now: number): Memory {
  return {
    visits: 0,
    visitStart: null,
    prevVisitStart: null,
    lastView: null,
    lastActive: now,
    conversions: 0,
    lastConversionAt: null,
    openCase: false,
    cartUpdatedAt: null,
    interests: [],
    views: [],
    impressions: [],
    cart: [],
    statedPrefs: null,
  };
}

function arrayOr<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

/**
 * The memory of a stored row (collections that are missing or unreadable count as empty).
 *
 * @example
 * const m = memoryOfRow(sql.exec<MemoryRow>("SELECT * FROM visitor WHERE id = 1").one());
 */
export function memoryOfRow(row: VisitorRow & { memory?: SqlStorageValue }): Memory {
  let stored: Partial<StoredCollections> = {};
  try {
    const parsed: unknown = typeof row.memory === "string" ? JSON.parse(row.memory) : {};
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) stored = parsed as Partial<StoredCollections>;
  } catch {
    // A row this code wrote is JSON; anything else starts the collections over.
  }
  return {
    visits: row.visits,
    visitStart: row.visit_start,
    prevVisitStart: row.prev_visit_start,
    lastView: row.last_view,
    lastActive: row.last_active,
    conversions: row.conversions,
    lastConversionAt: row.last_conversion_at,
    openCase: row.open_case === 1,
    cartUpdatedAt: row.cart_updated_at,
    interests: arrayOr(stored.interests),
    views: arrayOr(stored.views),
    impressions: arrayOr(stored.impressions),
    cart: arrayOr(stored.cart),
    statedPrefs: typeof stored.statedPrefs === "object" && stored.statedPrefs !== null ? stored.statedPrefs : null,
    ...(typeof stored.server === "object" && stored.server !== null && typeof stored.server.openCases === "number" ? { server: stored.server } : {}),
  };
}

/** The row's columns for a memory, in the order of WRITE_COLUMNS. */
export function rowValues(m: Memory): SqlStorageValue[] {
  const collections: StoredCollections = { interests: m.interests, views: m.views, impressions: m.impressions, cart: m.cart, statedPrefs: m.statedPrefs };
  if (m.server) collections.server = m.server;
  return [
    m.visits,
    m.visitStart,
    m.prevVisitStart,
    m.lastView,
    m.lastActive,
    m.conversions,
    m.lastConversionAt,
    m.openCase ? 1 : 0,
    m.cartUpdatedAt,
    JSON.stringify(collections),
  ];
}

/** The columns `rowValues` fills. */
export const WRITE_COLUMNS = [
  "visits",
  "visit_start",
  "prev_visit_start",
  "last_view",
  "last_active",
  "conversions",
  "last_conversion_at",
  "open_case",
  "cart_updated_at",
  "memory",
] as const;

/** The `visitor` row of a memory (the merge's wire format: VisitorHistory.visitor). */
export function visitorRowOf(m: Memory): VisitorRow {
  return {
    visits: m.visits,
    visit_start: m.visitStart,
    prev_visit_start: m.prevVisitStart,
    last_view: m.lastView,
    last_active: m.lastActive,
    conversions: m.conversions,
    last_conversion_at: m.lastConversionAt,
    open_case: m.openCase ? 1 : 0,
    cart_updated_at: m.cartUpdatedAt,
  };
}
