/**
 * Reaching a visitor's object from the Worker, within a budget. docs/reliability.md
 * ("Durable Object slow, overloaded or unavailable"): a fresh stub per call; never
 * retry an overloaded object; retry a retryable error only for an idempotent read,
 * with a fresh stub, and only while the budget lasts. Nothing here throws: every failure is a status for
 * Server-Timing and the caller decides without the state.
 */
import { withinBudget } from "../timing.ts";
import { dropCopies, keepCopy, type CopyKeeper } from "./edge-copy.ts";
import type { RecordBatch, RecordResult } from "./events.ts";
import { anonymousObjectName, visitorStub } from "./key.ts";
import type { VisitorObject, SnapshotOptions, VisitorState } from "./object.ts";
import type { MemoryCopy } from "./store/memory.ts";

export type VisitorNamespace = DurableObjectNamespace<VisitorObject>;

/**
 * How the state read went: `hit` = the object answered, `copy` = the colo's copy of its memory
 * decided (src/visitor/edge-copy.ts), `miss` = there was nothing to ask (no id, no consent, a new visitor).
 */
export type StateStatus = "hit" | "copy" | "miss" | "timeout" | "overload" | "error";

export interface StateRead {
  /** The snapshot, with the visitor's stated preferences. */
  snapshot: VisitorState | null;
  status: StateStatus;
  ms: number;
  /** Set when status is error or overload, for the log. */
  error?: unknown;
  /** The memory the object answered with, when asked for (`SnapshotOptions.copy`). */
  copy?: MemoryCopy;
}

/** Durable Object errors carry these flags (Cloudflare docs, "Error handling"). */
interface DurableObjectErrorFlags {
  overloaded?: boolean;
  retryable?: boolean;
}

function flags(err: unknown): DurableObjectErrorFlags {
  return typeof err === "object" && err !== null ? (err as DurableObjectErrorFlags) : {};
}

/** True for the error a Durable Object answers when it is over its capacity. */
export function isOverloaded(err: unknown): boolean {
  return flags(err).overloaded === true;
}

/**
 * Reads a visitor's snapshot within `budgetMs`.
 *
 * @example
 * const state = await readSnapshot(env.VISITOR, "vid:0f3a…", config.stateBudgetMs);
 * timing.add("state", state.ms, state.status);
 */
export async function readSnapshot(
  ns: VisitorNamespace,
  name: string,
  budgetMs: number,
  options: SnapshotOptions = {},
): Promise<StateRead> {
  const started = performance.now();
  const deadline = started + budgetMs;
  const attempt = async (): Promise<VisitorState> => {
    try {
      return await visitorStub(ns, name).snapshot(options);
    } catch (err) {
      const f = flags(err);
      // A snapshot read is idempotent: one more try, on a fresh stub, while time is left.
      if (f.retryable === true && f.overloaded !== true && performance.now() < deadline) {
        return visitorStub(ns, name).snapshot(options);
      }
      throw err;
    }
  };
  const r = await withinBudget(attempt(), budgetMs);
  const ms = performance.now() - started;
  if (r.ok) {
    const { copy, ...snapshot } = r.value as VisitorState & { copy?: MemoryCopy };
    return copy ? { snapshot, status: "hit", ms, copy } : { snapshot, status: "hit", ms };
  }
  if (r.reason === "timeout") return { snapshot: null, status: "timeout", ms };
  return { snapshot: null, status: isOverloaded(r.error) ? "overload" : "error", ms, error: r.error };
}

export type WriteOutcome =
  | { ok: true; result: RecordResult; ms: number }
  | { ok: false; status: "timeout" | "overload" | "error"; error: unknown; ms: number };

/** The object's answer as the colo's copy; an anonymous object merged into this one (so erased) loses its copy here. */
function keepAnswer(keeper: CopyKeeper, name: string, batch: RecordBatch, result: RecordResult): RecordResult {
  if (!result.ok) return result;
  const { copy, ...rest } = result;
  if (copy) keeper.waitUntil(keepCopy(keeper.settings, name, copy));
  if (rest.merged && batch.mergeFrom) keeper.waitUntil(dropCopies(keeper.settings, [anonymousObjectName(batch.mergeFrom)]));
  return rest;
}

/**
 * Writes a batch once (a write is never retried here: the caller knows whether it may send
 * again). With a keeper, the memory as written becomes the colo's copy.
 *
 * @example
 * const out = await recordEvents(env.VISITOR, "sub:user-1", { events }, 2000);
 * if (out.ok && out.result.ok) acknowledge();
 */
export async function recordEvents(ns: VisitorNamespace, name: string, batch: RecordBatch, budgetMs: number, keeper?: CopyKeeper | null): Promise<WriteOutcome> {
  let work: Promise<RecordResult>;
  try {
    work = visitorStub(ns, name).record(keeper ? { ...batch, copy: true } : batch);
  } catch (error) {
    return { ok: false, status: "error", error, ms: 0 };
  }
  const r = await withinBudget(work, budgetMs);
  if (r.ok) return { ok: true, result: keeper ? keepAnswer(keeper, name, batch, r.value) : r.value, ms: r.ms };
  if (r.reason === "timeout") return { ok: false, status: "timeout", error: r.error, ms: r.ms };
  return { ok: false, status: isOverloaded(r.error) ? "overload" : "error", error: r.error, ms: r.ms };
}
