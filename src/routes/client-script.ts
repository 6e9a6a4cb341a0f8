/**
 * GET /__p13n/client.js: the browser script (src/client/p13n.browser.js), the same
 * bytes for every visitor, so it may be cached anywhere. The page tag carries a
 * content hash (`?v=`, src/client/tag.ts): a URL with the current hash is immutable;
 * any other (an old page, no hash) is cached briefly.
 *
 * @example
 * own.get("/client.js", clientScript);
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { CLIENT_SCRIPT, CLIENT_SCRIPT_VERSION } from "../client/tag.ts";

export { CLIENT_SCRIPT_PATH, CLIENT_SCRIPT_VERSION, clientScriptTag } from "../client/tag.ts";

export function clientScript(c: Context<AppEnv>): Response {
  const current = c.req.query("v") === CLIENT_SCRIPT_VERSION;
  const etag = `"${CLIENT_SCRIPT_VERSION}"`;
  const headers: Record<string, string> = {
    "content-type": "text/javascript; charset=utf-8",
    "cache-control": current ? "public, max-age=31536000, immutable" : "public, max-age=300",
    etag,
    "x-content-type-options": "nosniff",
  };
  if (c.req.header("if-none-match") === etag) return new Response(null, { status: 304, headers });
  return new Response(c.req.method === "HEAD" ? null : CLIENT_SCRIPT, { status: 200, headers });
}
