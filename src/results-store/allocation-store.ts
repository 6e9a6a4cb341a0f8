/**
 * The bandit's published allocation (KV `allocation/current`, beside the manifest), read
 * the way the manifest store reads the manifest: once per isolate per TTL, refreshed in the
 * background while the held copy serves, a cold read within a budget, the last good copy
 * kept when KV fails or the value is invalid. Anything missing → null: the engine then uses
 * the manifest's weights (fail open).
 */
import * as v from "valibot";
import { hardCapMs, type HeldReadOptions } from "../content/manifest-store.ts";
import { HeldValue } from "../held-value.ts";
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

/** Experiment id → arm id → weight: what the engine decides with. */
export type Allocation = Record<string, Record<string, number>>;

/** After a failed read, wait this long before asking KV again. */
const RETRY_AFTER_MS = 5_000;

// Keyed by the KV binding: one held allocation per namespace per isolate (shared by all visitors).
const held = new WeakMap<KVNamespace, HeldValue<PublishedAllocation | null>>();

function heldFor(kv: KVNamespace): HeldValue<PublishedAllocation | null> {
  let h = held.get(kv);
  if (!h) {
    h = new HeldValue({
      load: () => loadAllocation(kv),
      retryAfterMs: RETRY_AFTER_MS,
      onError: (err) => logEvent("warn", "allocation-store", "ALLOCATION_REFRESH_FAILED", { error: String(err) }),
    });
    held.set(kv, h);
  }
  return h;
}

async function loadAllocation(kv: KVNamespace): Promise<PublishedAllocation | null> {
  const raw = await kv.get(ALLOCATION_KEY, "json");
  if (raw === null) return null;
  const parsed = v.safeParse(PublishedAllocationSchema, raw);
  if (!parsed.success) throw new Error(`${ALLOCATION_KEY}: ${parsed.issues[0]?.message ?? "invalid"}`);
  return parsed.output;
}

/**
 * The allocation to decide with, or undefined (then the manifest's weights apply).
 *
 * @example
 * const allocation = await readAllocation(env.CONTENT, { ttlMs: 30_000, budgetMs: 50, waitUntil, now: Date.now() });
 * decide({ ...input, ...(allocation ? { allocation } : {}) });
 */
export async function readAllocation(kv: KVNamespace, opts: HeldReadOptions): Promise<Allocation | undefined> {
  const r = await heldFor(kv).read({ ...opts, hardCapMs: hardCapMs(opts.budgetMs) });
  return r.value?.allocation;
}

/** Forget what this isolate holds (tests; the scheduler after it published in this isolate). */
export function invalidateAllocation(kv: KVNamespace): void {
  held.delete(kv);
}
