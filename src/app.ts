/**
 * The Hono app: the middleware's own routes under /__p13n/, everything else
 * proxied and personalized.
 *
 * @example
 * const app = createApp({ originFetch: (req) => fixtureOrigin(req) }); // tests swap the origin
 * const res = await app.fetch(new Request("https://shop.example/"), env, ctx);
 */
import { Hono } from "hono";
import type { AppEnv } from "./app-env.ts";
import { reportConfigProblem, requireConfig, setConfig } from "./configure.ts";
import { describeError, errorResponse, P13nError, refuse } from "./errors.ts";
import { personalize } from "./personalize.ts";
import { originFetchFor, originRequest, type OriginFetch } from "./proxy/origin.ts";
import { misconfiguredOriginPage, originProblem } from "./proxy/origin-guard.ts";
import { originErrorPage, passThrough } from "./proxy/responses.ts";
import { decideRoute } from "./routes/decide.ts";
import { adminApi } from "./routes/admin/index.ts";
import { adminHostAnswer } from "./routes/admin-host.ts";
import { assetRoute } from "./routes/assets.ts";
import { pickerScript } from "./routes/picker-script.ts";
import { consoleModule, consolePage, consoleScript, consoleStyle } from "./routes/console/index.ts";
import { clientScript } from "./routes/client-script.ts";
import { events } from "./routes/events.ts";
import { serverEvents } from "./routes/server-events.ts";
import { healthz } from "./routes/healthz.ts";
import { meRoutes } from "./routes/me/index.ts";
import { logEvent } from "./observability/log.ts";
import { pageMetrics } from "./observe.ts";

export const PREFIX = "/__p13n";

export interface AppOptions {
  originFetch?: OriginFetch;
}

export function createApp(options: AppOptions = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  // One middleware in front of everything (each layer of Hono's chain costs every page):
  // the origin fetch tests swap in; the config, parsed once per env, on every request's context
  // (or its refusal: see README "A refused config"), as `configure` sets it; then the console's
  // own host (ADMIN_HOST), which serves the editors' paths only, as `adminHost` answers (the
  // site's host redirects its console there).
  app.use("*", async function front(c, next) {
    c.set("originFetch", options.originFetch);
    setConfig(c);
    return adminHostAnswer(c) ?? next();
  });

  const own = new Hono<AppEnv>();
  own.get("/healthz", healthz);
  own.post("/events", requireConfig, events);
  // Backends (CRM, help desk, shop) record events for a signed-in visitor, signed per source.
  own.post("/events/server", requireConfig, serverEvents);
  own.get("/client.js", clientScript);
  own.get("/decide", requireConfig, decideRoute);
  // What is known about me, my preferences, erase me (the preference centre).
  own.route("/me", meRoutes());
  // Editors: the admin API (authenticated, JSON only) and the console that drives it.
  own.route("/admin", adminApi());
  own.get("/console", consolePage);
  own.get("/console.js", consoleScript);
  own.get("/console/:module", consoleModule);
  own.get("/console.css", consoleStyle);
  // Editors' images, to everyone (variants show them), and the preview's element picker.
  own.get("/assets/:hash", assetRoute);
  own.get("/picker.js", pickerScript);
  own.all("*", (c) => refuse("NOT_FOUND", `no ${c.req.method} ${c.req.path}`));
  app.route(PREFIX, own);

  // Every page-path request is counted (src/observability/): outcome, decisions, fallbacks, budgets.
  // (personalize refuses a refused config itself, as requireConfig does: one layer less per page.)
  app.all("*", pageMetrics, personalize);

  app.onError((err, c) => {
    // A refused config (src/config/config.ts) is logged once per isolate, not once per page.
    if (err instanceof P13nError && err.code === "CONFIG_INVALID") reportConfigProblem(err);
    else logEvent("error", "app", "UNHANDLED", { path: c.req.path, error: describeError(err) });
    // Our own routes: an error nobody caught is a 500 that names its code and says nothing more.
    if (c.req.path.startsWith(`${PREFIX}/`)) return errorResponse(err, { uncaught: true });
    // The page path fails open: if anything above the origin fetch threw, still serve the origin.
    return fallbackToOrigin(c.req.raw, c.env, options.originFetch);
  });
  return app;
}

async function fallbackToOrigin(request: Request, env: AppEnv["Bindings"], originFetch?: OriginFetch): Promise<Response> {
  // Only a safe method may be sent again: a POST body may already be gone.
  if (request.method !== "GET" && request.method !== "HEAD") return originErrorPage(502);
  try {
    const url = env.ORIGIN_URL ? new URL(env.ORIGIN_URL) : undefined;
    const target = { url, fetcher: env.ORIGIN ?? env.DEMO_ORIGIN };
    const misconfigured = originProblem(request, target);
    if (misconfigured) return misconfiguredOriginPage(misconfigured);
    const res = await (originFetch ?? originFetchFor(target))(originRequest(request, target));
    return passThrough(res, url, new URL(request.url));
  } catch {
    return originErrorPage(502);
  }
}
