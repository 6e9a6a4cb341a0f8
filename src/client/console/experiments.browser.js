// @ts-check
/**
 * Experiments: the list (arms and their shares), and the editor — slots, arms (each naming a
 * variant or the page's own content for every slot), weights, traffic, holdout, layer, audience,
 * the goal it is judged on (from the declared goals), bandit on or off, status — saved into the
 * draft like every other change.
 */
import { confirmDialog, openDialog } from "./dialog.browser.js";
import { $, el, field } from "./dom.browser.js";
import { pct } from "./format.browser.js";
import { experimentToForm, formToExperiment } from "./model.browser.js";
import { ruleBuilder } from "./rule-builder.browser.js";
import { changeDraft, declaredGoals, state, workingDoc } from "./state.browser.js";

/** @typedef {Record<string, unknown>} Doc */
/** @typedef {import("./model.browser.js").ExperimentForm} ExperimentForm */

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Renders the experiments of the content being edited. */
export function renderExperiments() {
  const list = $("experiment-list");
  const canEdit = Boolean(state.me && state.me.may.draft);
  $("new-experiment").hidden = !canEdit;
  const exps = Object.entries(/** @type {Record<string, Doc>} */ (workingDoc().experiments || {}));
  if (exps.length === 0) {
    list.replaceChildren(el("p", { text: "No experiments." }));
    return;
  }
  const body = el("tbody");
  for (const [id, x] of exps) {
    const arms = /** @type {Doc[]} */ (x.arms || []);
    const total = arms.reduce((n, a) => n + Number(a.weight || 0), 0);
    body.append(el("tr", {}, [
      el("th", { scope: "row" }, el("code", { text: id })),
      el("td", {}, el("span", { class: "badge" + ((x.status || "running") === "running" ? " live" : ""), text: String(x.status || "running") + (x.bandit ? " · bandit" : "") })),
      el("td", { text: /** @type {string[]} */ (x.slots || []).join(", ") }),
      el("td", { text: x.goal ? String(x.goal) : "— (no winner judged)" }),
      el("td", { text: pct(typeof x.traffic === "number" ? x.traffic : 1) }),
      el("td", { text: pct(typeof x.holdout === "number" ? x.holdout : 0) }),
      el("td", {}, el("ul", { class: "arms" }, arms.map((a) => el("li", {}, [el("code", { text: String(a.id) }), " " + pct(total > 0 ? Number(a.weight) / total : 0) + ": " + Object.entries(/** @type {Record<string, string | null>} */ (a.variants || {})).map(([s, v]) => s + "=" + (v === null ? "default" : v)).join(", ")])))),
      el("td", {}, canEdit ? [
        el("button", { type: "button", class: "secondary small", text: "Edit", "aria-label": "Edit experiment " + id, on: { click: () => editExperiment(id) } }),
        el("button", { type: "button", class: "secondary small danger-text", text: "Delete", "aria-label": "Delete experiment " + id, on: { click: () => removeExperiment(id) } }),
      ] : null),
    ]));
  }
  list.replaceChildren(el("table", {}, [
    el("caption", { class: "visually-hidden", text: "Experiments and their arms" }),
    el("thead", {}, el("tr", {}, ["Experiment", "Status", "Slots", "Goal", "Traffic", "Holdout", "Arms", ""].map((h) => el("th", { scope: "col", text: h })))),
    body,
  ]));
}

/** @param {string} id */
function removeExperiment(id) {
  confirmDialog("Delete experiment " + id + "?", ["It goes from the draft; its results stay readable."], "Delete experiment", () =>
    changeDraft((doc) => {
      delete /** @type {Record<string, Doc>} */ (doc.experiments)[id];
    }),
  );
}

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
 * Opens the editor for an experiment (null: a new one).
 * @param {string | null} experimentId
 */
