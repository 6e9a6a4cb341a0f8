// @ts-check
/**
 * The live content as an editor reads it: each slot with its variants side by side (each
 * fragment in an `<iframe sandbox="" srcdoc>`, so an editor's HTML cannot run here), and the
 * experiments with their arms' shares.
 */
import { $, el } from "./dom.browser.js";
import { frameDoc, pct } from "./format.browser.js";

/**
 * @typedef {import("./admin-api.js").CurrentAnswer} CurrentAnswer
 * @typedef {import("./admin-api.js").VariantSummary} VariantSummary
 * @typedef {import("./admin-api.js").ExperimentSummary} ExperimentSummary
 */

/**
 * A variant's facts as a definition list (empty values left out).
 * @param {VariantSummary} v
 */
function variantFacts(v) {
  const facts = el("dl");
  /** @param {string} k @param {string | number | string[] | null} val */
  const fact = (k, val) => {
    if (val !== null && val !== undefined && val !== "" && !(Array.isArray(val) && val.length === 0)) facts.append(el("dt", { text: k }), el("dd", { text: Array.isArray(val) ? val.join(", ") : String(val) }));
  };
  fact("Audience", v.audience || "everyone");
  fact("Priority", v.priority);
  fact("Schedule", v.schedule);
  fact("Cap", v.cap);
  fact("Suppressed when", v.suppressWhen);
  fact("Topics", v.topics);
  if (v.promotional) fact("Promotional", "yes");
  if (v.experimentOnly) fact("Experiment only", "yes");
  return facts;
}

/** @param {VariantSummary} v */
function variantCard(v) {
  return el("article", { class: "variant", "aria-label": "Variant " + v.id }, [
    el("h4", { text: v.id }),
    el("iframe", { sandbox: "", srcdoc: frameDoc(v.html), title: "Rendered fragment of variant " + v.id, loading: "lazy" }),
    variantFacts(v),
  ]);
}

/** @param {CurrentAnswer | null} current */
export function renderSlots(current) {
  const list = $("slot-list");
  list.replaceChildren();
  const summary = current && current.summary;
  $("live-version").textContent = current && current.version ? "(live version " + current.version + ")" : "";
  if (!summary) {
    list.append(el("p", { text: "Nothing is published yet: run npx p13n publish." }));
    return;
  }
  for (const slot of summary.slots) {
    const variants = el("div", { class: "variants" }, slot.variants.map(variantCard));
    const head = el("div", { class: "slot-head" }, [el("h3", {}, [el("code", { text: slot.id })]), el("span", { class: "badge", text: slot.variants.length + (slot.variants.length === 1 ? " variant" : " variants") })]);
    if (slot.trusted) head.append(el("span", { class: "badge warn", text: "trusted: fragments not sanitized" }));
    list.append(el("section", { class: "slot", "aria-label": "Slot " + slot.id }, [head, slot.description ? el("p", { class: "muted", text: slot.description }) : null, variants]));
  }
}

/**
 * "control 50% (weight 1): hero=default, promo=sale"
 * @param {ExperimentSummary["arms"][number]} a
 */
function armItem(a) {
  const variants = Object.entries(a.variants).map(([s, v]) => s + "=" + (v === null ? "default" : v)).join(", ");
  return el("li", {}, [el("code", { text: a.id }), " " + pct(a.share) + " (weight " + a.weight + "): " + variants]);
}

/** @param {CurrentAnswer | null} current */
export function renderExperiments(current) {
  const list = $("experiment-list");
  list.replaceChildren();
  const exps = (current && current.summary && current.summary.experiments) || [];
  if (exps.length === 0) {
    list.append(el("p", { text: "No experiments." }));
    return;
  }
  const table = el("table", {}, [
    el("caption", { class: "visually-hidden", text: "Experiments and their arms" }),
    el("thead", {}, el("tr", {}, ["Experiment", "Status", "Slots", "Layer", "Traffic", "Holdout", "Arms"].map((h) => el("th", { scope: "col", text: h })))),
  ]);
  const body = el("tbody");
  for (const x of exps) {
    body.append(el("tr", {}, [
      el("th", { scope: "row" }, el("code", { text: x.id })),
      el("td", {}, el("span", { class: "badge" + (x.status === "running" ? " live" : ""), text: x.status })),
      el("td", { text: x.slots.join(", ") }),
      el("td", { text: x.layer || "—" }),
      el("td", { text: pct(x.traffic) }),
      el("td", { text: pct(x.holdout) }),
      el("td", {}, el("ul", { class: "arms" }, x.arms.map(armItem))),
    ]));
  }
  table.append(body);
  list.append(table);
}
