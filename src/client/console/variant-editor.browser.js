// @ts-check
/**
 * Writing a variant: its HTML with the sanitizer's warnings as the editor types (POST /sanitize)
 * and a live rendering in a sandboxed frame (it cannot run), an image upload that puts the image
 * in the HTML, and every field a variant file has — priority, topics, promotional, campaign,
 * schedule and daypart, frequency cap, audience and suppression (the rule builder) — saved into
 * the draft (model.browser.js keeps each field exactly as the YAML would).
 */
import { openDialog } from "./dialog.browser.js";
import { api, el, field } from "./dom.browser.js";
import { errorText, frameDoc } from "./format.browser.js";
import { formToVariant, variantToForm, WEEKDAYS } from "./model.browser.js";
import { ruleBuilder } from "./rule-builder.browser.js";
import { changeDraft, state, workingDoc } from "./state.browser.js";

/**
 * @typedef {Record<string, unknown>} Doc
 * @typedef {import("./admin-api.js").SanitizeAnswer} SanitizeAnswer
 * @typedef {import("./admin-api.js").StoredImage} StoredImage
 */

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * @param {string} id
 * @param {string} value
 * @param {Record<string, unknown>} [props]
 */
function input(id, value, props) {
  const i = el("input", { id, ...(props || {}) });
  i.value = value;
  return i;
}

/**
 * @param {string} id
 * @param {boolean} checked
 * @param {string} label
 */
function checkbox(id, checked, label) {
  const c = el("input", { id, type: "checkbox" });
  c.checked = checked;
  return el("div", { class: "field check" }, [c, el("label", { for: id, text: label })]);
}

/**
 * Opens the editor for a variant of `slot` (`variant` null: a new one).
 * @param {string} slot
 * @param {Doc | null} variant
 */
export function editVariant(slot, variant) {
  const f = variantToForm(variant || { id: "", html: "" });
  const segments = Object.keys(/** @type {Doc} */ (workingDoc().segments || {}));
  const attributes = state.attributes ? state.attributes.attributes : [];

  const id = input("ve-id", f.id, { required: true, maxlength: 64, autocomplete: "off" });
  const html = el("textarea", { id: "ve-html", rows: 9, spellcheck: "false", class: "code" });
  html.value = f.html;
  const warnings = el("ul", { id: "ve-warnings", class: "warnings", "aria-live": "polite" });
  const frame = el("iframe", { sandbox: "", title: "Live rendering of this variant", class: "live-frame" });
  const image = el("input", { id: "ve-image", type: "file", accept: "image/png,image/jpeg,image/gif,image/webp" });
  const alt = input("ve-alt", "", { placeholder: "what the image shows" });
  const imageStatus = el("p", { class: "hint", role: "status" });

  let timer = 0;
  const refresh = () => {
    frame.srcdoc = frameDoc(html.value);
    clearTimeout(timer);
    timer = window.setTimeout(() => void sanitizeWarnings(html.value, warnings, slot), 300);
  };
  html.addEventListener("input", refresh);
  image.addEventListener("change", () => void upload(image, alt, html, imageStatus).then(refresh));

  const priority = input("ve-priority", f.priority, { type: "number", step: "any" });
  const topics = input("ve-topics", f.topics, { placeholder: "running, yoga" });
  const campaign = input("ve-campaign", f.campaign, { maxlength: 64 });
  const start = input("ve-start", f.start, { type: "datetime-local" });
  const end = input("ve-end", f.end, { type: "datetime-local" });
  const hoursFrom = input("ve-hours-from", f.hoursFrom, { type: "number", min: 0, max: 24 });
  const hoursTo = input("ve-hours-to", f.hoursTo, { type: "number", min: 0, max: 24 });
  const days = WEEKDAYS.map((d) => checkbox("ve-day-" + d, f.days.includes(d), d));
  const capMax = input("ve-cap-max", f.capMax, { type: "number", min: 1, step: 1 });
  const capHours = input("ve-cap-hours", f.capHours, { type: "number", min: 0.01, step: "any" });
  const capScope = el("select", { id: "ve-cap-scope" }, [el("option", { value: "", text: "this variant (the default)" }), el("option", { value: "variant", text: "this variant" }), el("option", { value: "campaign", text: "every variant of its campaign" })]);
  capScope.value = f.capScope;
  const promotional = checkbox("ve-promotional", f.promotional, "Promotional (held back for visitors who asked for fewer promotions, during a service case and after a conversion)");
  const experimentOnly = checkbox("ve-experiment-only", f.experimentOnly, "Only through an experiment (never chosen by its audience)");
  const audience = ruleBuilder({ name: "Audience: who may see it", node: f.audience, segments, attributes, none: "Everyone", onChange: (n) => (f.audience = n) });
  const suppress = ruleBuilder({ name: "Suppress when", node: f.suppressWhen, segments, attributes, none: "Never", onChange: (n) => (f.suppressWhen = n) });

  refresh();
  openDialog({
    title: variant ? "Edit variant " + f.id + " of " + slot : "New variant of " + slot,
    className: "wide",
    body: [
      field("Variant name", id, "Letters, digits, '-', '_' or '.'; it names the variant in results and the history."),
      el("div", { class: "html-editor" }, [
        el("div", {}, [field("HTML", html, "Replaces what the slot shows. Scripts, styles and event handlers are removed when it is published."), warnings]),
        el("div", {}, [el("p", { class: "label", text: "Live rendering (sandboxed: nothing in it runs)" }), frame]),
      ]),
      el("fieldset", { class: "grid" }, [el("legend", { text: "Image" }), field("Add an image", image, "PNG, JPEG, GIF or WebP, at most 5 MiB: it goes into the HTML where the cursor is."), field("Image description (alt text)", alt), imageStatus]),
      el("fieldset", { class: "grid" }, [el("legend", { text: "Choice" }), field("Priority", priority, "Higher wins among the variants a visitor may see."), field("Topics", topics, "Comma-separated; matched against visitors' interests."), field("Campaign", campaign), promotional, experimentOnly]),
      el("fieldset", { class: "grid" }, [el("legend", { text: "Schedule (times in UTC; hours in the visitor's own time)" }), field("Show from", start), field("Show until", end), field("Daily from hour", hoursFrom), field("Daily until hour", hoursTo), el("div", { class: "field days", role: "group", "aria-label": "On these days" }, [el("span", { class: "label", text: "On these days (none ticked: every day)" }), ...days])]),
      el("fieldset", { class: "grid" }, [el("legend", { text: "Frequency cap (per visitor)" }), field("At most (impressions)", capMax), field("Per (hours)", capHours), field("Counted for", capScope)]),
      audience,
      suppress,
    ],
    onSave: async () => {
      f.id = id.value.trim();
      f.html = html.value;
      Object.assign(f, { priority: priority.value, topics: topics.value, campaign: campaign.value, start: start.value, end: end.value, hoursFrom: hoursFrom.value, hoursTo: hoursTo.value, capMax: capMax.value, capHours: capHours.value, capScope: capScope.value });
      f.days = WEEKDAYS.filter((d) => /** @type {HTMLInputElement} */ (document.getElementById("ve-day-" + d)).checked);
      f.promotional = /** @type {HTMLInputElement} */ (document.getElementById("ve-promotional")).checked;
      f.experimentOnly = /** @type {HTMLInputElement} */ (document.getElementById("ve-experiment-only")).checked;
      if (!ID.test(f.id)) return "The variant name must be letters, digits, '-', '_' or '.', starting with a letter or digit.";
      if ((f.hoursFrom === "") !== (f.hoursTo === "")) return "Give both daily hours, or neither.";
      if ((f.capMax === "") !== (f.capHours === "")) return "Give both the cap's number and its hours, or neither.";
      const next = formToVariant(f);
      return changeDraft((doc) => putVariant(doc, slot, variant ? String(variant.id) : null, next));
    },
  });
}

