// @ts-check
/**
 * A form field's text ↔ the content's value (pure; no DOM): lists of words, percentages, numbers,
 * times. An empty field means "not set", never an invented value (model.browser.js).
 */

/**
 * A list of words as typed: "a, b"; an item with a comma or quote is JSON-quoted.
 * @param {readonly string[]} items
 */
export function listText(items) {
  return items.map((s) => (/[,"]/.test(s) || s.trim() !== s || s === "" ? JSON.stringify(s) : s)).join(", ");
}

/**
 * @param {string} text
 * @returns {string[]}
 */
export function parseList(text) {
  /** @type {string[]} */
  const out = [];
  const re = /\s*("(?:[^"\\]|\\.)*"|[^,]*)\s*(,|$)/g;
  let m;
  while ((m = re.exec(text)) !== null && m[0] !== "") {
    const raw = (m[1] || "").trim();
    if (raw !== "") out.push(raw.startsWith('"') ? /** @type {string} */ (JSON.parse(raw)) : raw);
    if (m[2] === "") break;
  }
  return out;
}

/**
 * A number field: "" when unset.
 * @param {unknown} n
 */
export const numText = (n) => (typeof n === "number" ? String(n) : "");

/**
 * A share (0..1) as a percentage, without float noise: 0.07 → "7".
 * @param {unknown} x
 */
export function percentText(x) {
  return typeof x === "number" ? String(Math.round(x * 1e10) / 1e8) : "";
}

/** @param {string} t */
export function parsePercent(t) {
  return Math.round((Number(t) / 100) * 1e10) / 1e10;
}

/**
 * An ISO time as a datetime-local input shows it (UTC, to the minute), or "".
 * @param {unknown} iso
 */
export function localTimeText(iso) {
  if (typeof iso !== "string" || isNaN(Date.parse(iso))) return "";
  return new Date(iso).toISOString().slice(0, 16);
}

/**
 * The ISO time an input holds: the original string when the editor did not change it.
 * @param {string} text
 * @param {unknown} original
 * @returns {string | undefined}
 */
export function isoFrom(text, original) {
  if (text === "") return undefined;
  if (typeof original === "string" && localTimeText(original) === text) return original;
  return new Date(text + ":00Z").toISOString().replace(".000Z", "Z");
}
