/**
 * A value held per isolate and refreshed in the background: the published manifest
 * (src/content/manifest-store.ts), the bandit's allocation (src/results-store/allocation-store.ts)
 * and a remote JWKS (src/identity/jwks-cache.ts) are each one of these.
 *
 *  - Fresh (read within `ttlMs` of the last good load): served as held, nothing asked.
 *  - Stale: served as held at once, while one load runs in the background (`waitUntil`).
 *  - Cold (nothing held yet): the caller waits for the load, at most `budgetMs`.
 *  - A failed load keeps the last good value, and no load is tried again for `retryAfterMs`
 *    (a failing store is not hammered); a hung load is abandoned after `hardCapMs`, so it
 *    cannot block every later refresh.
 *  - One load at a time: every reader meanwhile shares it.
 *
 * Time is the caller's `now` (epoch ms), never read here: tests move it instead of sleeping.
 * The budgets are timers (withinBudget), not clock reads.
 *
 * @example
 * const held = new HeldValue({ load: () => kv.get("k", "json"), retryAfterMs: 5_000 });
 * const r = await held.read({ now: Date.now(), ttlMs: 30_000, budgetMs: 50, hardCapMs: 1_000, waitUntil });
 * r.source; // "hit" | "stale" | "miss" | "timeout" | "error"
 */
import { withinBudget } from "./timing.ts";

export interface HeldOptions<T> {
  /** Reads the value; may throw (the last good value is kept). */
  load: () => Promise<T>;
  /** After a failed load, wait this long before trying again. */
  retryAfterMs: number;
  /** Told of each failed load (the owner logs it). */
  onError?: (err: unknown) => void;
}

export interface ReadOptions {
  /** The caller's clock, epoch ms. */
  now: number;
  /** How long a good load is served without asking again. */
  ttlMs: number;
  /** How long a cold read waits for the load; absent: until it settles (it is capped anyway). */
  budgetMs?: number;
  /** A load is abandoned after this long (a hung read must not block later refreshes). */
  hardCapMs: number;
  /** Where a background load goes so the runtime lets it finish; absent: it runs unattended. */
  waitUntil?: (p: Promise<unknown>) => void;
}

/**
 * `hit`: fresh; `stale`: held, a load may run behind it; `miss`: a cold read that waited for the
 * load (its value undefined when the load failed); `timeout`: a cold read past its budget.
 */
export type HeldSource = "hit" | "stale" | "miss" | "timeout";

export interface HeldRead<T> {
  /** The value, or undefined when none was ever loaded. */
  value: T | undefined;
  source: HeldSource;
  /** Time this read waited (0 unless cold). */
  ms: number;
}

export class HeldValue<T> {
  readonly #opts: HeldOptions<T>;
  #value: T | undefined;
  #loaded = false;
  #loadedAt = -Infinity;
  #startedAt = -Infinity;
  #failedAt = -Infinity;
  #inflight: Promise<void> | null = null;

  constructor(opts: HeldOptions<T>) {
    this.#opts = opts;
  }

  /** The last good value, or undefined. */
  get value(): T | undefined {
    return this.#value;
  }

  /** When the current (or last) load started, on the callers' clock. */
  get startedAt(): number {
    return this.#startedAt;
  }

  async read(o: ReadOptions): Promise<HeldRead<T>> {
    if (this.#loaded && o.now - this.#loadedAt < o.ttlMs) return { value: this.#value, source: "hit", ms: 0 };
    if (!this.#inflight && o.now - this.#failedAt > this.#opts.retryAfterMs) this.#start(o);
    const inflight = this.#inflight;
    // Serve what is held while the load (if any) runs in the background.
    if (this.#loaded || !inflight) return { value: this.#value, source: "stale", ms: 0 };
    const waited = performance.now();
    if (o.budgetMs === undefined) {
      await inflight;
      return { value: this.#value, source: "miss", ms: performance.now() - waited };
    }
    // The load never rejects (failures only mark the value): a budget miss is the only way out.
    const r = await withinBudget(inflight, o.budgetMs);
    return r.ok ? { value: this.#value, source: "miss", ms: r.ms } : { value: undefined, source: "timeout", ms: r.ms };
  }

  /**
   * Loads again now unless a load is running or one started within `minIntervalMs` (a JWKS
   * meeting an unknown `kid`: at most one refetch a minute, shared by every request that
   * meets it). Resolves when the running load (this one or another) settles; null when none runs.
   */
  renew(o: Omit<ReadOptions, "ttlMs" | "budgetMs"> & { minIntervalMs: number }): Promise<void> | null {
    if (!this.#inflight && o.now - this.#startedAt >= o.minIntervalMs) this.#start(o);
    return this.#inflight;
  }

  #start(o: Pick<ReadOptions, "now" | "hardCapMs" | "waitUntil">): void {
    this.#startedAt = o.now;
    const run = async () => {
      try {
        const r = await withinBudget(this.#opts.load(), o.hardCapMs);
        if (!r.ok) throw r.error;
        this.#value = r.value;
        this.#loaded = true;
        this.#loadedAt = o.now;
      } catch (err) {
        this.#failedAt = o.now;
        this.#opts.onError?.(err);
      } finally {
        this.#inflight = null;
      }
    };
    this.#inflight = run();
    o.waitUntil?.(this.#inflight);
  }
}
