/**
 * The page path's read of a visitor's memory, within STATE_BUDGET_MS: the copy this isolate
 * holds, else the colo's, when it may be used (src/visitor/edge-copy.ts), so the object is not asked at all; else the object
 * (src/visitor/access.ts), whose answer then becomes the copy. The caller has already decided
 * that memory may be read for this request (tracking allowed, a known visitor).
 *
 * @example
 * const state = await readMemory({ ns, name, now, budgetMs: 25, copies, erasedAt: null, settings, waitUntil });
 */
import { withinBudget } from "../timing.ts";
import { readSnapshot, type StateRead, type VisitorNamespace } from "./access.ts";
import { heldCopy, keepCopy, readCopy, type CopySettings } from "./edge-copy.ts";
import { snapshotOf, type SnapshotSettings } from "./store/snapshot.ts";

export interface MemoryAsk {
  ns: VisitorNamespace;
  /** The visitor's object. */
  name: string;
  now: number;
  budgetMs: number;
  /** Null: copies are off (MEMORY_COPY_MAX_AGE_S=0), the object is always asked. */
  copies: CopySettings | null;
  /** When this browser last erased its memory (`__Host-p13n_erased`), or null. */
  erasedAt: number | null;
  /** What a snapshot depends on (the config's interest half-life and cart abandonment). */
  settings: SnapshotSettings;
  waitUntil: (p: Promise<unknown>) => void;
}

/** Never throws: a copy that cannot be read is a miss, an object that cannot be read is the status. */
export async function readMemory(a: MemoryAsk): Promise<StateRead> {
  const started = performance.now();
  if (a.copies) {
    // The isolate's own copy first: no Cache API read, no timer.
    const memo = heldCopy(a.copies, a.name, a.now, a.erasedAt);
    if (memo) return { snapshot: snapshotOf(memo.memory, a.now, a.settings), status: "copy", ms: performance.now() - started };
    const held = await withinBudget(readCopy(a.copies, a.name, a.now, a.erasedAt), a.budgetMs);
    if (held.ok && held.value) return { snapshot: snapshotOf(held.value.memory, a.now, a.settings), status: "copy", ms: performance.now() - started };
  }
  const left = Math.max(1, a.budgetMs - (performance.now() - started));
  const { copy, ...state } = await readSnapshot(a.ns, a.name, left, a.copies ? { copy: true } : {});
  if (a.copies && copy) a.waitUntil(keepCopy(a.copies, a.name, copy));
  return { ...state, ms: performance.now() - started };
}
