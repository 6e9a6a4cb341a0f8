// @ts-check
/**
 * Writing a variant: its HTML with the sanitizer's warnings as the editor types (POST /sanitize)
 * and a live rendering in a sandboxed frame (it cannot run), an image upload that puts the image
 * in the HTML, and every field a variant file has — priority, topics, promotional, campaign,
 * schedule and daypart, frequency cap, audience and suppression (the rule builder) — saved into
 * the draft (model.browser.js keeps each field exactly as the YAML would).
 */
import { openDialog } from "./dialog.browser.js";
import { el, field } from "./dom.browser.js";
import { formToVariant, variantToForm, WEEKDAYS } from "./model.browser.js";
import { ruleBuilder } from "./rule-builder.browser.js";
import { changeDraft, state, workingDoc } from "./state.browser.js";
import { htmlEditor } from "./variant-html.browser.js";

/**
 * @typedef {Record<string, unknown>} Doc
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
  const html = htmlEditor(slot, f.html);

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

  openDialog({
    title: variant ? "Edit variant " + f.id + " of " + slot : "New variant of " + slot,
    className: "wide",
    body: [
      field("Variant name", id, "Letters, digits, '-', '_' or '.'; it names the variant in results and the history."),
      ...html.parts,
      el("fieldset", { class: "grid" }, [el("legend", { text: "Choice" }), field("Priority", priority, "Higher wins among the variants a visitor may see."), field("Topics", topics, "Comma-separated; matched against visitors' interests."), field("Campaign", campaign), promotional, experimentOnly]),
      el("fieldset", { class: "grid" }, [el("legend", { text: "Schedule (times in UTC; hours in the visitor's own time)" }), field("Show from", start), field("Show until", end), field("Daily from hour", hoursFrom), field("Daily until hour", hoursTo), el("div", { class: "field days", role: "group", "aria-label": "On these days" }, [el("span", { class: "label", text: "On these days (none ticked: every day)" }), ...days])]),
      el("fieldset", { class: "grid" }, [el("legend", { text: "Frequency cap (per visitor)" }), field("At most (impressions)", capMax), field("Per (hours)", capHours), field("Counted for", capScope)]),
      audience,
      suppress,
    ],
    onSave: async () => {
      f.id = id.value.trim();
      f.html = html.textarea.value;
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
