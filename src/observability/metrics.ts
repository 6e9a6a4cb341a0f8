/**
 * Per-request counts: the middleware around the page path that observes each request and,
 * after the response is on its way, records it (Workers Analytics Engine, and the local
 * stand-in when METRICS_STORE=local); and the choice of reader for the admin API.
 *
 * The write never slows or breaks a page: it runs in `waitUntil` after the handler
 * returned, Analytics Engine's write is non-blocking, and every failure is swallowed (logged
 * once as METRICS_WRITE_FAILED). No visitor data is written: outcome, slot, variant, cause,
 * content version, status and milliseconds.
 *
 * @example
 * app.all("*", pageMetrics, personalize);
 * // in the page path, once: observe(c)?.decided(result);
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env.ts";
import type { MetricsSettings } from "../config/config.ts";
import { describeError, P13nError } from "../errors.ts";
import { ServerTiming } from "../timing.ts";
import { analyticsEngineSource, writePageMetrics, type DataPointSink } from "./analytics-engine.ts";
import { localMetrics, localSource } from "./local-store.ts";
import { logEvent } from "./log.ts";
import { PageObservation, type PageMetrics } from "./page-metrics.ts";
import type { MetricsSource } from "./stats.ts";

interface MetricsBindings {
  METRICS?: DataPointSink;
}

/** Records one request's metrics. Never throws. */
export function recordPage(env: object, store: MetricsSettings["store"] | undefined, m: PageMetrics, nowMs: number): void {
  try {
    const dataset = (env as MetricsBindings).METRICS;
    if (dataset) writePageMetrics(dataset, m);
    if (store === "local") localMetrics().add(m, nowMs);
  } catch (err) {
    logEvent("warn", "metrics", "METRICS_WRITE_FAILED", { error: describeError(err) });
  }
}

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

/**
 * Where the admin API reads the counts: the local stand-in, or Analytics Engine's SQL API
 * (which needs METRICS_ACCOUNT_ID and the METRICS_API_TOKEN secret).
 */
export function metricsSource(s: MetricsSettings, fetcher: typeof fetch): MetricsSource {
  if (s.store === "local") return localSource();
  if (!s.accountId || !s.token) {
    throw new P13nError(
      "METRICS_UNAVAILABLE",
      "the counts are in Workers Analytics Engine: set METRICS_ACCOUNT_ID in wrangler.toml and the METRICS_API_TOKEN secret (an Account Analytics Read token), or run `npx p13n stats --account-id … ` with CLOUDFLARE_API_TOKEN",
    );
  }
  return analyticsEngineSource({ accountId: s.accountId, token: s.token, fetch: fetcher });
}
