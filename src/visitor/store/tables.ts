/**
 * Which of a visitor object's tables exist, asked in one catalogue read. The store's modules
 * create their tables on their first write only, so a read (a snapshot, the alarm) on an object
 * that never had them must ask first rather than fail, and must never create storage.
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
