// @ts-check
/**
 * Publish history: every version, the live and previous ones marked; for each, what making it
 * live again would change (GET /versions/:id/diff), and a rollback to it behind a confirm step
 * that shows those changes first (publishers).
 */
import { confirmDialog } from "./dialog.browser.js";
import { $, api, el, say } from "./dom.browser.js";
import { errorText } from "./format.browser.js";
import { changeList } from "./draft.browser.js";
import { state } from "./state.browser.js";

/**
 * @typedef {import("./admin-api.js").VersionsAnswer} VersionsAnswer
 * @typedef {import("./admin-api.js").RollbackAnswer} RollbackAnswer
 * @typedef {import("./admin-api.js").DiffAnswer} DiffAnswer
 */

/**
 * @param {VersionsAnswer} versions
 * @param {() => Promise<unknown>} reload reads the admin API again after a rollback
 */
export function renderHistory(versions, reload) {
  const rows = $("history-rows");
  rows.replaceChildren();
  const mayRollBack = Boolean(state.me && state.me.may.rollback);
  for (const v of versions.versions) {
    const status = v.current ? el("span", { class: "badge live", text: "live" }) : v.previous ? el("span", { class: "badge", text: "previous" }) : "";
    const changes = el("td", { class: "changes-cell" });
    const show = v.current ? "" : el("button", { type: "button", class: "secondary small", text: "Show changes", "aria-label": "Show what making version " + v.version + " live would change", on: { click: async () => changes.replaceChildren(await changesOf(v.version)) } });
    const action = v.current || !mayRollBack ? "" : el("button", { type: "button", class: "secondary small", "data-version": v.version, text: "Roll back to this", "aria-label": "Roll back to version " + v.version, on: { click: () => void confirmRollback(v.version, reload) } });
    rows.append(el("tr", {}, [
      el("td", {}, el("code", { text: v.version })),
      el("td", { text: v.publishedAt ? new Date(v.publishedAt).toLocaleString() : "—" }),
      el("td", { text: v.slots === null ? "—" : v.slots + " / " + v.variants }),
      el("td", {}, status),
      el("td", {}, [show, " ", action]),
      changes,
    ]));
  }
}

/**
 * What making `version` live would change, as a list.
 * @param {string} version
 * @returns {Promise<HTMLElement>}
 */
async function changesOf(version) {
  /** @type {import("./dom.browser.js").Answer<DiffAnswer>} */
  const r = await api("GET", "/versions/" + encodeURIComponent(version) + "/diff");
  return r.ok ? changeList(r.json.changes) : el("p", { class: "error", text: errorText(r) });
}

/**
 * @param {string} version
 * @param {() => Promise<unknown>} reload
 */
async function confirmRollback(version, reload) {
  confirmDialog("Roll back?", ["The site will serve version " + version + " again on the next request (other locations within the manifest TTL). What changes:", await changesOf(version)], "Roll back", async () => {
    /** @type {import("./dom.browser.js").Answer<RollbackAnswer>} */
    const r = await api("POST", "/rollback", { version });
    if (!r.ok) return "Rollback failed: " + errorText(r);
    await reload();
    say("Rolled back: version " + r.json.version + " is live.");
    $("status").focus();
    return null;
  });
}
