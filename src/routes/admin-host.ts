/**
 * The console's own host (ADMIN_HOST, a second route to this Worker): there, only the editors'
 * paths answer (the console, its files, the admin API, images, healthz), `/` opens the console,
 * and nothing is proxied to the origin; on the site's host the console's page redirects there.
 * With the console on a host no site page is served from, no script injected into the site can
 * reach an editor's Access session (README "A console the site cannot be turned against").
 *
 * @example
 * app.use("*", async (c, next) => adminHostAnswer(c) ?? next());
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { refuse } from "../errors.ts";

/** What the console's host serves: everything else there is 404. */
const EDITOR_PATHS = /^\/__p13n\/(admin(\/|$)|console(\.js|\.css|\/|$)|assets\/|healthz$)/;

/** The answer in place of the next handler, or null: go on (called by the app's front middleware, src/app.ts). */
export function adminHostAnswer(c: Context<AppEnv>): Response | null {
  const host = c.get("config")?.admin.adminHost;
  if (!host) return null;
  const url = new URL(c.req.url);
  if (url.host === host) {
    if (url.pathname === "/") return c.redirect("/__p13n/console", 302);
    if (!EDITOR_PATHS.test(url.pathname)) return refuse("NOT_FOUND", `${host} serves the editors' console only: open /__p13n/console`, { "cache-control": "no-store" });
    return null;
  }
  if (url.pathname === "/__p13n/console" && (c.req.method === "GET" || c.req.method === "HEAD")) {
    return c.redirect(`${url.protocol}//${host}/__p13n/console`, 308);
  }
  return null;
}
