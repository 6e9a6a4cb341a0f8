// @ts-check
/**
 * Publish history: every version, the live and previous ones marked, and a rollback to any
 * other through a confirm dialog.
 */
import { $, api, el, say } from "./dom.browser.js";
import { errorText } from "./format.browser.js";

/**
 * @typedef {import("./admin-api.js").VersionsAnswer} VersionsAnswer
 * @typedef {import("./admin-api.js").RollbackAnswer} RollbackAnswer
 */

/**
 * @param {VersionsAnswer} versions
 * @param {() => Promise<unknown>} reload reads the admin API again after a rollback
 */
export function renderHistory(versions, reload) {
  const rows = $("history-rows");
  rows.replaceChildren();
  for (const v of versions.versions) {
    const status = v.current ? el("span", { class: "badge live", text: "live" }) : v.previous ? el("span", { class: "badge", text: "previous" }) : "";
    const action = v.current ? "" : el("button", { type: "button", class: "secondary", "data-version": v.version, text: "Roll back to this", "aria-label": "Roll back to version " + v.version, on: { click: () => confirmRollback(v.version, reload) } });
    rows.append(el("tr", {}, [
      el("td", {}, el("code", { text: v.version })),
      el("td", { text: v.publishedAt ? new Date(v.publishedAt).toLocaleString() : "—" }),
      el("td", { text: v.slots === null ? "—" : v.slots + " / " + v.variants }),
      el("td", {}, status),
      el("td", {}, action),
    ]));
  }
}

/**
 * @param {string} version
 * @param {() => Promise<unknown>} reload
 */
function confirmRollback(version, reload) {
  const dialog = /** @type {HTMLDialogElement} */ ($("confirm"));
  $("confirm-text").textContent = "The site will serve version " + version + " again on the next request (other locations within the manifest TTL).";
  dialog.returnValue = "";
  dialog.onclose = async () => {
    if (dialog.returnValue !== "ok") return;
    /** @type {import("./dom.browser.js").Answer<RollbackAnswer>} */
    const r = await api("POST", "/rollback", { version });
    if (!r.ok) {
      say("Rollback failed: " + errorText(r), true);
      return;
    }
    await reload();
    say("Rolled back: version " + r.json.version + " is live.");
    $("status").focus();
  };
  dialog.showModal();
  $("confirm-ok").focus();
}
