// @ts-check
/**
 * Rules as the console edits them (pure; no DOM): a rule (the manifest's JSON) ↔ a tree of
 * editable nodes (the audience builder's), the text of one value ↔ the value (a number stays a
 * number, a string that looks like one stays a string: `"5"`), and the rule in the short words
 * the admin API's summaries use (`describeRule`: the same text, tested against it).
 * Unit-tested in Node (test/node/client/console-model.test.ts).
 */

/** The operators a condition may use (src/engine/schema.ts OPERATORS). */
export const OPERATORS = ["eq", "ne", "in", "nin", "gt", "gte", "lt", "lte", "between", "matches", "startsWith", "endsWith", "contains", "exists"];

/** Operators whose value is always text. */
const TEXT_OPS = new Set(["matches", "startsWith", "endsWith"]);

/**
 * @typedef {string | number | boolean} Scalar
 * @typedef {{ attr: string, eq?: Scalar, ne?: Scalar, in?: Scalar[], nin?: Scalar[], gt?: number, gte?: number, lt?: number, lte?: number, between?: [number, number], matches?: string, startsWith?: string, endsWith?: string, contains?: Scalar, exists?: boolean }} Condition
 * @typedef {{ all: Rule[] } | { any: Rule[] } | { not: Rule } | { segment: string } | Condition} Rule
 * @typedef {{ kind: "all" | "any", children: RuleNode[] } | { kind: "not", child: RuleNode } | { kind: "segment", segment: string } | { kind: "condition", attr: string, op: string, value: string }} RuleNode
 *   A condition's `value` is its text (see valueText / parseValue).
 */

/**
 * A scalar as an editor types it: strings bare unless they would read as a number or a
 * boolean (or carry a comma or quote), then JSON-quoted.
 * @param {Scalar} v
 */
export function scalarText(v) {
  if (typeof v !== "string") return String(v);
  return v === "" || /^(true|false|-?\d+(\.\d+)?([eE][+-]?\d+)?)$/.test(v) || /[,"]/.test(v) || v.trim() !== v ? JSON.stringify(v) : v;
}

/**
 * The scalar an editor typed: JSON when it parses as a number, boolean or quoted string, else the text.
 * @param {string} text
 * @returns {Scalar}
 */
export function parseScalar(text) {
  const t = text.trim();
  if (/^(true|false)$/.test(t)) return t === "true";
  if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(t)) return Number(t);
  if (/^".*"$/.test(t)) {
    try {
      return /** @type {string} */ (JSON.parse(t));
    } catch {
      return t;
    }
  }
  return t;
}

/**
 * Splits "a, b, \"c, d\"" at commas outside quotes.
 * @param {string} text
 */
function splitItems(text) {
  /** @type {string[]} */
  const out = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' && text[i - 1] !== "\\") quoted = !quoted;
    if (c === "," && !quoted) {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  if (cur.trim() !== "" || out.length > 0) out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s !== "");
}

/**
 * A condition's value as text, for its operator.
 * @param {string} op
 * @param {unknown} v
 */
export function valueText(op, v) {
  if (Array.isArray(v)) return v.map((x) => scalarText(/** @type {Scalar} */ (x))).join(", ");
  // Text operators take the text as typed, spaces and quotes included.
  if (TEXT_OPS.has(op)) return String(v);
  return scalarText(/** @type {Scalar} */ (v));
}

/**
 * A condition's value from its text, for its operator.
 * @param {string} op
 * @param {string} text
 * @returns {unknown}
 */
export function parseValue(op, text) {
  if (op === "in" || op === "nin") return splitItems(text).map(parseScalar);
  if (op === "between") return splitItems(text).map((x) => Number(x));
  if (op === "gt" || op === "gte" || op === "lt" || op === "lte") return Number(text.trim());
  if (op === "exists") return text.trim() !== "false";
  if (TEXT_OPS.has(op)) return text;
  return parseScalar(text);
}

/**
 * @param {Rule} rule
 * @returns {RuleNode}
 */
export function ruleToNode(rule) {
  if ("all" in rule) return { kind: "all", children: rule.all.map(ruleToNode) };
  if ("any" in rule) return { kind: "any", children: rule.any.map(ruleToNode) };
  if ("not" in rule) return { kind: "not", child: ruleToNode(rule.not) };
  if ("segment" in rule) return { kind: "segment", segment: rule.segment };
  const op = OPERATORS.find((o) => /** @type {Record<string, unknown>} */ (rule)[o] !== undefined) || "eq";
  return { kind: "condition", attr: String(rule.attr), op, value: valueText(op, /** @type {Record<string, unknown>} */ (rule)[op]) };
}

/**
 * @param {RuleNode} node
 * @returns {Rule}
 */
export function nodeToRule(node) {
  switch (node.kind) {
    case "all":
      return { all: node.children.map(nodeToRule) };
    case "any":
      return { any: node.children.map(nodeToRule) };
    case "not":
      return { not: nodeToRule(node.child) };
    case "segment":
      return { segment: node.segment };
    case "condition":
      return /** @type {Condition} */ ({ attr: node.attr, [node.op]: parseValue(node.op, node.value) });
  }
}

/**
 * The rule in short words, exactly as the admin API's summaries say it (src/engine/explain.ts
 * describeRule), cut at 240 characters.
 * @param {Rule} rule
 */
export function ruleText(rule) {
  const text = write(rule);
  return text.length > 240 ? text.slice(0, 239) + "…" : text;
}

/** @param {Rule} rule @returns {string} */
function write(rule) {
  if ("all" in rule) return "all(" + rule.all.map(write).join(", ") + ")";
  if ("any" in rule) return "any(" + rule.any.map(write).join(", ") + ")";
  if ("not" in rule) return "not(" + write(rule.not) + ")";
  if ("segment" in rule) return "segment " + rule.segment;
  const op = OPERATORS.find((o) => /** @type {Record<string, unknown>} */ (rule)[o] !== undefined);
  if (op === undefined) return rule.attr + " ?";
  return rule.attr + " " + op + " " + JSON.stringify(/** @type {Record<string, unknown>} */ (rule)[op]);
}
