/**
 * The bandit's published allocation (KV `allocation/current`, beside the manifest), read
 * the way the manifest store reads the manifest: once per isolate per TTL, refreshed in the
 * background while the held copy serves, a cold read within a budget, the last good copy
 * kept when KV fails or the value is invalid. Anything missing → null: the engine then uses
 * the manifest's weights (fail open).
 */
import * as v from "valibot";
import { withinBudget } from "../timing.ts";
import { logEvent } from "../observability/log.ts";

export const ALLOCATION_KEY = "allocation/current";

const Weights = v.record(v.string(), v.pipe(v.number(), v.finite(), v.minValue(0)));

export const PublishedAllocationSchema = v.object({
  /** allocationPeriod(computedAt, periodMs) */
  period: v.pipe(v.number(), v.integer()),
  periodMs: v.pipe(v.number(), v.integer(), v.minValue(1)),
  computedAt: v.string(),
  /** Experiment id → arm id → weight (sums to 1 per experiment). */
  allocation: v.record(v.string(), Weights),
});

export type PublishedAllocation = v.InferOutput<typeof PublishedAllocationSchema>;

interface Held {
  value: PublishedAllocation | null;
  fetchedAt: number;
  failedAt: number;
  inflight: Promise<PublishedAllocation | null> | null;
}

/** After a failed read, wait this long before asking KV again. */
const RETRY_AFTER_MS = 5_000;

// Keyed by the KV binding: one held allocation per namespace per isolate (shared by all visitors).
const held = new WeakMap<KVNamespace, Held>();

function stateFor(kv: KVNamespace): Held {
  let s = held.get(kv);
  if (!s) {
    s = { value: null, fetchedAt: 0, failedAt: 0, inflight: null };
    held.set(kv, s);
  }
  return s;
}

/** A background read may outlive the request's budget, not forever: a hung KV read must not block every later refresh (nor hold the request's waitUntil open). */
const hardCapMs = (budgetMs: number) => Math.max(1_000, budgetMs * 20);

async function refresh(kv: KVNamespace, s: Held, budgetMs: number): Promise<PublishedAllocation | null> {
  try {
    const read = await withinBudget(kv.get(ALLOCATION_KEY, "json"), hardCapMs(budgetMs));
    if (!read.ok) throw read.error;
    const raw = read.value;
    if (raw === null) {
      s.value = null;
    } else {
      const parsed = v.safeParse(PublishedAllocationSchema, raw);
      if (!parsed.success) throw new Error(`${ALLOCATION_KEY}: ${parsed.issues[0]?.message ?? "invalid"}`);
      s.value = parsed.output;
    }
    s.fetchedAt = Date.now();
    return s.value;
  } catch (err) {
    s.failedAt = Date.now();
    logEvent("warn", "allocation-store", "ALLOCATION_REFRESH_FAILED", { error: String(err) });
    return s.value; // the last good one, or null
  } finally {
    s.inflight = null;
  }
}

/**
 * The allocation to decide with, or undefined (then the manifest's weights apply).
 *
 * @example
 * const allocation = await readAllocation(env.CONTENT, { ttlMs: 30_000, budgetMs: 50, waitUntil });
 * decide({ ...input, ...(allocation ? { allocation } : {}) });
 */
export async function readAllocation(
  kv: KVNamespace,
  opts: { ttlMs: number; budgetMs: number; waitUntil: (p: Promise<unknown>) => void },
): Promise<Record<string, Record<string, number>> | undefined> {
  const s = stateFor(kv);
  const now = Date.now();
  const loaded = s.fetchedAt > 0;
  if (loaded && now - s.fetchedAt < opts.ttlMs) return s.value?.allocation;
  if (!s.inflight && now - s.failedAt > RETRY_AFTER_MS) {
    s.inflight = refresh(kv, s, opts.budgetMs);
    opts.waitUntil(s.inflight);
  }
  if (loaded || !s.inflight) return s.value?.allocation;
  const r = await withinBudget(s.inflight, opts.budgetMs);
  return r.ok ? r.value?.allocation : undefined;
}

/** Forget what this isolate holds (tests; the scheduler after it published in this isolate). */
export function invalidateAllocation(kv: KVNamespace): void {
  held.delete(kv);
}
