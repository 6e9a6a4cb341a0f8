/**
 * GET /__p13n/client.js: the browser script (src/client/p13n.browser.js), the same
 * bytes for every visitor, so it may be cached anywhere. The page tag carries a
 * content hash (`?v=`): a URL with the current hash is immutable; any other
 * (an old page, no hash) is cached briefly.
 *
 * @example
 * own.get("/client.js", clientScript);
 * clientScriptTag(); // '<script src="/__p13n/client.js?v=1a2b3c4d" defer></script>'
 * clientScriptTag("r4nd0m"); // '<script src="/__p13n/client.js?v=1a2b3c4d" defer nonce="r4nd0m"></script>'
 * clientScriptTag(null, "lx9k2p!hero-test~bold~…"); // '… defer data-p13n-x="lx9k2p!hero-test~bold~…"></script>'
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import SCRIPT from "../client/p13n.browser.js";

/** FNV-1a over the script text: a cache key, not a security measure. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** The script's version: computed once per isolate from constant text (not per-request state). */
export const CLIENT_SCRIPT_VERSION = fnv1a(SCRIPT);
export const CLIENT_SCRIPT_PATH = "/__p13n/client.js";

/**
 * The tag the page path inserts before `</body>`, with the nonce of the page's own CSP when it
 * has one (src/proxy/csp-nonce.ts: base64 characters only, safe in the attribute), and on a new
 * visitor's first page its signed exposures (src/results/exposure-token.ts: characters that need
 * no escaping in an attribute), which the script's first beacon brings back.
 */
export function clientScriptTag(nonce?: string | null, exposures?: string | null): string {
  const attr = `${nonce ? ` nonce="${nonce}"` : ""}${exposures ? ` data-p13n-x="${exposures}"` : ""}`;
  return `<script src="${CLIENT_SCRIPT_PATH}?v=${CLIENT_SCRIPT_VERSION}" defer${attr}></script>`;
}

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
  return new Response(c.req.method === "HEAD" ? null : SCRIPT, { status: 200, headers });
}
