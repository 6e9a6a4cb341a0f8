// @ts-check
/**
 * A condition in the audience builder (rule-builder.browser.js): an attribute from
 * `npx p13n attributes`' list (GET /attributes), its operator in words, and its value.
 */
import { el } from "./dom.browser.js";
import { OPERATORS } from "./rules.browser.js";

/**
 * @typedef {import("./rules.browser.js").RuleNode} RuleNode
 * @typedef {import("./admin-api.js").AttributeDef} AttributeDef
 */

const OP_WORDS = /** @type {Record<string, string>} */ ({
  eq: "is", ne: "is not", in: "is one of", nin: "is none of", gt: "is more than", gte: "is at least", lt: "is less than", lte: "is at most",
  between: "is between", matches: "matches the pattern", startsWith: "starts with", endsWith: "ends with", contains: "contains", exists: "is present",
});

/**
 * @param {string} label
 * @param {HTMLElement} control
 */
export function labelled(label, control) {
  return el("span", { class: "rule-field" }, [el("label", { for: control.id, text: label }), control]);
}

/**
 * One condition: attribute (a keyed one with its key), operator and value, each with its label.
 * @param {Extract<RuleNode, { kind: "condition" }>} node edited in place
 * @param {AttributeDef[]} attributes
 * @param {() => string} id a fresh element id
 * @param {() => void} commit after each change
 * @returns {HTMLElement}
 */
export function conditionView(node, attributes, id, commit) {
  const known = attributes.map((a) => a.name);
  const keyed = attributes.filter((a) => a.name.endsWith(".<key>")).map((a) => a.name.slice(0, -6));
  const prefixOf = keyed.find((p) => node.attr.startsWith(p + ".") && !known.includes(node.attr));
  const attr = el("select", { id: id() }, attributes.map((a) => el("option", { value: a.name, text: a.name + " — " + a.description })));
  attr.value = prefixOf ? prefixOf + ".<key>" : node.attr;
  // An attribute this Worker does not list (a typo in a file): kept, and shown as it is.
  if (!attr.value) {
    attr.append(el("option", { value: node.attr, text: node.attr + " (unknown)" }));
    attr.value = node.attr;
  }
  const key = el("input", { id: id(), value: prefixOf ? node.attr.slice(prefixOf.length + 1) : "", placeholder: "key", size: 10 });
  const keyBox = labelled("Key", key);
  keyBox.hidden = !attr.value.endsWith(".<key>");
  const op = el("select", { id: id() }, OPERATORS.map((o) => el("option", { value: o, text: OP_WORDS[o] || o })));
  op.value = node.op;
  const value = el("input", { id: id(), value: node.value, placeholder: "value", size: 16 });
  const valueBox = labelled("Value", value);
  valueBox.hidden = node.op === "exists";
  const sync = () => {
    node.attr = attr.value.endsWith(".<key>") ? attr.value.slice(0, -6) + "." + key.value.trim() : attr.value;
    node.op = op.value;
    node.value = op.value === "exists" ? "true" : value.value;
    keyBox.hidden = !attr.value.endsWith(".<key>");
    valueBox.hidden = op.value === "exists";
    commit();
  };
  for (const c of [attr, op]) c.addEventListener("change", sync);
  for (const c of [key, value]) c.addEventListener("input", sync);
  const def = attributes.find((a) => a.name === attr.value);
  return el("span", { class: "rule-condition" }, [
    labelled("Attribute", attr),
    keyBox,
    labelled("Operator", op),
    valueBox,
    def && def.values ? el("span", { class: "hint", text: "one of: " + def.values.join(", ") }) : null,
  ]);
}
