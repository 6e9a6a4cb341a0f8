/**
 * The element picker's script (src/client/picker.browser.js) and the tag a preview page carries
 * for it: the page's own CSP nonce when it has one (as the client script's tag), and the
 * console's origin, the only window it will hand a selector to.
 *
 * @example
 * pickerTag("r4nd0m", "https://p13n-admin.example.com");
 * // '<script type="module" src="/__p13n/picker.js?v=1a2b3c4d" nonce="r4nd0m" data-console-origin="https://p13n-admin.example.com"></script>'
 */
import SCRIPT from "../client/picker.browser.js";
import { textVersion } from "../text-version.ts";

export const PICKER_SCRIPT = SCRIPT;
export const PICKER_VERSION = textVersion(SCRIPT);

const attr = (s: string) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

export function pickerTag(nonce: string | null, consoleOrigin: string): string {
  return `<script type="module" src="/__p13n/picker.js?v=${PICKER_VERSION}"${nonce ? ` nonce="${nonce}"` : ""} data-console-origin="${attr(consoleOrigin)}"></script>`;
}
