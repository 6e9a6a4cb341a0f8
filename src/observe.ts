/**
 * The middleware around the page path that observes each request (its Server-Timing, its
 * decisions) and, after the response is on its way, records it (src/observability/metrics.ts).
 * The write never slows or breaks a page: it runs in `waitUntil` after the handler returned.
 *
 * @example
 * app.all("*", pageMetrics, personalize);
 * // in the page path, once: observe(c)?.decided(result);
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env.ts";
import { recordPage } from "./observability/metrics.ts";
import { PageObservation } from "./observability/page-metrics.ts";
import { ServerTiming } from "./timing.ts";

/** This request's observation (set by `pageMetrics`), if any. */
export function observe(c: Context<AppEnv>): PageObservation | undefined {
  return c.get("observation");
}

/** The Server-Timing the page path fills: the observation's, so the metrics read the same entries. */
export function pageTiming(c: Context<AppEnv>): ServerTiming {
  return observe(c)?.timing ?? new ServerTiming();
}

/** Hono middleware in front of the page path (never on /__p13n/ routes). */
export const pageMetrics: MiddlewareHandler<AppEnv> = async function pageMetrics(c, next) {
  const observation = new PageObservation(performance.now());
  c.set("observation", observation);
  await next();
  // An editor's preview is never counted (like its page views and impressions).
  if (c.get("preview")) return;
  const ended = performance.now();
  const failed = c.error !== undefined;
  const res = c.res;
  // The config's metrics store (none when the config is refused: only Analytics Engine is written).
  const store = c.get("configRefusal") ? undefined : c.get("config")?.metrics.store;
  const record = () => recordPage(c.env, store, observation.summarize(res, ended, failed), Date.now());
  try {
    c.executionCtx.waitUntil(Promise.resolve().then(record));
  } catch {
    // No execution context (a bare app.request in a test): record after this turn instead.
    queueMicrotask(record);
  }
};

