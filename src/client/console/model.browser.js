// @ts-check
/**
 * The content as the console's forms hold it (pure; no DOM): a variant, a slot, an experiment
 * and the site settings ↔ their form values, field for field with the YAML, so everything the
 * content files can say the console can say, and the reverse (the round trip is tested on the
 * demo's whole content: test/node/client/console-model.test.ts). Form values are the text an
 * input holds; an empty field means "not set" (the schema's default), never an invented value.
 */
import { nodeToRule, ruleToNode } from "./rules.browser.js";
import { isoFrom, listText, localTimeText, numText, parseList, parsePercent, percentText } from "./field-text.browser.js";

// The field texts and the site settings live in their own modules; named here too, as the console's content model.
export { listText, localTimeText, parseList, parsePercent, percentText } from "./field-text.browser.js";
export { formToSite, siteToForm } from "./site-model.browser.js";

/**
 * @typedef {import("./rules.browser.js").Rule} Rule
 * @typedef {import("./rules.browser.js").RuleNode} RuleNode
 * @typedef {Record<string, unknown>} Doc
 */

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/**
 * @typedef {object} VariantForm
 * @property {string} id
 * @property {string} html
 * @property {string} priority
 * @property {string} topics
 * @property {boolean} promotional
 * @property {string} campaign
 * @property {boolean} experimentOnly
 * @property {string} start
 * @property {string} end
 * @property {string} hoursFrom
 * @property {string} hoursTo
 * @property {string[]} days
 * @property {string} capMax
 * @property {string} capHours
 * @property {string} capScope
 * @property {RuleNode | null} audience
 * @property {RuleNode | null} suppressWhen
 * @property {Doc} original the variant as read (unchanged fields keep their exact form)
 */

/**
 * @param {Doc} v
 * @returns {VariantForm}
 */
export function variantToForm(v) {
  const schedule = /** @type {Doc} */ (v.schedule || {});
  const hours = /** @type {number[] | undefined} */ (schedule.hours);
  const cap = /** @type {Doc} */ (v.cap || {});
  return {
    id: String(v.id || ""),
    html: String(v.html || ""),
    priority: numText(v.priority),
    topics: listText(/** @type {string[]} */ (v.topics || [])),
    promotional: v.promotional === true,
    campaign: typeof v.campaign === "string" ? v.campaign : "",
    experimentOnly: v.experimentOnly === true,
    start: localTimeText(schedule.start),
    end: localTimeText(schedule.end),
    hoursFrom: hours ? String(hours[0]) : "",
    hoursTo: hours ? String(hours[1]) : "",
    days: /** @type {string[]} */ (schedule.days || []).slice(),
    capMax: numText(cap.max),
    capHours: numText(cap.periodHours),
    capScope: typeof cap.scope === "string" ? cap.scope : "",
    audience: v.audience ? ruleToNode(/** @type {Rule} */ (v.audience)) : null,
    suppressWhen: v.suppressWhen ? ruleToNode(/** @type {Rule} */ (v.suppressWhen)) : null,
    original: v,
  };
}

/**
 * @param {VariantForm} f
 * @returns {Doc}
 */
export function formToVariant(f) {
  const o = f.original;
  const oSchedule = /** @type {Doc} */ (o.schedule || {});
  /** @type {Doc} */
  const v = { id: f.id.trim(), html: f.html };
  if (f.priority.trim() !== "") v.priority = Number(f.priority);
  const topics = parseList(f.topics);
  if (topics.length || o.topics !== undefined) v.topics = topics;
  if (f.promotional || o.promotional !== undefined) v.promotional = f.promotional;
  if (f.campaign.trim()) v.campaign = f.campaign.trim();
  /** @type {Doc} */
  const schedule = {};
  const start = isoFrom(f.start, oSchedule.start);
  const end = isoFrom(f.end, oSchedule.end);
  if (start) schedule.start = start;
  if (end) schedule.end = end;
  if (f.hoursFrom !== "" && f.hoursTo !== "") schedule.hours = [Number(f.hoursFrom), Number(f.hoursTo)];
  if (f.days.length) schedule.days = WEEKDAYS.filter((d) => f.days.includes(d));
  if (Object.keys(schedule).length) v.schedule = schedule;
  if (f.capMax !== "" && f.capHours !== "") {
    /** @type {Doc} */
    const cap = { max: Number(f.capMax), periodHours: Number(f.capHours) };
    if (f.capScope) cap.scope = f.capScope;
    v.cap = cap;
  }
  if (f.audience) v.audience = nodeToRule(f.audience);
  if (f.suppressWhen) v.suppressWhen = nodeToRule(f.suppressWhen);
  if (f.experimentOnly || o.experimentOnly !== undefined) v.experimentOnly = f.experimentOnly;
  return v;
}

