// @ts-check
/**
 * The editors' console, served as /__p13n/console.js (a module; its views are the modules in
 * console/, served beside it as /__p13n/console/<name>.browser.js). The page's CSP is
 * `script-src 'self'`: no inline script anywhere. No framework, no build step. It signs in
 * with the admin token (this tab's sessionStorage, sent as a header) or rides Cloudflare
 * Access, and reads everything from the admin API.
 */
import { $, api, control, say, TOKEN_KEY } from "./console/dom.browser.js";
import { errorText } from "./console/format.browser.js";
import { renderExperiments, renderSlots } from "./console/catalogue.browser.js";
import { renderHistory } from "./console/history.browser.js";
import { createPreview, renderViewAs } from "./console/view-as.browser.js";
import { renderResults } from "./console/results.browser.js";
import { renderActivity } from "./console/activity.browser.js";

/**
 * @typedef {import("./console/admin-api.js").CurrentAnswer} CurrentAnswer
 * @typedef {import("./console/admin-api.js").VersionsAnswer} VersionsAnswer
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

/**
 * Reads the live content and the versions and shows them; false when the credential is refused.
 * @returns {Promise<boolean>}
 */
async function load() {
  /** @type {[import("./console/dom.browser.js").Answer<CurrentAnswer>, import("./console/dom.browser.js").Answer<VersionsAnswer>]} */
  const [cur, ver] = await Promise.all([api("GET", "/current"), api("GET", "/versions")]);
  if (cur.status === 401 || ver.status === 401) return false;
  if (!cur.ok || !ver.ok) {
    say("The admin API answered " + cur.status + "/" + ver.status + ": " + errorText(cur.ok ? ver : cur), true);
    return true;
  }
  $("login").hidden = true;
  $("app").hidden = false;
  $("logout").hidden = false;
  $("who").textContent = sessionStorage.getItem(TOKEN_KEY) ? "Signed in with the admin token" : "Signed in through Cloudflare Access";
  renderSlots(cur.json);
  renderExperiments(cur.json);
  renderHistory(ver.json, load);
  renderViewAs(cur.json, ver.json);
  // The results and activity views read their own endpoints.
  renderResults().catch((e) => say("Results: " + e.message, true));
  renderActivity().catch((e) => say("Activity: " + e.message, true));
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

// With a token from earlier in this tab, or behind Cloudflare Access (no token needed).
if (!(await load())) showLogin(sessionStorage.getItem(TOKEN_KEY) ? "Your token was not accepted." : "");
