// @ts-check
/**
 * "View site as…" (and "Preview as…" the draft): a profile, a context, the draft or a staged
 * version, and forced variants, signed by the Worker into a preview link that opens in a new tab.
 */
import { $, api, control, el, field } from "./dom.browser.js";
import { state, workingDoc } from "./state.browser.js";
import { errorText, previewRequest } from "./format.browser.js";

/**
 * @typedef {import("./admin-api.js").CurrentAnswer} CurrentAnswer
 * @typedef {import("./admin-api.js").VersionsAnswer} VersionsAnswer
 * @typedef {import("./admin-api.js").PreviewLinkAnswer} PreviewLinkAnswer
 */

/**
 * The form's choices of version (the live one, the draft, a staged one) and of a forced variant
 * per slot of the content being edited. Each label sits in one box with its own control.
 * @param {CurrentAnswer | null} _current
 * @param {VersionsAnswer} versions
 */
export function renderViewAs(_current, versions) {
  const select = control("va-version");
  const keep = select.value;
  select.replaceChildren(el("option", { value: "", text: "(live)" }));
  if (state.draft) select.append(el("option", { value: "draft", text: "the draft (not live)" }));
  for (const v of versions.versions) if (!v.current && !v.draftPreview) select.append(el("option", { value: v.version, text: v.version }));
  select.value = keep === "draft" && !state.draft ? "" : keep;
  const forced = $("va-forced");
  forced.replaceChildren();
  for (const [slot, s] of Object.entries(/** @type {Record<string, { variants?: Array<{ id: string }> }>} */ (workingDoc().slots || {}))) {
    const id = "va-force-" + slot;
    const sel = el("select", { id, "data-slot": slot }, [el("option", { value: "", text: "(decided by the rules)" })].concat((s.variants || []).map((v) => el("option", { value: v.id, text: v.id }))));
    forced.append(field("Force " + slot, sel));
  }
}

/** @param {SubmitEvent} ev */
export async function createPreview(ev) {
  ev.preventDefault();
  const f = new FormData(/** @type {HTMLFormElement} */ ($("view-form")));
  /** @type {Record<string, string>} */
  const forced = {};
  for (const s of document.querySelectorAll("#va-forced select")) {
    const select = /** @type {HTMLSelectElement} */ (s);
    if (select.value && select.dataset.slot) forced[select.dataset.slot] = select.value;
  }
  const body = previewRequest((name) => String(f.get(name) || ""), forced);
  // The draft is staged by the Worker for the link: it is not a version id yet.
  if (body.version === "draft") {
    delete body.version;
    body.draft = true;
  }
  const out = $("preview-out");
  /** @type {import("./dom.browser.js").Answer<PreviewLinkAnswer>} */
  const r = await api("POST", "/preview-link", body);
  if (!r.ok) {
    out.replaceChildren(el("span", { class: "error", text: "No preview link: " + errorText(r) }));
    return;
  }
  const a = el("a", { id: "preview-link", href: r.json.url, target: "_blank", rel: "noopener noreferrer", text: "Open the preview" });
  out.replaceChildren(a, " (valid until " + new Date(r.json.expiresAt).toLocaleString() + ")");
  a.focus();
}
