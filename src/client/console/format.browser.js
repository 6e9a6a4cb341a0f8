// @ts-check
/**
 * The console's pure helpers: numbers and intervals as text, the admin API's error as a
 * sentence, the sandboxed frame's document, and the preview form read into the admin API's
 * request. No DOM: unit-tested in Node (test/node/client/console-format.test.ts).
 */

/**
 * A share as a percentage with one decimal at most: 0.125 → "12.5%".
 * @param {number} x
 */
export function pct(x) {
  return Math.round(x * 1000) / 10 + "%";
}

/**
 * A rate as a percentage; "—" when there is none.
 * @param {number | null | undefined} x
 * @param {number} [digits] decimals (2)
 */
export function pctText(x, digits) {
  return x === null || x === undefined || !isFinite(x) ? "—" : (x * 100).toFixed(digits === undefined ? 2 : digits) + "%";
}

/**
 * A lift with its sign: 0.052 → "+5.2%".
 * @param {number | null | undefined} x
 */
export function signedText(x) {
  return x === null || x === undefined || !isFinite(x) ? "—" : (x >= 0 ? "+" : "") + (x * 100).toFixed(1) + "%";
}

/**
 * @param {readonly [number, number] | null | undefined} i
 * @param {(x: number) => string} f
 */
export function intervalText(i, f) {
  return i ? "[" + f(i[0]) + ", " + f(i[1]) + "]" : "—";
}

/** @param {number | null | undefined} p */
export function pText(p) {
  return p === null || p === undefined ? "—" : p < 0.0001 ? "< 0.0001" : p.toFixed(4);
}

/**
 * "p = 0.0123", "p < 0.0001"; "p = —" when there is no p-value (no comparison yet).
 * @param {number | null | undefined} p
 */
export function pPhrase(p) {
  return p !== null && p !== undefined && p < 0.0001 ? "p < 0.0001" : "p = " + pText(p);
}

/**
 * Milliseconds, two decimals under 10: 3.456 → "3.46 ms".
 * @param {number} x
 */
export function fmtMs(x) {
  return (x < 10 ? x.toFixed(2) : x.toFixed(1)) + " ms";
}

/** @param {number} x */
export function fmtPct(x) {
  return (x * 100).toFixed(1) + "%";
}

/**
 * The admin API's refusal in one line: "CODE: message", else the HTTP status.
 * @param {{ status: number, json: unknown }} r
 */
export function errorText(r) {
  const json = /** @type {{ error?: { code?: unknown, message?: unknown } } | null} */ (r.json);
  return json && json.error ? json.error.code + ": " + json.error.message : "HTTP " + r.status;
}

/**
 * The document a variant's fragment is shown in (an `<iframe sandbox srcdoc>`: it cannot run).
 * @param {string} html
 */
export function frameDoc(html) {
  return '<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="/__p13n/console.css"></head><body class="frame">' + html + "</body></html>";
}

/**
 * "a, b,,c " → ["a", "b", "c"].
 * @param {string} s
 */
export function splitList(s) {
  return s.split(",").map((x) => x.trim()).filter(Boolean);
}

/**
 * "subscribed=true, visits=3, plan=pro" → { subscribed: true, visits: 3, plan: "pro" }: booleans
 * and numbers as themselves, anything else as text; pairs without a name are skipped.
 * @param {string} text
 * @returns {Record<string, string | number | boolean>}
 */
export function parseAttrs(text) {
  /** @type {Record<string, string | number | boolean>} */
  const attrs = {};
  for (const pair of splitList(text)) {
    const i = pair.indexOf("=");
    if (i <= 0) continue;
    const raw = pair.slice(i + 1);
    attrs[pair.slice(0, i)] = raw === "true" ? true : raw === "false" ? false : raw !== "" && !isNaN(Number(raw)) ? Number(raw) : raw;
  }
  return attrs;
}

/**
 * @typedef {object} PreviewRequest The body of POST /__p13n/admin/preview-link.
 * @property {string} path
 * @property {{ tier?: string, stage?: string, topics?: string[], frequency?: string, attrs?: Record<string, string | number | boolean> }} [profile]
 * @property {{ device?: string, country?: string, at?: string }} [context]
 * @property {string} [version]
 * @property {boolean} [draft] preview the shared draft (the Worker stages it as a version for the link)
 * @property {Record<string, string>} [variants]
 */

