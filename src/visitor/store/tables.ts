/**
 * The object's tables: which exist, creating the rest, bringing an object written before the
 * one-row memory up to date (its `interests`, `views`, `impressions` and `cart` rows folded
 * into `visitor.memory`, then dropped), and dropping tables for erasure. Plain functions on
 * SqlStorage.
 *
 * @example
 * const layout = readLayout(sql);
 * if (!isCurrent(layout)) ensureSchema(sql, layout, now, halfLifeMs);
 */
import { LEGACY_TABLES, SCHEMA, type VisitorRow } from "../schema.ts";
import { importCart } from "./cart.ts";
import { addInterest, addTime } from "./fold.ts";
import { memoryOfRow, type Memory } from "./memory.ts";
import { parseObject } from "./json.ts";
import type { Prefs } from "../../engine/types.ts";

/** The object's tables, by name, with the statement SQLite keeps for each (columns included). */
export type Layout = ReadonlyMap<string, string>;

/**
 * @example
 * readLayout(sql).has("visitor");
 */
export function readLayout(sql: SqlStorage): Layout {
  return new Map(
    sql
      .exec<{ name: string; sql: string | null }>("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
      .toArray()
      .map((r) => [r.name, r.sql ?? ""]),
  );
}

/** The visitor row's table exists (anything was ever written since creation or erasure). */
export function hasSchema(layout: Layout): boolean {
  return layout.has("visitor");
}

/** Tables of objects from before the one-row memory still here. */
export function hasLegacy(layout: Layout): boolean {
  return LEGACY_TABLES.some((t) => layout.has(t)) || (layout.has("visitor") && !/\bmemory\b/.test(layout.get("visitor")!));
}

/** Every table of the current schema, and nothing of an older one. */
export function isCurrent(layout: Layout): boolean {
  return layout.has("visitor") && layout.has("prefs") && layout.has("last_page") && !hasLegacy(layout);
}

/** The stated preferences row, when there is one. */
export function statedPrefsRow(sql: SqlStorage, layout: Layout): { prefs: Prefs; at: number } | null {
  if (!layout.has("prefs")) return null;
  const row = sql.exec<{ data: string; at: number }>("SELECT data, at FROM prefs WHERE id = 1").toArray()[0];
  return row ? { prefs: parseObject(row.data) as Prefs, at: row.at } : null;
}

/** An older object's memory, read from its tables (nothing written: reads never migrate). */
export function legacyMemory(sql: SqlStorage, layout: Layout, row: VisitorRow, halfLifeMs: number): Memory {
  const m = memoryOfRow(row);
  if (layout.has("interests")) {
    for (const i of sql.exec<{ topic: string; score: number; at: number }>("SELECT topic, score, at FROM interests")) addInterest(m, [i.topic], i.score, i.at, halfLifeMs);
  }
  if (layout.has("views")) for (const v of sql.exec<{ key: string; at: number }>("SELECT key, at FROM views ORDER BY at")) addTime(m.views, v.key, v.at);
  if (layout.has("impressions")) for (const v of sql.exec<{ key: string; at: number }>("SELECT key, at FROM impressions ORDER BY at")) addTime(m.impressions, v.key, v.at);
  if (layout.has("cart")) {
    importCart(m, sql.exec<{ sku: string; qty: number; price: number | null }>("SELECT sku, qty, price FROM cart").toArray());
  }
  m.statedPrefs = statedPrefsRow(sql, layout)?.prefs ?? m.statedPrefs;
  return m;
}

/**
 * Creates what is missing (every statement is idempotent) and folds an older object's tables
 * into its memory row, then drops them. Returns the memory when it was migrated (the caller
 * writes it), else null. Runs inside the caller's transaction.
 */
export function ensureSchema(sql: SqlStorage, layout: Layout, halfLifeMs: number): Memory | null {
  if (layout.has("visitor") && !/\bmemory\b/.test(layout.get("visitor")!)) {
    sql.exec("ALTER TABLE visitor ADD COLUMN memory TEXT NOT NULL DEFAULT '{}'");
    sql.exec("ALTER TABLE visitor ADD COLUMN version INTEGER NOT NULL DEFAULT 0");
    sql.exec("ALTER TABLE visitor ADD COLUMN gen TEXT");
  }
  for (const statement of SCHEMA) sql.exec(statement);
  if (!LEGACY_TABLES.some((t) => layout.has(t))) return null;
  const row = sql.exec<VisitorRow>("SELECT * FROM visitor WHERE id = 1").toArray()[0];
  const migrated = row ? legacyMemory(sql, layout, row, halfLifeMs) : null;
  for (const t of LEGACY_TABLES) sql.exec(`DROP TABLE IF EXISTS ${t}`);
  return migrated;
}

/** Drops every table of this object but `keep` (SQLite's and the platform's own are not ours to drop). */
export function dropAllBut(sql: SqlStorage, keep: readonly string[]): void {
  const tables = sql
    .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'")
    .toArray()
    .map((r) => r.name)
    .filter((name) => !keep.includes(name));
  for (const name of tables) sql.exec(`DROP TABLE IF EXISTS "${name.replace(/"/g, '""')}"`);
}

/**
 * Which of the named tables exist, asked in one catalogue read. The channels' modules
 * (./channels.ts) create their tables on their first write only, so a read (a snapshot, the
 * alarm) on an object that never had them must ask first rather than fail, and must never
 * create storage.
 *
 * @example
 * const present = existingTables(sql, ["srv_cases", "srv_subscription"]);
 * if (present.has("srv_cases")) …
 */
export function existingTables(sql: SqlStorage, names: readonly string[]): Set<string> {
  const placeholders = names.map(() => "?").join(", ");
  const rows = sql.exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (${placeholders})`, ...names).toArray();
  return new Set(rows.map((r) => r.name));
}

/** Runs each idempotent statement (CREATE … IF NOT EXISTS). */
export function ensureTables(sql: SqlStorage, statements: readonly string[]): void {
  for (const statement of statements) sql.exec(statement);
}
