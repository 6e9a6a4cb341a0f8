/**
 * What one request through the page path amounts to, for the counts a site owner reads
 * (`p13n stats`, the console's Activity view): its outcome, each slot's decision, every
 * fallback by cause, and the time each budget took.
 *
 * Most of it is read off the request's Server-Timing entries, the same facts the site owner
 * sees in the header (README "How it works"): `profile;desc="err_…"` is a refused profile,
 * `manifest;desc="none|timeout|error"` a manifest miss, `state;desc="timeout"` a state read over
 * budget… The decisions come from one call in the page path (`observe(c)?.decided(result)`).
 *
 * @example
 * const obs = new PageObservation(performance.now());
 * obs.timing.add("origin", 12.5);
 * const metrics = obs.summarize(response, performance.now(), false);
 */
import type { DecideResult } from "../engine/types.ts";
import { ServerTiming, type TimingEntry } from "../timing.ts";

export type Outcome = "personalized" | "default" | "passthrough" | "error";

/** Why a page was less personal than it could have been (or not served by the worker's normal path). */
export const FALLBACK_CAUSES = [
  "profile_refused",
  "manifest_miss",
  "state_over_budget",
  "state_error",
  "decide_error",
  "inputs_error",
  "template_bypass",
  "origin_timeout",
  "origin_error",
  "misconfigured",
  "worker_error",
] as const;
export type FallbackCause = (typeof FALLBACK_CAUSES)[number];

/** The budgets timed per page (milliseconds): the origin's headers, each input, and the worker's total. */
export const BUDGETS = ["total", "origin", "profile", "manifest", "state", "decide", "template"] as const;
export type Budget = (typeof BUDGETS)[number];

/** At most this many decisions are counted per request (one Analytics Engine data point each). */
export const MAX_DECISIONS = 40;

/** The variant name counted when a slot keeps the origin's default content. */
export const DEFAULT_VARIANT = "(default)";

export interface SlotDecision {
  slot: string;
  /** The variant id, or DEFAULT_VARIANT. */
  variant: string;
  /** `experiment:arm`, or "". */
  experiment: string;
}

export interface PageMetrics {
  outcome: Outcome;
  status: number;
  /** The content version decided from, or "". */
  version: string;
  causes: FallbackCause[];
  decisions: SlotDecision[];
  /** Milliseconds per budget; pages that were decided have every one (0 when not spent). */
  budgets: Record<Budget, number>;
  /** Calls beyond the invocation: the visitor's Durable Object was read (1/0), the manifest read from KV (1/0). */
  reads: { state: number; kv: number };
}

/** Server-Timing descriptions that mean the manifest was not there to decide from. */
const MANIFEST_MISS = new Set(["none", "timeout", "error"]);

/**
 * One per request (created by the page-metrics middleware, never shared): the request's
 * Server-Timing, and what the engine decided.
 */
export class PageObservation {
  readonly timing = new ServerTiming();
  readonly #started: number;
  #decided: DecideResult | null = null;

  constructor(startedMs: number) {
    this.#started = startedMs;
  }

  /** The engine's decisions for this page (the one metrics call in the page path). */
  decided(result: DecideResult): void {
    this.#decided = result;
  }

  /**
   * The request's metrics once its response exists.
   * `failed`: the handler threw and the app's fallback answered.
   */
  summarize(res: Response, endedMs: number, failed: boolean): PageMetrics {
    // The last entry of each name (one pass, no pairs made).
    const entries: Record<string, TimingEntry> = Object.create(null) as Record<string, TimingEntry>;
    for (const e of this.timing.entries()) entries[e.name] = e;
    const has = (name: string) => Object.hasOwn(entries, name);
    const desc = (name: string) => (has(name) ? entries[name]!.desc : undefined);
    const ms = (name: Budget) => (has(name) ? entries[name]!.ms : 0);
    const budgets: Record<Budget, number> = {
      total: endedMs - this.#started,
      origin: ms("origin"),
      profile: ms("profile"),
      manifest: ms("manifest"),
      state: ms("state"),
      decide: ms("decide"),
      template: ms("template"),
    };
    const causes: FallbackCause[] = [];
    let outcome: Outcome;
    const misconfigured = res.headers.get("x-p13n-error");
    const originDesc = desc("origin");
    if (failed) {
      outcome = "error";
      causes.push("worker_error");
    } else if (misconfigured) {
      outcome = "error";
      causes.push("misconfigured");
    } else if (originDesc === "timeout" || originDesc === "error") {
      outcome = "error";
      causes.push(originDesc === "timeout" ? "origin_timeout" : "origin_error");
    } else if (has("inputs")) {
      outcome = "passthrough";
      causes.push("inputs_error");
    } else if (!has("profile")) {
      outcome = "passthrough";
    } else {
      const profile = desc("profile") ?? "none";
      // A cookie was sent and refused (no cookie at all is "absent": an anonymous visitor, not a fallback).
      if (profile !== "verified" && profile !== "none" && profile !== "absent") causes.push("profile_refused");
      if (MANIFEST_MISS.has(desc("manifest") ?? "none")) causes.push("manifest_miss");
      const state = desc("state");
      if (state === "timeout") causes.push("state_over_budget");
      else if (state === "error" || state === "overload") causes.push("state_error");
      if (desc("decide") === "error") causes.push("decide_error");
      if (desc("template") === "bypass") causes.push("template_bypass");
      outcome = this.#decided?.decisions.some((d) => d.variant !== null && d.html !== null) ? "personalized" : "default";
    }
    const decisions: SlotDecision[] = (this.#decided?.decisions ?? []).slice(0, MAX_DECISIONS).map((d) => ({
      slot: d.slot,
      variant: d.variant !== null && d.html !== null ? d.variant : DEFAULT_VARIANT,
      experiment: d.experiment ? `${d.experiment.id}:${d.experiment.arm}` : "",
    }));
    const stateDesc = desc("state");
    const reads = { state: stateDesc !== undefined && stateDesc !== "miss" ? 1 : 0, kv: desc("manifest") === "miss" ? 1 : 0 };
    return { outcome, status: res.status, version: this.#decided?.manifestVersion ?? "", causes, decisions, budgets, reads };
  }
}
