/**
 * The console's browser code (src/client/console.browser.js and its modules in
 * src/client/console/), imported as text (wrangler.toml `[[rules]] type = "Text"`). The entry is
 * served as /__p13n/console.js and imports its modules as `./console/<name>`, which the browser
 * asks for as /__p13n/console/<name>: that is the table below, and nothing else is served there.
 */
import CONSOLE_JS from "../../client/console.browser.js";
import ACTIVITY_JS from "../../client/console/activity.browser.js";
import CATALOGUE_JS from "../../client/console/catalogue.browser.js";
import DOM_JS from "../../client/console/dom.browser.js";
import FORMAT_JS from "../../client/console/format.browser.js";
import HISTORY_JS from "../../client/console/history.browser.js";
import RESULTS_JS from "../../client/console/results.browser.js";
import VIEW_AS_JS from "../../client/console/view-as.browser.js";

export const CONSOLE_ENTRY = CONSOLE_JS;

/** Module name (as the entry imports it, after `./console/`) → its text. */
export const CONSOLE_MODULES: Readonly<Record<string, string>> = {
  "activity.browser.js": ACTIVITY_JS,
  "catalogue.browser.js": CATALOGUE_JS,
  "dom.browser.js": DOM_JS,
  "format.browser.js": FORMAT_JS,
  "history.browser.js": HISTORY_JS,
  "results.browser.js": RESULTS_JS,
  "view-as.browser.js": VIEW_AS_JS,
};

/** The module's text, or undefined for any other name. */
export function consoleModuleText(name: string): string | undefined {
  return Object.hasOwn(CONSOLE_MODULES, name) ? CONSOLE_MODULES[name] : undefined;
}