/**
 * The "View site as…" form read into a preview-link request: only what was filled in, the
 * country upper-cased, the time (a datetime-local value, UTC) as ISO 8601.
 * @param {(name: string) => string} field the form's value for a name ("" when empty)
 * @param {Record<string, string>} forced slot → variant chosen in the form's "Force" selects
 * @returns {PreviewRequest}
 */
export function previewRequest(field, forced) {
  /** @type {NonNullable<PreviewRequest["profile"]>} */
  const profile = {};
  if (field("tier")) profile.tier = field("tier");
  if (field("stage")) profile.stage = field("stage");
  const topics = splitList(field("topics"));
  if (topics.length) profile.topics = topics;
  if (field("frequency")) profile.frequency = field("frequency");
  const attrs = parseAttrs(field("attrs"));
  if (Object.keys(attrs).length) profile.attrs = attrs;
  /** @type {NonNullable<PreviewRequest["context"]>} */
  const context = {};
  if (field("device")) context.device = field("device");
  if (field("country")) context.country = field("country").toUpperCase();
  if (field("at")) context.at = new Date(field("at") + "Z").toISOString();
  /** @type {PreviewRequest} */
  const body = { path: field("path") || "/" };
  if (Object.keys(profile).length) body.profile = profile;
  if (Object.keys(context).length) body.context = context;
  if (field("version")) body.version = field("version");
  if (Object.keys(forced).length) body.variants = forced;
  return body;
}

/**
 * The chart's top: 15% above the highest interval bound, at most 100%; 10% with no data.
 * @param {ReadonlyArray<{ arms: Record<string, { interval: readonly [number, number] | null } | undefined> }>} days
 * @param {readonly string[]} arms
 */
export function chartTop(days, arms) {
  let top = 0;
  for (const d of days) for (const a of arms) {
    const s = d.arms[a];
    if (s && s.interval) top = Math.max(top, s.interval[1]);
  }
  return top > 0 ? Math.min(1, top * 1.15) : 0.1;
}

/** Conversions each side needs before a lift or a probability is shown: fewer, and chance decides. */
export const MIN_CONVERSIONS = 30;

/**
 * What a comparison still needs, in words ("needs 12 more conversions in bold and 5 in control"),
 * or "" when both sides have enough to show a lift and a probability.
 * @param {Array<{ name: string, converted: number }>} sides
 */
export function needsMore(sides) {
  const short = sides.filter((s) => s.converted < MIN_CONVERSIONS).map((s) => ({ name: s.name, n: MIN_CONVERSIONS - s.converted }));
  if (short.length === 0) return "";
  const parts = short.map((s, i) => (i === 0 ? s.n + " more conversion" + (s.n === 1 ? "" : "s") + " in " + s.name : s.n + " in " + s.name));
  return "needs " + parts.join(" and ");
}

/**
 * Label positions on a chart's axis that never overlap: each at its wanted `y`, pushed apart to
 * at least `gap`, kept within [top, bottom] (order kept).
 * @param {number[]} ys wanted positions
 * @param {number} gap the smallest distance between two labels
 * @param {number} top
 * @param {number} bottom
 * @returns {number[]} positions in the same order as `ys`
 */
export function spreadLabels(ys, gap, top, bottom) {
  const order = ys.map((y, i) => ({ y, i })).sort((a, b) => a.y - b.y || a.i - b.i);
  const out = order.map((o) => Math.min(bottom, Math.max(top, o.y)));
  for (let k = 1; k < out.length; k++) out[k] = Math.max(/** @type {number} */ (out[k]), /** @type {number} */ (out[k - 1]) + gap);
  // Pushed past the bottom: shift the run back up, keeping the gaps.
  const last = out.length - 1;
  if (last >= 0 && /** @type {number} */ (out[last]) > bottom) {
    out[last] = bottom;
    for (let k = last - 1; k >= 0; k--) out[k] = Math.min(/** @type {number} */ (out[k]), /** @type {number} */ (out[k + 1]) - gap);
  }
  /** @type {number[]} */
  const result = new Array(ys.length);
  order.forEach((o, k) => (result[o.i] = /** @type {number} */ (out[k])));
  return result;
}

/**
 * A whole number with thousands separators: 2800 → "2,800".
 * @param {number} n
 */
export function count(n) {
  return Math.round(n).toLocaleString("en-US");
}
