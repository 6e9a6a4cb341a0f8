// @ts-check
/**
 * The content being edited (the draft when there is one, else the live version): each slot with
 * its variants side by side — each fragment in an `<iframe sandbox srcdoc>`, so an editor's HTML
 * cannot run here — and, for editors, the ways to change it: a new slot (typed, or picked on the
 * page), a slot's settings, and a variant's new, edit, duplicate and delete. Every change goes to
 * the draft (state.browser.js).
 */
import { confirmDialog, openDialog } from "./dialog.browser.js";
import { $, el, field } from "./dom.browser.js";
import { frameDoc } from "./format.browser.js";
import { formToSlot, slotToForm } from "./model.browser.js";
import { ruleText } from "./rules.browser.js";
import { changeDraft, state, workingDoc } from "./state.browser.js";
import { editVariant } from "./variant-editor.browser.js";

/**
 * @typedef {Record<string, unknown>} Doc
 * @typedef {import("./rules.browser.js").Rule} Rule
 */

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * A variant's facts as a definition list (empty values left out).
 * @param {Doc} v
 */
function variantFacts(v) {
  const facts = el("dl");
  /** @param {string} k @param {unknown} val */
  const fact = (k, val) => {
    if (val !== null && val !== undefined && val !== "" && !(Array.isArray(val) && val.length === 0)) facts.append(el("dt", { text: k }), el("dd", { text: Array.isArray(val) ? val.join(", ") : String(val) }));
  };
  const schedule = /** @type {Doc | undefined} */ (v.schedule);
  const cap = /** @type {Doc | undefined} */ (v.cap);
  fact("Audience", v.audience ? ruleText(/** @type {Rule} */ (v.audience)) : "everyone");
  fact("Priority", v.priority ?? 0);
  if (schedule) fact("Schedule", [schedule.start ? "from " + schedule.start : "", schedule.end ? "until " + schedule.end : "", Array.isArray(schedule.hours) ? schedule.hours[0] + ":00–" + schedule.hours[1] + ":00 local" : "", Array.isArray(schedule.days) ? schedule.days.join(", ") : ""].filter(Boolean).join(", "));
  if (cap) fact("Cap", "at most " + cap.max + " per " + cap.periodHours + " h (" + (cap.scope || "variant") + ")");
  if (v.suppressWhen) fact("Suppressed when", ruleText(/** @type {Rule} */ (v.suppressWhen)));
  fact("Topics", v.topics);
  if (v.campaign) fact("Campaign", v.campaign);
  if (v.promotional) fact("Promotional", "yes");
  if (v.experimentOnly) fact("Experiment only", "yes");
  return facts;
}

/**
 * @param {string} slot
 * @param {Doc} v
 * @param {boolean} canEdit
 */
function variantCard(slot, v, canEdit) {
  const id = String(v.id);
  const actions = canEdit
    ? el("div", { class: "card-actions" }, [
        el("button", { type: "button", class: "secondary small", text: "Edit", "aria-label": "Edit variant " + id + " of " + slot, on: { click: () => editVariant(slot, v) } }),
        el("button", { type: "button", class: "secondary small", text: "Duplicate", "aria-label": "Duplicate variant " + id + " of " + slot, on: { click: () => void duplicate(slot, v) } }),
        el("button", { type: "button", class: "secondary small danger-text", text: "Delete", "aria-label": "Delete variant " + id + " of " + slot, on: { click: () => remove(slot, id) } }),
      ])
    : null;
  return el("article", { class: "variant", "aria-label": "Variant " + id }, [
    el("h4", { text: id }),
    el("iframe", { sandbox: "", srcdoc: frameDoc(String(v.html || "")), title: "Rendered fragment of variant " + id, loading: "lazy" }),
    variantFacts(v),
    actions,
  ]);
}

/**
 * @param {string} slot
 * @param {Doc} v
 */
async function duplicate(slot, v) {
  await changeDraft((doc) => {
    const list = /** @type {Doc[]} */ (/** @type {Record<string, Doc>} */ (doc.slots)[slot]?.variants || []);
    let n = 1;
    let id = String(v.id) + "-copy";
    while (list.some((x) => x.id === id)) id = String(v.id) + "-copy-" + ++n;
    list.splice(list.findIndex((x) => x.id === v.id) + 1, 0, { ...v, id });
  });
}

/**
 * @param {string} slot
 * @param {string} id
 */
