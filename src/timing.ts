/**
 * Time budgets for I/O edges, and the Server-Timing header that shows a site
 * owner which budget was spent where (and which one fired).
 *
 * Modelled on Hono's `middleware/timeout`: race the work against a timer and
 * always clear the timer in `finally`, so no timer outlives the request.
 */
import { P13nError } from "./errors.ts";

export type Budgeted<T> =
  | { ok: true; value: T; ms: number }
  | { ok: false; reason: "timeout" | "error"; error: unknown; ms: number };

/**
 * Waits for `work` at most `budgetMs`. Never throws: the caller picks the fallback.
 * The work itself keeps running past the budget (pass it to `waitUntil` if it must finish).
 *
 * @example
 * const r = await withinBudget(kv.get("k"), 50);
 * const value = r.ok ? r.value : null; // fall back on timeout or error
 */
export async function withinBudget<T>(work: Promise<T>, budgetMs: number): Promise<Budgeted<T>> {
  const started = performance.now();
  // Work already settled (a template or manifest the isolate holds) needs no timer: one
  // microtask tells, where a timer set and cleared costs every request.
  try {
    const settled = await Promise.race([work, NOT_YET]);
    if (settled !== PENDING) return { ok: true, value: settled as T, ms: performance.now() - started };
  } catch (error) {
    return { ok: false, reason: "error", error, ms: performance.now() - started };
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), budgetMs);
  });
  try {
    const winner = await Promise.race([work.then((value) => ({ value })), timeout]);
    const ms = performance.now() - started;
    if (winner === "timeout") {
      return { ok: false, reason: "timeout", error: new P13nError("BUDGET_EXCEEDED", `over ${budgetMs} ms`), ms };
    }
    return { ok: true, value: winner.value, ms };
  } catch (error) {
    return { ok: false, reason: "error", error, ms: performance.now() - started };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

const QUOTED = /["\\]/;
const QUOTED_ALL = /["\\]/g;

/** Loses a race to any promise already settled when the race starts (its reaction is queued first). */
const PENDING: unique symbol = Symbol("pending");
const NOT_YET = Promise.resolve(PENDING);

export interface TimingEntry {
  name: string;
  ms: number;
  desc?: string;
}

/**
 * Collects `Server-Timing` entries for one request (one instance per request, never shared).
 *
 * @example
 * const t = new ServerTiming();
 * t.add("manifest", 3.2, "hit");
 * headers.set("Server-Timing", t.header());
 */
export class ServerTiming {
  readonly #entries: TimingEntry[] = [];

  add(name: string, ms: number, desc?: string): void {
    this.#entries.push(desc === undefined ? { name, ms } : { name, ms, desc });
  }

  /** The entries so far (read by the request's metrics, src/observability/page-metrics.ts). */
  entries(): readonly Readonly<TimingEntry>[] {
    return this.#entries;
  }

  header(): string {
    let out = "";
    for (const e of this.#entries) {
      if (out !== "") out += ", ";
      out += `${e.name};dur=${e.ms.toFixed(1)}`;
      // Quotes and backslashes would end the quoted string early: dropped (most descs have none).
      if (e.desc) out += `;desc="${QUOTED.test(e.desc) ? e.desc.replace(QUOTED_ALL, "") : e.desc}"`;
    }
    return out;
  }
}
