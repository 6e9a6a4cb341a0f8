// @ts-check
/**
 * The editors' console, served as /__p13n/console.js (a module; its views are the modules in
 * console/, served beside it as /__p13n/console/<name>.browser.js). The page's CSP is
 * `script-src 'self'`: no inline script anywhere. No framework, no build step. It signs in
 * with an admin token (this tab's sessionStorage, sent as a header) or rides Cloudflare
 * Access, and reads everything from the admin API. Every edit goes into the shared draft
 * (console/state.browser.js); publishing it is the one way content goes live.
 */
import { $, api, control, say, TOKEN_KEY } from "./console/dom.browser.js";
import { errorText } from "./console/format.browser.js";
import { renderSlots } from "./console/catalogue.browser.js";
import { editExperiment, renderExperiments } from "./console/experiments.browser.js";
import { editSegment, editSite, renderSettings } from "./console/settings.browser.js";
import { renderDraft, wireDraft } from "./console/draft.browser.js";
import { renderHistory } from "./console/history.browser.js";
import { createPreview, renderViewAs } from "./console/view-as.browser.js";
import { renderResults } from "./console/results.browser.js";
import { renderActivity } from "./console/activity.browser.js";
import { renderPerformance } from "./console/performance.browser.js";
import { renderAudit } from "./console/audit.browser.js";
import { onChange, state } from "./console/state.browser.js";

/**
 * @typedef {import("./console/admin-api.js").CurrentAnswer} CurrentAnswer
 * @typedef {import("./console/admin-api.js").VersionsAnswer} VersionsAnswer
 * @typedef {import("./console/admin-api.js").DraftAnswer} DraftAnswer
 * @typedef {import("./console/admin-api.js").WhoamiAnswer} WhoamiAnswer
 * @typedef {import("./console/admin-api.js").AttributesAnswer} AttributesAnswer
 */

/** @param {string} [message] */
function showLogin(message) {
  $("app").hidden = true;
  $("logout").hidden = true;
  $("who").textContent = "";
  $("login").hidden = false;
  $("login-error").textContent = message || "";
  $("token").focus();
}

/** @type {VersionsAnswer} */
let versions = { current: null, previous: null, versions: [] };

/** The views of the content being edited (after every draft change). */
function renderContent() {
  renderDraft();
  renderSlots();
  renderExperiments();
  renderSettings();
  renderViewAs(state.live, versions);
}
onChange(renderContent);

/**
 * Reads who is signed in, the live content, the draft and the versions, and shows them; false
 * when the credential is refused.
 * @returns {Promise<boolean>}
 */
async function load() {
  /** @type {[import("./console/dom.browser.js").Answer<WhoamiAnswer>, import("./console/dom.browser.js").Answer<CurrentAnswer>, import("./console/dom.browser.js").Answer<VersionsAnswer>, import("./console/dom.browser.js").Answer<DraftAnswer>, import("./console/dom.browser.js").Answer<AttributesAnswer>]} */
  const [me, cur, ver, draft, attrs] = await Promise.all([api("GET", "/whoami"), api("GET", "/current"), api("GET", "/versions"), api("GET", "/draft"), api("GET", "/attributes")]);
  if (me.status === 401) return false;
  const failed = [me, cur, ver, draft, attrs].find((r) => !r.ok);
  if (failed) {
    say("The admin API answered " + failed.status + ": " + errorText(failed), true);
    return true;
  }
  state.me = me.json;
  state.live = cur.json;
  state.draft = draft.json.draft;
  state.attributes = attrs.json;
  versions = ver.json;
  $("login").hidden = true;
  $("app").hidden = false;
  $("logout").hidden = false;
  $("who").textContent = "Signed in as " + me.json.who + " (" + me.json.role + (me.json.via === "access" ? ", through Cloudflare Access" : "") + ")";
  renderContent();
  renderHistory(versions, load);
  // The results, performance, activity and audit views read their own endpoints.
  renderResults().catch((e) => say("Results: " + e.message, true));
  renderPerformance().catch((e) => say("Performance: " + e.message, true));
  renderActivity().catch((e) => say("Activity: " + e.message, true));
  renderAudit().catch((e) => say("Audit: " + e.message, true));
  return true;
}

$("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const token = control("token").value.trim();
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  control("token").value = "";
  if (!(await load())) {
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin("That token was not accepted.");
  }
});
$("logout").addEventListener("click", () => {
  sessionStorage.removeItem(TOKEN_KEY);
  showLogin("Signed out.");
});
$("view-form").addEventListener("submit", (ev) => void createPreview(/** @type {SubmitEvent} */ (ev)));
$("new-experiment").addEventListener("click", () => editExperiment(null));
$("new-segment").addEventListener("click", () => editSegment(null));
$("edit-site").addEventListener("click", editSite);
wireDraft(load);

// With a token from earlier in this tab, or behind Cloudflare Access (no token needed).
if (!(await load())) showLogin(sessionStorage.getItem(TOKEN_KEY) ? "Your token was not accepted." : "");
