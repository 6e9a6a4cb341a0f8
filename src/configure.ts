/**
 * The config on the Hono context: `setConfig` parses it once per env (src/config/config.ts) and
 * sets `config` for every request (or, when refused, `configRefusal`, logged once per isolate;
 * called by the app's one front middleware, src/app.ts);
 * `requireConfig` stands in front of the handlers that cannot run without it, so they read
 * `c.get("config")` and nothing else. A refused config is thrown there as the P13nError it is:
 * the page path then serves the origin's page untouched, the /__p13n/ routes answer 500.
 *
 * @example
 * app.use("*", async (c, next) => { setConfig(c); await next(); });
 * own.post("/events", requireConfig, events);
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env.ts";
import type { P13nError } from "./errors.ts";
import { logEvent } from "./observability/log.ts";
import { loadConfig } from "./config/config.ts";

/** Messages already logged by this isolate: a refused config is one error in the log, not one per request. */
const reported = new Set<string>();

/**
 * Logs a refused config once per isolate. What "refuse to start" means for a Worker that
 * must not take the site down with it: every page passes through untouched, `/__p13n/healthz`
 * answers 503 with the code, the admin API 500 with the message.
 */
export function reportConfigProblem(err: P13nError): void {
  if (reported.has(err.message)) return;
  reported.add(err.message);
  logEvent("error", "config", "CONFIG_INVALID", { error: `${err.code}: ${err.message}` });
}

/** The request's config (or its refusal) on the context. */
export function setConfig(c: Context<AppEnv>): void {
  const loaded = loadConfig(c.env);
  if (loaded.ok) {
    c.set("config", loaded.config);
  } else {
    reportConfigProblem(loaded.problem);
    c.set("configRefusal", loaded);
  }
}

export const requireConfig: MiddlewareHandler<AppEnv> = async function requireConfig(c, next) {
  throwIfRefused(c);
  await next();
};

/** What `requireConfig` does, for a handler that checks it itself (the page path: one layer less per page). */
export function throwIfRefused(c: Context<AppEnv>): void {
  const refusal = c.get("configRefusal");
  if (refusal) throw refusal.problem;
}