function remove(slot, id) {
  confirmDialog("Delete variant " + id + "?", ["It goes from the draft; the live site keeps it until the draft is published."], "Delete variant", () =>
    changeDraft((doc) => {
      const s = /** @type {Doc} */ (/** @type {Record<string, Doc>} */ (doc.slots)[slot]);
      s.variants = /** @type {Doc[]} */ (s.variants).filter((x) => x.id !== id);
    }),
  );
}

/**
 * A slot's settings (or a new slot): name, description, CSS selector, trusted.
 * @param {string | null} slotId null: a new slot
 * @param {{ selector?: string, slot?: string }} [proposed] what the picker proposed
 */
export function editSlot(slotId, proposed) {
  const doc = workingDoc();
  const slots = /** @type {Record<string, Doc>} */ (doc.slots || {});
  const f = slotToForm(slotId || (proposed && proposed.slot) || "", slotId ? slots[slotId] || {} : { variants: [] });
  if (proposed && proposed.selector) f.selector = proposed.selector;
  const name = el("input", { id: "se-id", value: f.id, maxlength: 64, autocomplete: "off" });
  if (slotId) name.readOnly = true;
  const description = el("input", { id: "se-description", value: f.description });
  const selector = el("input", { id: "se-selector", value: f.selector, class: "code", autocomplete: "off", spellcheck: "false" });
  const trusted = el("input", { id: "se-trusted", type: "checkbox" });
  trusted.checked = f.trusted;
  trusted.disabled = !(state.me && state.me.may.trusted);
  openDialog({
    title: slotId ? "Slot " + slotId : "New slot",
    body: [
      field("Slot name", name, slotId ? "A slot's name is fixed: the page and the results use it." : "Letters, digits, '-', '_' or '.'."),
      field("Description", description),
      field("CSS selector", selector, "The first element on the page it matches is the slot. Empty: the page marks it with data-p13n-slot=\"" + (f.id || "name") + "\"."),
      el("div", { class: "field check" }, [trusted, el("label", { for: "se-trusted", text: "Trusted: publish its HTML as written, scripts included (publishers only)" })]),
    ],
    onSave: async () => {
      f.id = name.value.trim();
      f.description = description.value;
      f.selector = selector.value;
      f.trusted = trusted.checked;
      if (!ID.test(f.id)) return "The slot name must be letters, digits, '-', '_' or '.', starting with a letter or digit.";
      const next = formToSlot(f);
      return changeDraft((d) => {
        const all = /** @type {Record<string, Doc>} */ (d.slots || (d.slots = {}));
        if (!slotId && all[f.id]) return "There is already a slot named " + f.id + ".";
        all[f.id] = slotId ? { ...next, variants: all[f.id]?.variants || [] } : next;
      });
    },
  });
}

/** Renders the slots of the content being edited. */
export function renderSlots() {
  const list = $("slot-list");
  const doc = workingDoc();
  const canEdit = Boolean(state.me && state.me.may.draft);
  $("live-version").textContent = state.draft ? "(the draft, based on " + (state.draft.base || "nothing published") + ")" : state.live && state.live.version ? "(live version " + state.live.version + ")" : "";
  $("new-slot").hidden = !canEdit;
  $("pick-element").hidden = !canEdit;
  const slots = Object.entries(/** @type {Record<string, Doc>} */ (doc.slots || {}));
  if (slots.length === 0) {
    list.replaceChildren(el("p", { text: "No slots yet: pick an element on the page, or add a slot." }));
    return;
  }
  list.replaceChildren(
    ...slots.map(([id, s]) => {
      const variants = /** @type {Doc[]} */ (s.variants || []);
      const head = el("div", { class: "slot-head" }, [
        el("h3", {}, [el("code", { text: id })]),
        el("span", { class: "badge", text: variants.length + (variants.length === 1 ? " variant" : " variants") }),
        s.selector ? el("span", { class: "badge", text: "selector " + String(s.selector) }) : null,
        s.trusted ? el("span", { class: "badge warn", text: "trusted: fragments not sanitized" }) : null,
        canEdit ? el("button", { type: "button", class: "secondary small", text: "New variant", "aria-label": "New variant of " + id, on: { click: () => editVariant(id, null) } }) : null,
        canEdit ? el("button", { type: "button", class: "secondary small", text: "Settings", "aria-label": "Settings of slot " + id, on: { click: () => editSlot(id) } }) : null,
      ]);
      return el("section", { class: "slot", "aria-label": "Slot " + id }, [
        head,
        s.description ? el("p", { class: "muted", text: String(s.description) }) : null,
        el("div", { class: "variants" }, variants.map((v) => variantCard(id, v, canEdit))),
      ]);
    }),
  );
}
