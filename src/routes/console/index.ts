/**
 * `/__p13n/console` (+ `.js`, `.css`): the editors' web console. The page is a
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
import { CONSOLE_HTML } from "./page.ts";
import { CONSOLE_JS } from "./script.ts";
import { CONSOLE_CSS } from "./style.ts";
import { RESULTS_CSS, RESULTS_JS } from "./results-view.ts";
import { ACTIVITY_CSS, ACTIVITY_JS } from "./activity-view.ts";

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
  "cross-origin-opener-policy": "same-origin",
};

export function consolePage(c: Context<AppEnv>): Response {
  return c.body(CONSOLE_HTML, 200, { ...COMMON, "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
}

export function consoleScript(c: Context<AppEnv>): Response {
  return c.body(CONSOLE_JS + RESULTS_JS + ACTIVITY_JS, 200, { ...COMMON, "content-type": "text/javascript; charset=utf-8", "cache-control": "no-cache" });
}

export function consoleStyle(c: Context<AppEnv>): Response {
  return c.body(CONSOLE_CSS + RESULTS_CSS + ACTIVITY_CSS, 200, { ...COMMON, "content-type": "text/css; charset=utf-8", "cache-control": "no-cache" });
}
