// @ts-check
/**
 * The draft bar: whether there is a draft, who changed it last, what publishing it would change
 * (the diff against the live version, shown before publishing), Publish (publishers), Discard,
 * and Preview (the "View site as…" form with the draft chosen). And "Pick an element on the page":
 * the site opens in a preview with the picker (src/client/picker.browser.js); the element chosen
 * there comes back here, from that window and that origin only, as a proposed slot.
 */
import { confirmDialog, openDialog } from "./dialog.browser.js";
import { $, api, control, el, field, say, TOKEN_KEY } from "./dom.browser.js";
import { errorText } from "./format.browser.js";
import { editSlot } from "./catalogue.browser.js";
import { changed, conflictText, loadDraft, state } from "./state.browser.js";

/**
 * @typedef {import("./admin-api.js").DiffAnswer} DiffAnswer
 * @typedef {import("./admin-api.js").PublishDraftAnswer} PublishDraftAnswer
 * @typedef {import("./admin-api.js").PreviewLinkAnswer} PreviewLinkAnswer
 */

/**
 * The changes, one per line.
 * @param {string[]} changes
 */
export function changeList(changes) {
  if (changes.length === 0) return el("p", { class: "muted", text: "No changes against the live version." });
  return el("ul", { class: "changes" }, changes.map((c) => el("li", { class: c.startsWith("+") ? "added" : c.startsWith("-") ? "removed" : "changed", text: c })));
}

/** @returns {Promise<DiffAnswer | string>} */
async function diff() {
  /** @type {import("./dom.browser.js").Answer<DiffAnswer>} */
  const r = await api("GET", "/draft/diff");
  return r.ok ? r.json : errorText(r);
}

/** Renders the draft bar. */
export function renderDraft() {
  const d = state.draft;
  const may = state.me ? state.me.may : null;
  const stateLine = $("draft-state");
  if (!d) stateLine.textContent = "No draft. Visitors see the live version" + (state.live && state.live.version ? " (" + state.live.version + ")" : "") + ". Your first change starts a draft; nothing is live until it is published.";
  else stateLine.textContent = "A draft is open: last changed by " + d.updatedBy + " at " + new Date(d.updatedAt).toLocaleString() + "." + (d.baseIsLive ? "" : " The live version changed since it started (" + (d.base || "nothing") + " → " + (state.live && state.live.version) + "): publishing replaces it with the draft.");
  for (const id of ["draft-diff", "draft-preview", "draft-discard"]) $(id).hidden = !d;
  $("draft-publish").hidden = !d || !(may && may.publish);
  $("draft-changes").replaceChildren();
}

async function showDiff() {
  const r = await diff();
  $("draft-changes").replaceChildren(typeof r === "string" ? el("p", { class: "error", text: r }) : changeList(r.changes));
}

function publish() {
  const d = state.draft;
  if (!d) return;
  void diff().then((r) => {
    const changes = typeof r === "string" ? el("p", { class: "error", text: r }) : changeList(r.changes);
    confirmDialog("Publish the draft?", ["It goes live on the next request (other locations within a minute). What changes against the live version:", changes], "Publish", async () => {
      /** @type {import("./dom.browser.js").Answer<PublishDraftAnswer>} */
      const p = await api("POST", "/draft/publish", {}, { "if-match": '"' + d.etag + '"' });
      if (p.status === 409) {
        await loadDraft();
        changed();
        return conflictText(/** @type {import("./admin-api.js").DraftConflict} */ (/** @type {unknown} */ (p.json)));
      }
      if (!p.ok) return "Not published: " + errorText(p);
      say("Published: version " + p.json.version + " is live.");
      await reloadAll();
      return null;
    });
  });
}

function discard() {
  const d = state.draft;
  if (!d) return;
  confirmDialog("Discard the draft?", ["Every change in it is dropped; the live version stays as it is."], "Discard the draft", async () => {
    const r = await api("DELETE", "/draft", undefined, { "if-match": '"' + d.etag + '"' });
    if (!r.ok) return "Not discarded: " + errorText(r);
    state.draft = null;
    changed();
    say("The draft was discarded.");
    return null;
  });
}

/** @type {() => Promise<unknown>} */
let reloadAll = async () => undefined;

/**
 * Opens the site in a preview with the element picker, and takes back what is picked there.
 * @param {string} path
 */
async function openPicker(path) {
  /** @type {import("./dom.browser.js").Answer<PreviewLinkAnswer>} */
  const r = await api("POST", "/preview-link", { path, ...(state.draft ? { draft: true } : {}) });
  if (!r.ok) return "No preview: " + errorText(r);
  const site = new URL(r.json.url).origin;
  // A page of the site must not get a copy of this tab's token (a window opened on the same
  // origin starts with a copy of its opener's sessionStorage): it is taken out while it opens.
  const token = sessionStorage.getItem(TOKEN_KEY);
  sessionStorage.removeItem(TOKEN_KEY);
  const win = window.open(r.json.url, "p13n-pick");
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  if (!win) return "The browser blocked the new window: allow pop-ups for the console.";
  /** @param {MessageEvent} ev */
  const onMessage = (ev) => {
    if (ev.origin !== site || ev.source !== win) return;
    const data = /** @type {{ type?: unknown, selector?: unknown, slot?: unknown }} */ (ev.data || {});
    if (data.type !== "p13n-pick" || typeof data.selector !== "string" || typeof data.slot !== "string" || data.selector.length > 512) return;
    window.removeEventListener("message", onMessage);
    win.close();
    window.focus();
    editSlot(null, { selector: data.selector, slot: data.slot.slice(0, 64) });
  };
  window.addEventListener("message", onMessage);
  say("The page opened in a new window: switch on \"Pick an element\" there and click the part to personalize.");
  return null;
}

function pickDialog() {
  const path = el("input", { id: "pick-path", value: "/", autocomplete: "off" });
  openDialog({ title: "Pick an element on the page", saveText: "Open the page", body: [field("Page (its path on the site)", path, "The page opens in a preview of the " + (state.draft ? "draft" : "live version") + " with a picker.")], onSave: () => openPicker(path.value.trim() || "/") });
}

/**
 * Wires the draft bar's buttons once.
 * @param {() => Promise<unknown>} reload reads everything again (after a publish)
 */
export function wireDraft(reload) {
  reloadAll = reload;
  $("draft-diff").addEventListener("click", () => void showDiff());
  $("draft-publish").addEventListener("click", publish);
  $("draft-discard").addEventListener("click", discard);
  $("draft-preview").addEventListener("click", () => {
    control("va-version").value = "draft";
    $("view-as").scrollIntoView();
    control("va-tier").focus();
  });
  $("pick-element").addEventListener("click", pickDialog);
  $("new-slot").addEventListener("click", () => editSlot(null));
}
