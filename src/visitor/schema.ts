/**
 * The SQLite schema of a visitor's object, and the bounds that keep it small.
 * Aggregates are kept up to date on every write, so a snapshot is a handful
 * of indexed reads; the raw events are only a bounded recent history.
 */
import { CART_SCHEMA, CART_TABLE, type CartRow } from "./store/cart.ts";

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
export const MAX_VIEW_ROWS = 1_000;
export const MAX_CART_LINES = 100;

/** Statements that create the schema; each is idempotent. */
export const SCHEMA: readonly string[] = [
  // One row: the visitor's scalar aggregates.
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
    cart_updated_at INTEGER
  )`,
  // Raw interest score per topic, as of `at` (decayed on read, see interest.ts).
  `CREATE TABLE IF NOT EXISTS interests (topic TEXT PRIMARY KEY, score REAL NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID`,
  // One row per page view per category/topic key, for recentViews.
  `CREATE TABLE IF NOT EXISTS views (key TEXT NOT NULL, at INTEGER NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS views_at ON views (at)`,
  // Served impressions per `slot/variant` and `campaign:<id>`, for frequency caps.
  `CREATE TABLE IF NOT EXISTS impressions (key TEXT NOT NULL, at INTEGER NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS impressions_key_at ON impressions (key, at)`,
  // Cart lines with what the events that added them said (store/cart.ts; before: the `cart` table).
  CART_SCHEMA,
  // Bounded recent history: `data` is the event's own fields as JSON.
  `CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, type TEXT NOT NULL, at INTEGER NOT NULL, data TEXT NOT NULL)`,
  // Event ids already taken (deduplication).
  `CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID`,
  `CREATE INDEX IF NOT EXISTS seen_at ON seen (at)`,
  // Anonymous ids whose history was merged into this (signed-in) object, and when.
  `CREATE TABLE IF NOT EXISTS merged (vid TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID`,
  // One row: preferences the visitor stated in the preference centre (JSON), and when.
  `CREATE TABLE IF NOT EXISTS prefs (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL, at INTEGER NOT NULL)`,
  // One row: the last page's decisions and why, in plain words (JSON; see disclosure.ts).
  `CREATE TABLE IF NOT EXISTS last_page (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL)`,
];

/** The newest table: an object created before it existed gets the rest of the schema on its next write. */
export const NEWEST_TABLE = CART_TABLE;

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

/** Everything one object holds: what a merge carries over and what erasure removes. */
export interface VisitorHistory {
  visitor: VisitorRow | null;
  interests: Array<{ topic: string; score: number; at: number }>;
  views: Array<{ key: string; at: number }>;
  impressions: Array<{ key: string; at: number }>;
  cart: CartRow[];
  events: Array<{ id: string; type: string; at: number; data: string }>;
  seen: Array<{ id: string; at: number }>;
  /** Stated preferences (JSON) and when they were set; absent in objects from before the preference centre. */
  prefs?: { data: string; at: number } | null;
}
