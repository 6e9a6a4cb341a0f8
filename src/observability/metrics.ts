/**
 * Per-request counts: recording one request's (Workers Analytics Engine, and the local
 * stand-in when METRICS_STORE=local; the middleware that observes each page is src/observe.ts),
 * and the choice of reader for the admin API.
 *
 * The write never slows or breaks a page: it runs in `waitUntil` after the handler
 * returned, Analytics Engine's write is non-blocking, and every failure is swallowed (logged
 * once as METRICS_WRITE_FAILED). No visitor data is written: outcome, slot, variant, cause,
 * content version, status and milliseconds.
 *
 * @example
 * recordPage(env, config.metrics.store, observation.summarize(res, ended, failed), Date.now());
 */
import type { MetricsSettings } from "../config/config.ts";
import { describeError, P13nError } from "../errors.ts";
import { analyticsEngineSource, writePageMetrics, type DataPointSink } from "./analytics-engine.ts";
import { localMetrics, localSource } from "./local-store.ts";
import { localPerformance } from "./performance-store.ts";
import { logEvent } from "./log.ts";
import type { PageMetrics } from "./page-metrics.ts";
import type { MetricsSource } from "./stats.ts";

interface MetricsBindings {
  METRICS?: DataPointSink;
}

/** Records one request's metrics. Never throws. */
export function recordPage(env: object, store: MetricsSettings["store"] | undefined, m: PageMetrics, nowMs: number): void {
  try {
    const dataset = (env as MetricsBindings).METRICS;
    if (dataset) writePageMetrics(dataset, m);
    if (store === "local") {
      localMetrics().add(m, nowMs);
      // What each variant was served, for the performance view (in Analytics Engine: the decision points).
      localPerformance().addServed(m.decisions, nowMs);
    }
  } catch (err) {
    logEvent("warn", "metrics", "METRICS_WRITE_FAILED", { error: describeError(err) });
  }
}

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