/**
 * @typedef {{ id: string, description: string, trusted: boolean, selector: string, original: Doc }} SlotForm
 */

/**
 * @param {string} id
 * @param {Doc} s
 * @returns {SlotForm}
 */
export function slotToForm(id, s) {
  return { id, description: typeof s.description === "string" ? s.description : "", trusted: s.trusted === true, selector: typeof s.selector === "string" ? s.selector : "", original: s };
}

/**
 * The slot's settings (its variants are kept as they were).
 * @param {SlotForm} f
 * @returns {Doc}
 */
export function formToSlot(f) {
  const o = f.original;
  /** @type {Doc} */
  const s = {};
  if (f.description.trim() || o.description !== undefined) s.description = f.description;
  if (f.trusted || o.trusted !== undefined) s.trusted = f.trusted;
  if (f.selector.trim()) s.selector = f.selector.trim();
  s.variants = Array.isArray(o.variants) ? o.variants : [];
  return s;
}

/**
 * @typedef {{ id: string, weight: string, variants: Record<string, string> }} ArmForm
 *   `variants`: slot → variant id, "" for the slot's default content (null in the manifest).
 * @typedef {object} ExperimentForm
 * @property {string} id
 * @property {string[]} slots
 * @property {string} status
 * @property {string} salt
 * @property {string} traffic percent
 * @property {string} holdout percent
 * @property {string} layer
 * @property {RuleNode | null} audience
 * @property {string} goal
 * @property {boolean} bandit
 * @property {ArmForm[]} arms
 * @property {Doc} original
 */

/**
 * @param {string} id
 * @param {Doc} e
 * @returns {ExperimentForm}
 */
export function experimentToForm(id, e) {
  const arms = /** @type {Doc[]} */ (e.arms || []);
  return {
    id,
    slots: /** @type {string[]} */ (e.slots || []).slice(),
    status: typeof e.status === "string" ? e.status : "",
    salt: String(e.salt || ""),
    traffic: percentText(e.traffic),
    holdout: percentText(e.holdout),
    layer: typeof e.layer === "string" ? e.layer : "",
    audience: e.audience ? ruleToNode(/** @type {Rule} */ (e.audience)) : null,
    goal: typeof e.goal === "string" ? e.goal : "",
    bandit: e.bandit === true,
    arms: arms.map((a) => ({
      id: String(a.id),
      weight: numText(a.weight),
      variants: Object.fromEntries(Object.entries(/** @type {Record<string, string | null>} */ (a.variants || {})).map(([s, v]) => [s, v === null ? "" : v])),
    })),
    original: e,
  };
}

/**
 * @param {ExperimentForm} f
 * @returns {Doc}
 */
export function formToExperiment(f) {
  const o = f.original;
  /** @type {Doc} */
  const e = { slots: f.slots.slice() };
  if (f.status || o.status !== undefined) e.status = f.status || "running";
  e.salt = f.salt;
  if (f.traffic !== "") e.traffic = parsePercent(f.traffic);
  if (f.holdout !== "") e.holdout = parsePercent(f.holdout);
  if (f.layer.trim()) e.layer = f.layer.trim();
  if (f.audience) e.audience = nodeToRule(f.audience);
  e.arms = f.arms.map((a) => ({
    id: a.id.trim(),
    weight: Number(a.weight),
    // Only the experiment's own slots: an arm names a variant (or the default) for each of them.
    variants: Object.fromEntries(f.slots.map((s) => [s, a.variants[s] ? a.variants[s] : null])),
  }));
  if (f.bandit || o.bandit !== undefined) e.bandit = f.bandit;
  if (f.goal) e.goal = f.goal;
  return e;
}
