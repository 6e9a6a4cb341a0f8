// @ts-check
/**
 * "View site as…": a profile, a context, a staged version and forced variants, signed by the
 * Worker into a preview link that opens in a new tab.
 */
import { $, api, control, el } from "./dom.browser.js";
import { errorText, previewRequest } from "./format.browser.js";

/**
 * @typedef {import("./admin-api.js").CurrentAnswer} CurrentAnswer
 * @typedef {import("./admin-api.js").VersionsAnswer} VersionsAnswer
 * @typedef {import("./admin-api.js").PreviewLinkAnswer} PreviewLinkAnswer
 */

/**
 * The form's choices of version and of a forced variant per slot.
 * @param {CurrentAnswer | null} current
 * @param {VersionsAnswer} versions
 */
export function renderViewAs(current, versions) {
  const select = control("va-version");
  const keep = select.value;
  select.replaceChildren(el("option", { value: "", text: "(live)" }));
  for (const v of versions.versions) if (!v.current) select.append(el("option", { value: v.version, text: v.version }));
  select.value = keep;
  const forced = $("va-forced");
  forced.replaceChildren();
  const summary = current && current.summary;
  for (const slot of summary ? summary.slots : []) {
    const id = "va-force-" + slot.id;
    const s = el("select", { id, "data-slot": slot.id }, [el("option", { value: "", text: "(decided by the rules)" })].concat(slot.variants.map((v) => el("option", { value: v.id, text: v.id }))));
    forced.append(el("label", { for: id, text: "Force " + slot.id }), s);
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
