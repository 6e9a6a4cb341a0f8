/**
 * Reading and writing the one `visitor` row: the memory (./memory.ts), its write counter and
 * its generation. A read is one statement; so is a write, which also answers the new version.
 *
 * @example
 * const loaded = loadMemory(sql, layout, halfLifeMs);
 * const copy = saveMemory(sql, memory, Date.now());
 */
import type { VisitorRow } from "../schema.ts";
import { memoryOfRow, rowValues, WRITE_COLUMNS, type Memory, type MemoryCopy, type MemoryRow } from "./memory.ts";
import { hasLegacy, hasSchema, legacyMemory, type Layout } from "./tables.ts";

/** The stored memory with its version and generation (version 0 and no gen: an older object's row). */
export interface Loaded {
  memory: Memory;
  version: number;
  gen: string | null;
}

/**
 * The visitor's memory, or null when nothing is stored. Never writes: an older object's
 * tables are read as they are (they are folded into the row on its next write).
 */
export function loadMemory(sql: SqlStorage, layout: Layout, halfLifeMs: number): Loaded | null {
  if (!hasSchema(layout)) return null;
  const row = sql.exec<VisitorRow & Partial<MemoryRow>>("SELECT * FROM visitor WHERE id = 1").toArray()[0];
  if (!row) return null;
  const memory = hasLegacy(layout) ? legacyMemory(sql, layout, row, halfLifeMs) : memoryOfRow(row);
  return { memory, version: row.version ?? 0, gen: row.gen ?? null };
}

const PLACES = WRITE_COLUMNS.map(() => "?").join(", ");
const UPDATES = WRITE_COLUMNS.map((c) => `${c} = excluded.${c}`).join(", ");
/**
 * Creates the row (a new generation) or replaces it (the generation kept; an older object's
 * row gets one now), counting the write, in one statement.
 */
const SAVE = `INSERT INTO visitor (id, ${WRITE_COLUMNS.join(", ")}, version, gen) VALUES (1, ${PLACES}, 1, ?)
  ON CONFLICT (id) DO UPDATE SET ${UPDATES}, version = version + 1, gen = COALESCE(gen, excluded.gen)
  RETURNING version, gen`;

/**
 * Writes the memory (inside the caller's transaction); returns it as a copy the edge may keep,
 * stamped with `writtenAt` (the object's clock: a copy's age is measured from it).
 *
 * @example
 * const copy = saveMemory(sql, memory, Date.now());
 */
export function saveMemory(sql: SqlStorage, memory: Memory, writtenAt: number): MemoryCopy {
  const saved = sql.exec<{ version: number; gen: string }>(SAVE, ...rowValues(memory), crypto.randomUUID()).one();
  return { gen: saved.gen, version: saved.version, at: writtenAt, memory };
}
