/**
 * `/__p13n/console` (+ `.js`, `.css`, and the script's modules under `/__p13n/console/`): the
 * editors' web console. The page is a
 * shell with no data; the script signs in with the admin token (kept in this tab's
 * sessionStorage, sent as a header: no ambient credential another site could ride)
 * or rides Cloudflare Access, and reads everything from the admin API.
 *
 * Headers: a CSP that allows only these same-origin files (no inline script or
 * style), no framing (`frame-ancestors 'none'`, X-Frame-Options DENY), no referrer.
 *
 * @example
 * own.get("/console", consolePage);
 */
import type { Context } from "hono";
import type { AppEnv } from "../../app-env.ts";
import { CONSOLE_ENTRY, consoleModuleText } from "./modules.ts";
import { CONSOLE_HTML } from "./page.ts";
import { CONSOLE_CSS } from "./style.ts";

/** Fragments in the sandboxed frames inherit this policy: images may come from the site or https. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' https: data:",
  "font-src 'self' https:",
  "connect-src 'self'",
  "frame-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const COMMON: Record<string, string> = {
  "content-security-policy": CONSOLE_CSP,
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  // The picker's window (a page of the site) must keep its opener to hand a selector back: popups allowed.
  "cross-origin-opener-policy": "same-origin-allow-popups",
};

export function consolePage(c: Context<AppEnv>): Response {
  return c.body(CONSOLE_HTML, 200, { ...COMMON, "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
}

const SCRIPT_HEADERS = { ...COMMON, "content-type": "text/javascript; charset=utf-8", "cache-control": "no-cache" };

export function consoleScript(c: Context<AppEnv>): Response {
  return c.body(CONSOLE_ENTRY, 200, SCRIPT_HEADERS);
}

/** GET /console/:module — one of the entry's modules; any other name is not found. */
export function consoleModule(c: Context<AppEnv>): Response {
  const name = c.req.param("module") ?? "";
  const text = consoleModuleText(name);
  if (text === undefined) return c.json({ error: { code: "NOT_FOUND", message: `no console module ${name}` } }, 404, COMMON);
  return c.body(text, 200, SCRIPT_HEADERS);
}

export function consoleStyle(c: Context<AppEnv>): Response {
  return c.body(CONSOLE_CSS, 200, { ...COMMON, "content-type": "text/css; charset=utf-8", "cache-control": "no-cache" });
}
