/**
 * The SQLite schema of a visitor's object, and the bounds that keep it small.
 *
 * Everything a page needs is ONE row (`visitor`): the scalar aggregates in columns, the
 * collections (interests, recent views, served impressions, cart lines, stated preferences)
 * as JSON in `memory`, a write counter (`version`) and the row's generation (`gen`, new after
 * an erasure). A write folds its events into that row (src/visitor/store/fold.ts) and writes
 * it back in one statement; a read is one row. The raw events are only a bounded recent
 * history beside it.
 */

/** A gap this long between page views starts a new visit. */
export const SESSION_GAP_MS = 30 * 60_000;
/** `recentViews` counts page views this recent. */
export const RECENT_WINDOW_MS = 7 * 86_400_000;
/** Served impressions kept for frequency caps (a cap period longer than this counts only this much). */
export const IMPRESSION_WINDOW_MS = 30 * 86_400_000;
export const MAX_IMPRESSIONS_PER_KEY = 100;
/** Recent events kept, newest first out of the bound. */
export const MAX_EVENTS = 200;
/** Event ids remembered for deduplication, and for how long. */
export const DEDUP_WINDOW_MS = 7 * 86_400_000;
export const MAX_SEEN_IDS = 5_000;
export const MAX_TOPICS = 100;
/** Page-view times kept (one per category or topic of a view), newest first. */
export const MAX_VIEW_ROWS = 1_000;
/** Cart lines kept (distinct SKUs); past it, the lines with the smallest quantities go (the least recently added first among equals). */
export const MAX_CART_LINES = 100;

/** Statements that create the schema; each is idempotent. */
export const SCHEMA: readonly string[] = [
  // One row: everything the page path needs (see above).
  `CREATE TABLE IF NOT EXISTS visitor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    visits INTEGER NOT NULL DEFAULT 0,
    visit_start INTEGER,
    prev_visit_start INTEGER,
    last_view INTEGER,
    last_active INTEGER NOT NULL,
    conversions INTEGER NOT NULL DEFAULT 0,
    last_conversion_at INTEGER,
    open_case INTEGER NOT NULL DEFAULT 0,
    cart_updated_at INTEGER,
    memory TEXT NOT NULL DEFAULT '{}',
    version INTEGER NOT NULL DEFAULT 0,
    gen TEXT
  )`,
  // Bounded recent history: `data` is the event's own fields as JSON.
  `CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, type TEXT NOT NULL, at INTEGER NOT NULL, data TEXT NOT NULL)`,
  // Event ids already taken (deduplication).
  `CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID`,
  `CREATE INDEX IF NOT EXISTS seen_at ON seen (at)`,
  // Anonymous ids whose history was merged into this (signed-in) object, and when.
  `CREATE TABLE IF NOT EXISTS merged (vid TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID`,
  // One row: preferences the visitor stated in the preference centre (JSON), and when (mirrored in `visitor.memory`).
  `CREATE TABLE IF NOT EXISTS prefs (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL, at INTEGER NOT NULL)`,
  // One row: the last page's decisions and why, in plain words (JSON; see disclosure.ts).
  `CREATE TABLE IF NOT EXISTS last_page (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL)`,
];

/**
 * Tables of objects written before the one-row memory: their rows are folded into
 * `visitor.memory` on the object's next write, then dropped (src/visitor/store/tables.ts).
 */
export const LEGACY_TABLES = ["interests", "views", "impressions", "cart"] as const;

/** The `visitor` row as stored. */
export interface VisitorRow {
  visits: number;
  visit_start: number | null;
  prev_visit_start: number | null;
  last_view: number | null;
  last_active: number;
  conversions: number;
  last_conversion_at: number | null;
  open_case: number;
  cart_updated_at: number | null;
  [k: string]: SqlStorageValue;
}

/**
 * Everything one object holds: what a merge carries over and what erasure removes. The shape
 * of the tables before the one-row memory, kept as the merge's wire format (an object of either
 * version can import another's).
 */
export interface VisitorHistory {
  visitor: VisitorRow | null;
  interests: Array<{ topic: string; score: number; at: number }>;
  views: Array<{ key: string; at: number }>;
  impressions: Array<{ key: string; at: number }>;
  /** Cart lines; name, image, category and addedAt absent from objects before cart details. */
  cart: Array<{ sku: string; qty: number; price: number | null; name?: string; image?: string; category?: string; addedAt?: number }>;
  events: Array<{ id: string; type: string; at: number; data: string }>;
  seen: Array<{ id: string; at: number }>;
  /** Stated preferences (JSON) and when they were set; absent in objects from before the preference centre. */
  prefs?: { data: string; at: number } | null;
}
