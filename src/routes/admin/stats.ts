/**
 * GET /__p13n/admin/stats?minutes=60 — "is it working, and what does it cost me?": requests,
 * outcomes, personalized share, decisions by slot and variant, fallbacks by cause, budget
 * percentiles and reads, over the last `minutes` (1 to 10080). From Workers Analytics Engine
 * in production, the local stand-in in development (src/observability/stats.ts). 503
 * METRICS_UNAVAILABLE when the reader is not configured or did not answer.
 *
 * @example
 * admin.get("/stats", statsRoute);
 */
import type { Context } from "hono";
import type { AppEnv } from "../../app-env.ts";
import { P13nError } from "../../errors.ts";
import { metricsSource } from "../../observability/metrics.ts";
import { MAX_MINUTES } from "../../observability/stats.ts";
import { ADMIN_HEADERS, adminError } from "./respond.ts";

export async function statsRoute(c: Context<AppEnv>): Promise<Response> {
  try {
    const raw = c.req.query("minutes") ?? "60";
    const minutes = /^\d{1,6}$/.test(raw) ? Number(raw) : NaN;
    if (!(minutes >= 1 && minutes <= MAX_MINUTES)) throw new P13nError("BAD_REQUEST", `minutes must be a whole number from 1 to ${MAX_MINUTES}`, { path: ["minutes"] });
    const source = metricsSource(c.get("config").metrics, (input, init) => fetch(input, init));
    try {
      return c.json(await source.report(minutes, Date.now()), 200, ADMIN_HEADERS);
    } catch (err) {
      throw new P13nError("METRICS_UNAVAILABLE", `${source.name} did not answer: ${(err as Error).message}`, { cause: err });
    }
  } catch (err) {
    return adminError(c, err);
  }
}
