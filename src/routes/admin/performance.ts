/**
 * GET /__p13n/admin/performance?minutes=1440 — how each variant does: per slot and variant
 * (experiments or not), pages served, impressions, clicks, conversions within
 * ATTRIBUTION_DAYS of being served, the rates per impression, per segment of the variant's
 * audience; with a line in plain words each, and `causal: false` with why (src/observability/
 * performance-report.ts). From Analytics Engine in production, the local stand-in in development
 * (the same reader settings as /stats). `minutes` from 60 to 43200 (30 days).
 *
 * @example
 * admin.get("/performance", performanceRoute);
 */
import type { Context } from "hono";
import type { AppEnv } from "../../app-env.ts";
import { P13nError } from "../../errors.ts";
import { performanceReport } from "../../observability/performance-report.ts";
import { MAX_PERFORMANCE_MINUTES, performanceSource } from "../../observability/performance-store.ts";
import { liveManifest } from "../../results-store/live-manifest.ts";
import { ADMIN_HEADERS, adminError } from "./respond.ts";

export async function performanceRoute(c: Context<AppEnv>): Promise<Response> {
  try {
    const raw = c.req.query("minutes") ?? "1440";
    const minutes = /^\d{1,6}$/.test(raw) ? Number(raw) : NaN;
    if (!(minutes >= 60 && minutes <= MAX_PERFORMANCE_MINUTES)) throw new P13nError("BAD_REQUEST", `minutes must be a whole number from 60 to ${MAX_PERFORMANCE_MINUTES}`, { path: ["minutes"] });
    const source = performanceSource(c.get("config").metrics, (input, init) => fetch(input, init));
    const now = Date.now();
    let tallies;
    try {
      tallies = await source.tallies(minutes, now);
    } catch (err) {
      throw new P13nError("METRICS_UNAVAILABLE", `${source.name} did not answer: ${(err as Error).message}`, { cause: err });
    }
    const manifest = await liveManifest(c.env.CONTENT);
    return c.json(performanceReport(tallies, manifest, { source: source.name, minutes, nowMs: now }), 200, ADMIN_HEADERS);
  } catch (err) {
    return adminError(c, err);
  }
}
