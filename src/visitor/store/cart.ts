/**
 * The visitor's cart lines, as plain functions on the object's SqlStorage: what the cart
 * events wrote (SKU, quantity, price, name, image, category, when last added), the snapshot's
 * `cart` for the engine, and the lines a merge, the preference centre and the bounds need.
 * The visitor row's `cart_updated_at` (abandonment) and a checkout's conversion stay with the
 * object; this file owns only the `cart_items` table.
 *
 * @example
 * applyCartEvent(sql, { type: "cart", id, at, action: "add", sku: "LEG-1", qty: 1, price: 88, name: "Aero Leggings", category: "leggings", topics: [] });
 * cartSnapshot(sql, { now, updatedAt, abandonAfterMs: 30 * 60_000 });
 * // { count: 1, items: [{ sku: "LEG-1", qty: 1, price: 88, name: "Aero Leggings", category: "leggings" }], value: 88, … }
 */
import type { CartItem, CartSnapshot } from "../../engine/types.ts";
import type { VisitorEvent } from "../events.ts";

export const CART_TABLE = "cart_items";

/** Lines the snapshot describes in full (the engine's `cart.items`; placeholders name 0 to 9). */
export const MAX_SNAPSHOT_CART_ITEMS = 10;

/**
 * One row per SKU. `added_at`: the last add of that SKU (the snapshot lists the most recent
 * first); name, image and category: the last add that said them.
 */
export const CART_SCHEMA = `CREATE TABLE IF NOT EXISTS ${CART_TABLE} (
  sku TEXT PRIMARY KEY,
  qty INTEGER NOT NULL,
  price REAL,
  name TEXT,
  image TEXT,
  category TEXT,
  added_at INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID`;

/** A cart line as stored, and as a merge carries it. */
export interface CartRow {
  sku: string;
  qty: number;
  price: number | null;
  name: string | null;
  image: string | null;
  category: string | null;
  added_at: number;
  [k: string]: SqlStorageValue;
}

type CartEvent = Extract<VisitorEvent, { type: "cart" }>;

/** The table before names existed (sku, qty, price). */
const LEGACY_TABLE = "cart";

/** Whether a table exists: the object's own cached lookup where it has one (a page's snapshot read is hot). */
export type HasTable = (name: string) => boolean;

function tableLookup(sql: SqlStorage): HasTable {
  return (name) => sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", name).toArray().length > 0;
}

/**
 * Moves an object's lines from the table before names existed into `cart_items`, once (run
 * where the schema is brought up to date; a no-op without the old table).
 */
export function upgradeLegacyCart(sql: SqlStorage, has: HasTable = tableLookup(sql)): void {
  if (!has(LEGACY_TABLE)) return;
  sql.exec(`INSERT OR IGNORE INTO ${CART_TABLE} (sku, qty, price) SELECT sku, qty, price FROM ${LEGACY_TABLE}`);
  sql.exec(`DROP TABLE ${LEGACY_TABLE}`);
}

/** Changes the lines for one cart event (the object keeps `cart_updated_at` and the checkout's conversion). */
export function applyCartEvent(sql: SqlStorage, event: CartEvent): void {
  const sku = event.sku ?? "";
  switch (event.action) {
    case "add":
      sql.exec(
        `INSERT INTO ${CART_TABLE} (sku, qty, price, name, image, category, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (sku) DO UPDATE SET qty = qty + excluded.qty, price = COALESCE(excluded.price, price),
           name = COALESCE(excluded.name, name), image = COALESCE(excluded.image, image),
           category = COALESCE(excluded.category, category), added_at = MAX(added_at, excluded.added_at)`,
        sku,
        event.qty,
        event.price ?? null,
        event.name ?? null,
        event.image ?? null,
        event.category ?? null,
        event.at,
      );
      break;
    case "remove":
      sql.exec(`UPDATE ${CART_TABLE} SET qty = qty - ? WHERE sku = ?`, event.qty, sku);
      sql.exec(`DELETE FROM ${CART_TABLE} WHERE qty <= 0`);
      break;
    case "clear":
    case "checkout":
      // A checkout leaves nothing to abandon.
      sql.exec(`DELETE FROM ${CART_TABLE}`);
      break;
  }
}

