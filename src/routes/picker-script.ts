/**
 * GET /__p13n/picker.js: the element picker a preview page carries (src/client/picker.browser.js),
 * the same bytes for everyone (it holds no secret and can do nothing but propose a selector to
 * the console that opened the preview).
 *
 * @example
 * own.get("/picker.js", pickerScript);
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { PICKER_SCRIPT, PICKER_VERSION } from "../preview/picker-tag.ts";

export function pickerScript(c: Context<AppEnv>): Response {
  const current = c.req.query("v") === PICKER_VERSION;
  const headers = {
    "content-type": "text/javascript; charset=utf-8",
    "cache-control": current ? "public, max-age=31536000, immutable" : "no-cache",
    "x-content-type-options": "nosniff",
  };
  return new Response(c.req.method === "HEAD" ? null : PICKER_SCRIPT, { status: 200, headers });
}
