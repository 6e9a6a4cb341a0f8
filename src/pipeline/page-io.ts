/**
 * The page path's small I/O edges, said once for the visitor's page and the preview's: where
 * the origin is, what a dead origin answers, and what a failed memory read logs.
 */
import type { Bindings } from "../app-env.ts";
import type { Config } from "../config/config.ts";
import { describeError } from "../errors.ts";
import { logEvent } from "../observability/log.ts";
import type { OriginTarget } from "../proxy/origin.ts";
import { originErrorPage } from "../proxy/responses.ts";
import type { Budgeted, ServerTiming } from "../timing.ts";
import type { StateRead } from "../visitor/access.ts";

/** ORIGIN_URL, else a service binding or (local development) the demo shop, else the zone's origin. */
export function originTarget(config: Pick<Config, "originUrl">, env: Pick<Bindings, "ORIGIN" | "DEMO_ORIGIN">): OriginTarget {
  return { url: config.originUrl, fetcher: env.ORIGIN ?? env.DEMO_ORIGIN };
}

/** A dead (502) or silent (504) origin: a plain page, the budget in Server-Timing, one log line. */
export function reportOriginFailure(timing: ServerTiming, answer: Extract<Budgeted<unknown>, { ok: false }>): Response {
  timing.add("origin", answer.ms, answer.reason);
  const timeout = answer.reason === "timeout";
  logEvent("error", "origin", timeout ? "ORIGIN_TIMEOUT" : "ORIGIN_UNREACHABLE", { reason: answer.reason, error: describeError(answer.error) });
  return originErrorPage(timeout ? 504 : 502);
}

/** An overloaded or failing visitor object is logged (a budget miss is only in Server-Timing). */
export function reportStateProblem(state: StateRead): void {
  if (state.status === "error" || state.status === "overload") {
    logEvent("error", "state", `STATE_${state.status.toUpperCase()}`, { status: state.status, error: describeError(state.error) });
  }
}