/** Every line, the most recently added first (ties by SKU, so the order is stable). */
function lines(sql: SqlStorage, has: HasTable): CartRow[] {
  if (!has(CART_TABLE)) {
    // An object not written since names came: its lines are still in the old table.
    const legacy = `SELECT sku, qty, price, NULL AS name, NULL AS image, NULL AS category, 0 AS added_at FROM ${LEGACY_TABLE} ORDER BY sku`;
    return has(LEGACY_TABLE) ? sql.exec<CartRow>(legacy).toArray() : [];
  }
  return sql.exec<CartRow>(`SELECT sku, qty, price, name, image, category, added_at FROM ${CART_TABLE} ORDER BY added_at DESC, sku`).toArray();
}

function item(row: CartRow): CartItem {
  const out: CartItem = { sku: row.sku, qty: row.qty };
  if (row.price != null) out.price = row.price;
  if (row.name != null) out.name = row.name;
  if (row.image != null) out.image = row.image;
  if (row.category != null) out.category = row.category;
  return out;
}

/**
 * The engine's `cart`: the count, value, SKUs and categories of every line, the most recent
 * MAX_SNAPSHOT_CART_ITEMS lines in full, and whether it was abandoned (items, and no change
 * for `abandonAfterMs`).
 */
export function cartSnapshot(sql: SqlStorage, o: { now: number; updatedAt: number | null | undefined; abandonAfterMs: number; has?: HasTable }): CartSnapshot {
  const rows = lines(sql, o.has ?? tableLookup(sql));
  if (rows.length === 0) return { count: 0, items: [], abandoned: false };
  const count = rows.reduce((n, l) => n + l.qty, 0);
  const updatedAt = o.updatedAt ?? o.now;
  const cart: CartSnapshot = {
    count,
    items: rows.slice(0, MAX_SNAPSHOT_CART_ITEMS).map(item),
    updatedAt,
    abandoned: count > 0 && o.now - updatedAt >= o.abandonAfterMs,
    skus: rows.map((l) => l.sku).filter((s) => s !== ""),
    categories: [...new Set(rows.map((l) => l.category).filter((c): c is string => typeof c === "string" && c !== ""))],
  };
  const priced = rows.filter((l) => l.price !== null);
  if (priced.length > 0) cart.value = Math.round(priced.reduce((v, l) => v + l.qty * l.price!, 0) * 100) / 100;
  return cart;
}

/** Every line as stored, for a merge into a signed-in visitor's object. */
export function exportCart(sql: SqlStorage, has: HasTable = tableLookup(sql)): CartRow[] {
  return lines(sql, has);
}

/**
 * Takes another object's lines (an anonymous visitor who signed in). The same SKU may be in
 * both (added before signing in): the larger quantity, not the sum; details kept where known.
 */
export function importCart(sql: SqlStorage, rows: readonly CartRow[]): void {
  for (const c of rows) {
    sql.exec(
      `INSERT INTO ${CART_TABLE} (sku, qty, price, name, image, category, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (sku) DO UPDATE SET qty = MAX(qty, excluded.qty), price = COALESCE(price, excluded.price),
         name = COALESCE(name, excluded.name), image = COALESCE(image, excluded.image),
         category = COALESCE(category, excluded.category), added_at = MAX(added_at, excluded.added_at)`,
      c.sku,
      c.qty,
      c.price,
      c.name,
      c.image,
      c.category,
      c.added_at,
    );
  }
}

/** The lines the visitor sees in the preference centre, by SKU. */
export function describeCart(sql: SqlStorage, has: HasTable = tableLookup(sql)): CartItem[] {
  return lines(sql, has)
    .map(item)
    .sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
}

export function cartLineCount(sql: SqlStorage, has: HasTable = tableLookup(sql)): number {
  return lines(sql, has).length;
}

/** Keeps at most `max` lines: the largest quantities, then the most recently added. */
export function pruneCart(sql: SqlStorage, max: number, has: HasTable = tableLookup(sql)): void {
  if (!has(CART_TABLE)) return;
  sql.exec(`DELETE FROM ${CART_TABLE} WHERE sku IN (SELECT sku FROM ${CART_TABLE} ORDER BY qty DESC, added_at DESC LIMIT -1 OFFSET ?)`, max);
}
