/**
 * Taking over an anonymous object's history, once per visit (README "Visitor memory"): export
 * there, import here in one transaction, then erase there. The "merged" mark is written
 * before the export is awaited: while this object waits for the other one, concurrent page
 * views of the same visitor run here too, and each would otherwise import the same history
 * again. Fails open: a failed merge is logged, its mark taken back (the next page tries
 * again), and the write goes on.
 *
 * @example
 * const merged = await mergeHistory({ sql, transaction, other, import: (h) => … }, visitorId, now);
 */
import { describeError } from "../../errors.ts";
import { logEvent } from "../../observability/log.ts";
import { SESSION_GAP_MS, type VisitorHistory } from "../schema.ts";

/** The other (anonymous) object, as far as a merge needs it. */
export interface MergeSource {
  exportHistory(): Promise<VisitorHistory>;
  forget(): Promise<unknown>;
}

export interface MergeDeps {
  sql: SqlStorage;
  /** Imports the history here, in one transaction. */
  take: (history: VisitorHistory) => void;
  other: () => MergeSource;
}

/** True when this call imported the history. */
export async function mergeHistory(d: MergeDeps, visitorId: string, now: number): Promise<boolean> {
  const { sql } = d;
  const last = sql.exec<{ at: number }>("SELECT at FROM merged WHERE vid = ?", visitorId).toArray()[0];
  if (last && now - last.at < SESSION_GAP_MS) return false;
  sql.exec("INSERT OR REPLACE INTO merged (vid, at) VALUES (?, ?)", visitorId, now);
  const other = d.other();
  let history: VisitorHistory;
  try {
    history = await other.exportHistory();
    d.take(history);
  } catch (err) {
    logEvent("error", "visitor.merge", "MERGE_FAILED", { error: describeError(err) });
    // Nothing was imported: take back this attempt's own mark (a later merge's newer one stays).
    sql.exec("DELETE FROM merged WHERE vid = ? AND at = ?", visitorId, now);
    if (last) sql.exec("INSERT OR IGNORE INTO merged (vid, at) VALUES (?, ?)", visitorId, last.at);
    return false;
  }
  // Imported: the mark stays even if the erasure there fails (the history is here now).
  try {
    if (history.visitor) await other.forget();
  } catch (err) {
    logEvent("error", "visitor.merge.forget", "MERGE_FORGET_FAILED", { error: describeError(err) });
  }
  return true;
}