export function editExperiment(experimentId) {
  const doc = workingDoc();
  const slots = /** @type {Record<string, Doc>} */ (doc.slots || {});
  const existing = experimentId ? /** @type {Record<string, Doc>} */ (doc.experiments || {})[experimentId] : undefined;
  const f = experimentToForm(experimentId || "", existing || { slots: [], salt: "", arms: [{ id: "control", weight: 1, variants: {} }] });
  const name = input("xe-id", f.id, { maxlength: 64, autocomplete: "off", readOnly: Boolean(experimentId) });
  const status = el("select", { id: "xe-status" }, ["", "running", "paused", "ended"].map((s) => el("option", { value: s, text: s || "running (the default)" })));
  status.value = f.status;
  const salt = input("xe-salt", f.salt || (experimentId ? "" : "salt-" + Date.now().toString(36)));
  const traffic = input("xe-traffic", f.traffic, { type: "number", min: 0, max: 100, step: "any", placeholder: "100" });
  const holdout = input("xe-holdout", f.holdout, { type: "number", min: 0, max: 100, step: "any", placeholder: "0" });
  const layer = input("xe-layer", f.layer, { maxlength: 64 });
  const goal = el("select", { id: "xe-goal" }, [el("option", { value: "", text: "(none: counts only, no winner judged)" }), ...declaredGoals(doc).map((g) => el("option", { value: g, text: g }))]);
  goal.value = f.goal;
  const bandit = el("input", { id: "xe-bandit", type: "checkbox" });
  bandit.checked = f.bandit;
  const slotBoxes = Object.keys(slots).map((s) => {
    const c = el("input", { id: "xe-slot-" + s, type: "checkbox", "data-slot": s });
    c.checked = f.slots.includes(s);
    c.addEventListener("change", () => {
      f.slots = Object.keys(slots).filter((x) => /** @type {HTMLInputElement} */ (document.getElementById("xe-slot-" + x)).checked);
      drawArms();
    });
    return el("div", { class: "field check" }, [c, el("label", { for: "xe-slot-" + s, text: s })]);
  });
  const armsBox = el("div", { class: "arms-editor" });
  const drawArms = () => armsBox.replaceChildren(armsTable(f, slots, drawArms));
  drawArms();
  const audience = ruleBuilder({ name: "Who may enter", node: f.audience, segments: Object.keys(/** @type {Doc} */ (doc.segments || {})), attributes: state.attributes ? state.attributes.attributes : [], none: "Everyone", onChange: (n) => (f.audience = n) });
  openDialog({
    title: experimentId ? "Edit experiment " + experimentId : "New experiment",
    className: "wide",
    body: [
      el("fieldset", { class: "grid" }, [el("legend", { text: "Experiment" }), field("Experiment name", name), field("Status", status), field("Salt", salt, "Changing it reshuffles who gets which arm."), field("Layer", layer, "Experiments in one layer never share a visitor.")]),
      el("fieldset", { class: "grid" }, [el("legend", { text: "Slots it covers" }), ...slotBoxes]),
      el("fieldset", { class: "grid" }, [el("legend", { text: "Traffic" }), field("Traffic (% of visitors who may enter)", traffic), field("Holdout (% of entrants kept on the page's own content, measured)", holdout)]),
      el("fieldset", { class: "grid" }, [el("legend", { text: "Judged on" }), field("Goal", goal, "Declare goals in the site settings."), el("div", { class: "field check" }, [bandit, el("label", { for: "xe-bandit", text: "Bandit: move traffic to the arm that converts best (needs a goal)" })])]),
      el("fieldset", {}, [el("legend", { text: "Arms" }), armsBox]),
      audience,
    ],
    onSave: async () => {
      Object.assign(f, { id: name.value.trim(), status: status.value, salt: salt.value.trim(), traffic: traffic.value, holdout: holdout.value, layer: layer.value, goal: goal.value, bandit: bandit.checked });
      if (!ID.test(f.id)) return "The experiment name must be letters, digits, '-', '_' or '.', starting with a letter or digit.";
      if (f.slots.length === 0) return "Tick at least one slot.";
      if (!f.salt) return "Give it a salt (any text).";
      if (f.bandit && !f.goal) return "A bandit needs a goal to optimize.";
      const next = formToExperiment(f);
      return changeDraft((d) => {
        const all = /** @type {Record<string, Doc>} */ (d.experiments || (d.experiments = {}));
        if (!experimentId && all[f.id]) return "There is already an experiment named " + f.id + ".";
        all[f.id] = next;
      });
    },
  });
}

/**
 * The arms: name, weight, and per slot the variant it shows.
 * @param {ExperimentForm} f
 * @param {Record<string, Doc>} slots
 * @param {() => void} redraw
 */
function armsTable(f, slots, redraw) {
  const rows = f.arms.map((arm, i) => {
    const n = i + 1;
    const id = input("xe-arm-" + n + "-id", arm.id, { maxlength: 64, size: 12 });
    id.addEventListener("input", () => (arm.id = id.value));
    const weight = input("xe-arm-" + n + "-weight", arm.weight, { type: "number", min: 0, step: "any", size: 5 });
    weight.addEventListener("input", () => (arm.weight = weight.value));
    const picks = f.slots.map((s) => {
      const sel = el("select", { id: "xe-arm-" + n + "-" + s }, [el("option", { value: "", text: "(the page's own content)" }), ...(/** @type {Doc[]} */ (slots[s]?.variants || [])).map((v) => el("option", { value: String(v.id), text: String(v.id) }))]);
      sel.value = arm.variants[s] || "";
      sel.addEventListener("change", () => (arm.variants[s] = sel.value));
      return field(s, sel);
    });
    return el("div", { class: "arm", role: "group", "aria-label": "Arm " + n }, [
      field("Arm " + n + " name", id),
      field("Arm " + n + " weight", weight),
      ...picks,
      el("button", { type: "button", class: "secondary small", text: "Remove arm " + n, on: { click: () => { f.arms.splice(i, 1); redraw(); } } }),
    ]);
  });
  return el("div", {}, [...rows, el("button", { type: "button", class: "secondary small", text: "Add an arm", on: { click: () => { f.arms.push({ id: "arm-" + (f.arms.length + 1), weight: "1", variants: {} }); redraw(); } } })]);
}
