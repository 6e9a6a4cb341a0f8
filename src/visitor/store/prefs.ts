/**
 * The visitor's stated preferences (the preference centre): the `prefs` row, and its mirror
 * in the memory row the page path reads. They count as activity for retention.
 *
 * @example
 * ctx.storage.transactionSync(() => writePreferences(sql, loaded?.memory ?? null, { topics: ["yoga"] }, now));
 */
import type { Prefs } from "../../engine/types.ts";
import { emptyMemory, type Memory, type MemoryCopy } from "./memory.ts";
import { saveMemory } from "./row.ts";

/** Sets (or, with null, clears) the stated preferences; inside the caller's transaction. */
export function writePreferences(sql: SqlStorage, memory: Memory | null, prefs: Prefs | null, now: number): MemoryCopy {
  const m = memory ?? emptyMemory(now);
  if (prefs === null) sql.exec("DELETE FROM prefs");
  else sql.exec("INSERT OR REPLACE INTO prefs (id, data, at) VALUES (1, ?, ?)", JSON.stringify(prefs), now);
  m.statedPrefs = prefs;
  m.lastActive = Math.max(m.lastActive, now);
  return saveMemory(sql, m, Date.now());
}
