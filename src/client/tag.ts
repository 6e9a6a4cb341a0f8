/**
 * The client script (p13n.browser.js) as the page path and its route see it: its text, its
 * content version, and the tag the page path inserts before `</body>`. Below both, so the
 * page path never imports a route.
 *
 * @example
 * clientScriptTag(); // '<script src="/__p13n/client.js?v=1a2b3c4d" defer></script>'
 * clientScriptTag("r4nd0m"); // '<script src="/__p13n/client.js?v=1a2b3c4d" defer nonce="r4nd0m"></script>'
 * clientScriptTag(null, "lx9k2p!hero-test~bold~…"); // '… defer data-p13n-x="lx9k2p!hero-test~bold~…"></script>'
 */
import SOURCE from "./p13n.browser.js";
import { compactScript } from "./compact.ts";
import { textVersion } from "../text-version.ts";

/** What is served: the source without its comment lines and indentation (computed once per isolate). */
const SCRIPT = compactScript(SOURCE);

/** The script's text, the same bytes for every visitor. */
export const CLIENT_SCRIPT = SCRIPT;
/** The script's version: computed once per isolate from constant text (not per-request state). */
export const CLIENT_SCRIPT_VERSION = textVersion(SCRIPT);
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
