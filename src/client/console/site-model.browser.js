// @ts-check
/**
 * The site settings (holdout, goals, pages, policy) ↔ the settings form's values (pure; no DOM),
 * as model.browser.js does for variants, slots and experiments.
 */
import { listText, numText, parseList, parsePercent, percentText } from "./field-text.browser.js";

/** @typedef {Record<string, unknown>} Doc */

/**
 * @typedef {object} SiteForm
 * @property {string} holdoutShare percent
 * @property {string} holdoutSalt
 * @property {string} goals
 * @property {Array<{ pattern: string, category: string, topics: string }>} pages
 * @property {string} quietHours
 * @property {boolean} serviceCase
 * @property {Doc} original the manifest's site fields as read
 */

/**
 * @param {Doc} doc
 * @returns {SiteForm}
 */
export function siteToForm(doc) {
  const holdout = /** @type {Doc | undefined} */ (doc.holdout);
  const policy = /** @type {Doc} */ (doc.policy || {});
  return {
    holdoutShare: holdout ? percentText(holdout.share) : "",
    holdoutSalt: holdout ? String(holdout.salt) : "",
    goals: listText(/** @type {string[]} */ (doc.goals || [])),
    pages: /** @type {Doc[]} */ (doc.pages || []).map((p) => ({ pattern: String(p.pattern), category: String(p.category), topics: listText(/** @type {string[]} */ (p.topics || [])), original: p })),
    quietHours: numText(policy.quietHoursAfterConversion),
    serviceCase: policy.serviceCaseSuppressesPromotions !== false,
    original: { holdout: doc.holdout, goals: doc.goals, pages: doc.pages, policy: doc.policy },
  };
}

/**
 * The site fields of the manifest (holdout, goals, pages, policy): set, or absent.
 * @param {SiteForm} f
 * @returns {Doc}
 */
export function formToSite(f) {
  const o = f.original;
  const oPolicy = /** @type {Doc | undefined} */ (o.policy);
  /** @type {Doc} */
  const out = {};
  if (f.holdoutShare !== "") out.holdout = { share: parsePercent(f.holdoutShare), salt: f.holdoutSalt };
  const goals = parseList(f.goals);
  if (goals.length || o.goals !== undefined) out.goals = goals;
  if (f.pages.length || o.pages !== undefined) {
    out.pages = f.pages.map((p) => {
      const topics = parseList(p.topics);
      const orig = /** @type {Doc} */ (/** @type {{ original?: Doc }} */ (p).original || {});
      return { pattern: p.pattern, category: p.category, ...(topics.length || orig.topics !== undefined ? { topics } : {}) };
    });
  }
  /** @type {Doc} */
  const policy = {};
  if (f.quietHours !== "") policy.quietHoursAfterConversion = Number(f.quietHours);
  if (!f.serviceCase || (oPolicy && oPolicy.serviceCaseSuppressesPromotions !== undefined)) policy.serviceCaseSuppressesPromotions = f.serviceCase;
  if (Object.keys(policy).length || oPolicy !== undefined) out.policy = policy;
  return out;
}
