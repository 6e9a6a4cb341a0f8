/**
 * The console's browser code (src/client/console.browser.js and its modules in
 * src/client/console/), imported as text (wrangler.toml `[[rules]] type = "Text"`). The entry is
 * served as /__p13n/console.js and imports its modules as `./console/<name>`, which the browser
 * asks for as /__p13n/console/<name>: that is the table below, and nothing else is served there.
 */
import CONSOLE_JS from "../../client/console.browser.js";
import ACTIVITY_JS from "../../client/console/activity.browser.js";
import AUDIT_JS from "../../client/console/audit.browser.js";
import CATALOGUE_JS from "../../client/console/catalogue.browser.js";
import DIALOG_JS from "../../client/console/dialog.browser.js";
import DOM_JS from "../../client/console/dom.browser.js";
import DRAFT_JS from "../../client/console/draft.browser.js";
import EXPERIMENTS_JS from "../../client/console/experiments.browser.js";
import FIELD_TEXT_JS from "../../client/console/field-text.browser.js";
import FORMAT_JS from "../../client/console/format.browser.js";
import HISTORY_JS from "../../client/console/history.browser.js";
import MODEL_JS from "../../client/console/model.browser.js";
import PERFORMANCE_JS from "../../client/console/performance.browser.js";
import RESULTS_JS from "../../client/console/results.browser.js";
import RULE_BUILDER_JS from "../../client/console/rule-builder.browser.js";
import RULE_CONDITION_JS from "../../client/console/rule-condition.browser.js";
import RULES_JS from "../../client/console/rules.browser.js";
import SETTINGS_JS from "../../client/console/settings.browser.js";
import SITE_MODEL_JS from "../../client/console/site-model.browser.js";
import STATE_JS from "../../client/console/state.browser.js";
import VARIANT_EDITOR_JS from "../../client/console/variant-editor.browser.js";
import VARIANT_HTML_JS from "../../client/console/variant-html.browser.js";
import VIEW_AS_JS from "../../client/console/view-as.browser.js";

export const CONSOLE_ENTRY = CONSOLE_JS;

/** Module name (as the entry imports it, after `./console/`) → its text. */
export const CONSOLE_MODULES: Readonly<Record<string, string>> = {
  "activity.browser.js": ACTIVITY_JS,
  "audit.browser.js": AUDIT_JS,
  "catalogue.browser.js": CATALOGUE_JS,
  "dialog.browser.js": DIALOG_JS,
  "dom.browser.js": DOM_JS,
  "draft.browser.js": DRAFT_JS,
  "experiments.browser.js": EXPERIMENTS_JS,
  "field-text.browser.js": FIELD_TEXT_JS,
  "format.browser.js": FORMAT_JS,
  "history.browser.js": HISTORY_JS,
  "model.browser.js": MODEL_JS,
  "performance.browser.js": PERFORMANCE_JS,
  "results.browser.js": RESULTS_JS,
  "rule-builder.browser.js": RULE_BUILDER_JS,
  "rule-condition.browser.js": RULE_CONDITION_JS,
  "rules.browser.js": RULES_JS,
  "settings.browser.js": SETTINGS_JS,
  "site-model.browser.js": SITE_MODEL_JS,
  "state.browser.js": STATE_JS,
  "variant-editor.browser.js": VARIANT_EDITOR_JS,
  "variant-html.browser.js": VARIANT_HTML_JS,
  "view-as.browser.js": VIEW_AS_JS,
};

/** The module's text, or undefined for any other name. */
export function consoleModuleText(name: string): string | undefined {
  return Object.hasOwn(CONSOLE_MODULES, name) ? CONSOLE_MODULES[name] : undefined;
}