/**
 * Puts `next` into the slot: in place of `replacing`, or (new) at the end. Refuses a name taken.
 * @param {Doc} doc
 * @param {string} slot
 * @param {string | null} replacing
 * @param {Doc} next
 * @returns {string | void}
 */
export function putVariant(doc, slot, replacing, next) {
  const slots = /** @type {Record<string, Doc>} */ (doc.slots || (doc.slots = {}));
  const s = slots[slot];
  if (!s) return "The slot " + slot + " is not in the draft any more.";
  const list = /** @type {Doc[]} */ (s.variants || (s.variants = []));
  if (next.id !== replacing && list.some((v) => v.id === next.id)) return "The slot already has a variant named " + String(next.id) + ".";
  const at = replacing === null ? -1 : list.findIndex((v) => v.id === replacing);
  if (at >= 0) list[at] = next;
  else list.push(next);
  // An experiment arm that named the old id follows the rename.
  if (replacing !== null && next.id !== replacing) {
    for (const e of Object.values(/** @type {Record<string, Doc>} */ (doc.experiments || {}))) {
      for (const arm of /** @type {Doc[]} */ (e.arms || [])) {
        const vs = /** @type {Record<string, string | null>} */ (arm.variants || {});
        if (vs[slot] === replacing) vs[slot] = String(next.id);
      }
    }
  }
}

/**
 * @param {string} html
 * @param {HTMLElement} list
 * @param {string} slot
 */
async function sanitizeWarnings(html, list, slot) {
  const trusted = /** @type {Doc | undefined} */ (/** @type {Record<string, Doc>} */ (workingDoc().slots || {})[slot]);
  if (trusted && trusted.trusted === true) {
    list.replaceChildren(el("li", { class: "muted", text: "This slot is trusted: its HTML is published as written, scripts included." }));
    return;
  }
  /** @type {import("./dom.browser.js").Answer<SanitizeAnswer>} */
  const r = await api("POST", "/sanitize", { html });
  if (!r.ok) {
    list.replaceChildren(el("li", { class: "error", text: "The warnings could not be read: " + errorText(r) }));
    return;
  }
  list.replaceChildren(...(r.json.removed.length ? r.json.removed.map((x) => el("li", { class: "warning", text: "Line " + x.line + ", column " + x.column + ": " + x.message })) : [el("li", { class: "ok", text: "Nothing will be removed when it is published." })]));
}

/**
 * Uploads the chosen image and puts an <img> for it into the HTML at the cursor.
 * @param {HTMLInputElement} file
 * @param {HTMLInputElement} alt
 * @param {HTMLTextAreaElement} html
 * @param {HTMLElement} status
 */
async function upload(file, alt, html, status) {
  const chosen = file.files && file.files[0];
  if (!chosen) return;
  status.textContent = "Uploading " + chosen.name + "…";
  /** @type {import("./dom.browser.js").Answer<StoredImage>} */
  const r = await api("POST", "/assets", chosen);
  if (!r.ok) {
    status.textContent = "Not uploaded: " + errorText(r);
    return;
  }
  const img = el("img", { src: r.json.url, alt: alt.value, width: r.json.width, height: r.json.height });
  const tag = img.outerHTML;
  const at = html.selectionStart ?? html.value.length;
  html.value = html.value.slice(0, at) + tag + html.value.slice(html.selectionEnd ?? at);
  status.textContent = "Uploaded (" + r.json.width + "×" + r.json.height + "); the image is in the HTML.";
  file.value = "";
}
