// @ts-check
/**
 * The audience builder: a rule as a tree an editor edits with menus — "all of" / "any of" groups,
 * "not", a named segment, or a condition on an attribute (`npx p13n attributes`' list, served by
 * GET /attributes) with its operator and value — and, under it, the rule it produces, in the same
 * words as everywhere else (rules.browser.js ruleText). Every control has its own label.
 */
import { el } from "./dom.browser.js";
import { nodeToRule, OPERATORS, ruleText } from "./rules.browser.js";

/**
 * @typedef {import("./rules.browser.js").RuleNode} RuleNode
 * @typedef {import("./admin-api.js").AttributeDef} AttributeDef
 */

const OP_WORDS = /** @type {Record<string, string>} */ ({
  eq: "is", ne: "is not", in: "is one of", nin: "is none of", gt: "is more than", gte: "is at least", lt: "is less than", lte: "is at most",
  between: "is between", matches: "matches the pattern", startsWith: "starts with", endsWith: "ends with", contains: "contains", exists: "is present",
});

let counter = 0;

/**
 * @param {string} label
 * @param {HTMLElement} control
 */
function labelled(label, control) {
  return el("span", { class: "rule-field" }, [el("label", { for: control.id, text: label }), control]);
}

/**
 * @param {object} opts
 * @param {string} opts.name what the rule decides ("Audience", "Suppress when")
 * @param {RuleNode | null} opts.node the rule being edited (null: none)
 * @param {string[]} opts.segments the manifest's segment ids
 * @param {AttributeDef[]} opts.attributes
 * @param {string} opts.none what no rule means ("Everyone", "Never")
 * @param {(node: RuleNode | null) => void} opts.onChange
 * @returns {HTMLElement}
 */
export function ruleBuilder(opts) {
  const prefix = "rb" + ++counter;
  let root = opts.node;
  const box = el("div", { class: "rule-tree" });
  const text = el("p", { class: "rule-text", "aria-live": "polite" });
  const fieldset = el("fieldset", { class: "rule-builder" }, [el("legend", { text: opts.name }), box, text]);
  let ids = 0;
  const id = () => prefix + "-" + ++ids;

  const commit = () => {
    text.replaceChildren(el("strong", { text: "Rule: " }), root ? el("code", { text: ruleText(nodeToRule(root)) }) : opts.none.toLowerCase() + " (no rule)");
    opts.onChange(root);
  };
  const rerender = () => {
    ids = 0;
    box.replaceChildren(root ? nodeView(root, (n) => (root = n), true) : el("p", { class: "muted", text: opts.none + " (no rule)." }), adders(root, (n) => (root = n)));
    commit();
  };

  /** @param {string} kind @returns {RuleNode} */
  const fresh = (kind) =>
    kind === "segment" ? { kind: "segment", segment: opts.segments[0] || "" }
    : kind === "not" ? { kind: "not", child: { kind: "segment", segment: opts.segments[0] || "" } }
    : kind === "all" || kind === "any" ? { kind, children: [] }
    : { kind: "condition", attr: "profile.tier", op: "eq", value: "" };

  /**
   * Buttons that add to a group (or, at the root, start or widen the rule).
   * @param {RuleNode | null} node
   * @param {(n: RuleNode | null) => void} replace
   */
  function adders(node, replace) {
    const add = (/** @type {string} */ kind) => {
      if (node && (node.kind === "all" || node.kind === "any")) node.children.push(fresh(kind));
      else replace(node ? { kind: "all", children: [node, fresh(kind)] } : fresh(kind));
      rerender();
    };
    const buttons = [
      el("button", { type: "button", class: "secondary small", text: "+ condition", on: { click: () => add("condition") } }),
      el("button", { type: "button", class: "secondary small", text: "+ segment", on: { click: () => add("segment") } }),
      el("button", { type: "button", class: "secondary small", text: "+ group", on: { click: () => add("any") } }),
      el("button", { type: "button", class: "secondary small", text: "+ not", on: { click: () => add("not") } }),
    ];
    if (node && node === root) buttons.push(el("button", { type: "button", class: "secondary small", text: "Remove the rule", on: { click: () => { root = null; rerender(); } } }));
    return el("div", { class: "rule-adders" }, buttons);
  }

  /**
   * @param {RuleNode} node
   * @param {(n: RuleNode) => void} replace
   * @param {boolean} top
   * @returns {HTMLElement}
   */
  function nodeView(node, replace, top) {
    if (node.kind === "all" || node.kind === "any") {
      const s = el("select", { id: id() }, [el("option", { value: "all", text: "all of these" }), el("option", { value: "any", text: "any of these" })]);
      s.value = node.kind;
      s.addEventListener("change", () => {
        replace({ kind: /** @type {"all" | "any"} */ (s.value), children: node.kind === "all" || node.kind === "any" ? node.children : [] });
        rerender();
      });
      const list = el("ul", { class: "rule-children" }, node.children.map((child, i) => el("li", {}, [
        nodeView(child, (n) => (node.children[i] = n), false),
        el("button", { type: "button", class: "secondary small", text: "Remove", "aria-label": "Remove this part of " + opts.name.toLowerCase(), on: { click: () => { node.children.splice(i, 1); rerender(); } } }),
      ])));
      return el("div", { class: "rule-group" }, [labelled("Visitors who match", s), list, top ? el("span") : adders(node, () => {})]);
    }
    if (node.kind === "not") return el("div", { class: "rule-not" }, [el("span", { class: "rule-word", text: "not:" }), nodeView(node.child, (n) => (node.child = n), false)]);
    if (node.kind === "segment") {
      const s = el("select", { id: id() }, opts.segments.map((x) => el("option", { value: x, text: x })));
      if (!opts.segments.includes(node.segment)) s.append(el("option", { value: node.segment, text: node.segment + " (not defined)" }));
      s.value = node.segment;
      s.addEventListener("change", () => { node.segment = s.value; commit(); });
      return labelled("In the segment", s);
    }
    return conditionView(/** @type {Extract<RuleNode, { kind: "condition" }>} */ (node));
  }

  /** @param {Extract<RuleNode, { kind: "condition" }>} node */
  function conditionView(node) {
    const known = opts.attributes.map((a) => a.name);
    const keyed = opts.attributes.filter((a) => a.name.endsWith(".<key>")).map((a) => a.name.slice(0, -6));
    const prefixOf = keyed.find((p) => node.attr.startsWith(p + ".") && !known.includes(node.attr));
    const attr = el("select", { id: id() }, opts.attributes.map((a) => el("option", { value: a.name, text: a.name + " — " + a.description })));
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
    const def = opts.attributes.find((a) => a.name === attr.value);
    return el("span", { class: "rule-condition" }, [
      labelled("Attribute", attr),
      keyBox,
      labelled("Operator", op),
      valueBox,
      def && def.values ? el("span", { class: "hint", text: "one of: " + def.values.join(", ") }) : null,
    ]);
  }

  rerender();
  return fieldset;
}
