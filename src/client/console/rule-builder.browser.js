// @ts-check
/**
 * The audience builder: a rule as a tree an editor edits with menus — "all of" / "any of" groups,
 * "not", a named segment, or a condition on an attribute (`npx p13n attributes`' list, served by
 * GET /attributes) with its operator and value — and, under it, the rule it produces, in the same
 * words as everywhere else (rules.browser.js ruleText). Every control has its own label.
 */
import { el } from "./dom.browser.js";
import { nodeToRule, ruleText } from "./rules.browser.js";
import { conditionView, labelled } from "./rule-condition.browser.js";

/**
 * @typedef {import("./rules.browser.js").RuleNode} RuleNode
 * @typedef {import("./admin-api.js").AttributeDef} AttributeDef
 */

let counter = 0;

/**
 * What the builder's parts share: its options, fresh element ids, the root being edited, and
 * how to redraw (the tree's shape changed) or only restate the rule (a value changed).
 * @typedef {object} Builder
 * @property {BuilderOpts} opts
 * @property {() => string} id
 * @property {() => RuleNode | null} root
 * @property {(n: RuleNode | null) => void} setRoot
 * @property {() => void} commit
 * @property {() => void} rerender
 */

/**
 * @typedef {object} BuilderOpts
 * @property {string} name what the rule decides ("Audience", "Suppress when")
 * @property {RuleNode | null} node the rule being edited (null: none)
 * @property {string[]} segments the manifest's segment ids
 * @property {AttributeDef[]} attributes
 * @property {string} none what no rule means ("Everyone", "Never")
 * @property {(node: RuleNode | null) => void} onChange
 */

/**
 * @param {BuilderOpts} opts
 * @returns {HTMLElement}
 */
export function ruleBuilder(opts) {
  const prefix = "rb" + ++counter;
  let root = opts.node;
  const box = el("div", { class: "rule-tree" });
  const text = el("p", { class: "rule-text", "aria-live": "polite" });
  const fieldset = el("fieldset", { class: "rule-builder" }, [el("legend", { text: opts.name }), box, text]);
  let ids = 0;

  /** @type {Builder} */
  const b = {
    opts,
    id: () => prefix + "-" + ++ids,
    root: () => root,
    setRoot: (n) => (root = n),
    commit: () => {
      text.replaceChildren(el("strong", { text: "Rule: " }), root ? el("code", { text: ruleText(nodeToRule(root)) }) : opts.none.toLowerCase() + " (no rule)");
      opts.onChange(root);
    },
    rerender: () => {
      ids = 0;
      box.replaceChildren(root ? nodeView(b, root, (n) => (root = n), true) : el("p", { class: "muted", text: opts.none + " (no rule)." }), adders(b, root, (n) => (root = n)));
      b.commit();
    },
  };
  b.rerender();
  return fieldset;
}

/**
 * A new part of the given kind.
 * @param {string} kind
 * @param {string[]} segments
 * @returns {RuleNode}
 */
function fresh(kind, segments) {
  return kind === "segment" ? { kind: "segment", segment: segments[0] || "" }
    : kind === "not" ? { kind: "not", child: { kind: "segment", segment: segments[0] || "" } }
    : kind === "all" || kind === "any" ? { kind, children: [] }
    : { kind: "condition", attr: "profile.tier", op: "eq", value: "" };
}

/**
 * Buttons that add to a group (or, at the root, start or widen the rule).
 * @param {Builder} b
 * @param {RuleNode | null} node
 * @param {(n: RuleNode | null) => void} replace
 */
function adders(b, node, replace) {
  const add = (/** @type {string} */ kind) => {
    if (node && (node.kind === "all" || node.kind === "any")) node.children.push(fresh(kind, b.opts.segments));
    else replace(node ? { kind: "all", children: [node, fresh(kind, b.opts.segments)] } : fresh(kind, b.opts.segments));
    b.rerender();
  };
  const buttons = [
    el("button", { type: "button", class: "secondary small", text: "+ condition", on: { click: () => add("condition") } }),
    el("button", { type: "button", class: "secondary small", text: "+ segment", on: { click: () => add("segment") } }),
    el("button", { type: "button", class: "secondary small", text: "+ group", on: { click: () => add("any") } }),
    el("button", { type: "button", class: "secondary small", text: "+ not", on: { click: () => add("not") } }),
  ];
  if (node && node === b.root()) buttons.push(el("button", { type: "button", class: "secondary small", text: "Remove the rule", on: { click: () => { b.setRoot(null); b.rerender(); } } }));
  return el("div", { class: "rule-adders" }, buttons);
}

/**
 * @param {Builder} b
 * @param {RuleNode} node
 * @param {(n: RuleNode) => void} replace
 * @param {boolean} top
 * @returns {HTMLElement}
 */
function nodeView(b, node, replace, top) {
  const { opts, id } = b;
  if (node.kind === "all" || node.kind === "any") {
    const s = el("select", { id: id() }, [el("option", { value: "all", text: "all of these" }), el("option", { value: "any", text: "any of these" })]);
    s.value = node.kind;
    s.addEventListener("change", () => {
      replace({ kind: /** @type {"all" | "any"} */ (s.value), children: node.kind === "all" || node.kind === "any" ? node.children : [] });
      b.rerender();
    });
    const list = el("ul", { class: "rule-children" }, node.children.map((child, i) => el("li", {}, [
      nodeView(b, child, (n) => (node.children[i] = n), false),
      el("button", { type: "button", class: "secondary small", text: "Remove", "aria-label": "Remove this part of " + opts.name.toLowerCase(), on: { click: () => { node.children.splice(i, 1); b.rerender(); } } }),
    ])));
    return el("div", { class: "rule-group" }, [labelled("Visitors who match", s), list, top ? el("span") : adders(b, node, () => {})]);
  }
  if (node.kind === "not") return el("div", { class: "rule-not" }, [el("span", { class: "rule-word", text: "not:" }), nodeView(b, node.child, (n) => (node.child = n), false)]);
  if (node.kind === "segment") {
    const s = el("select", { id: id() }, opts.segments.map((x) => el("option", { value: x, text: x })));
    if (!opts.segments.includes(node.segment)) s.append(el("option", { value: node.segment, text: node.segment + " (not defined)" }));
    s.value = node.segment;
    s.addEventListener("change", () => { node.segment = s.value; b.commit(); });
    return labelled("In the segment", s);
  }
  return conditionView(/** @type {Extract<RuleNode, { kind: "condition" }>} */ (node), opts.attributes, id, b.commit);
}
