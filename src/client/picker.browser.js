// @ts-check
/**
 * The element picker, in a preview page (the page the console opened with a signed preview
 * link; served as /__p13n/picker.js, a module, with the page's CSP nonce when it has one). An
 * editor switches on "Pick an element"; hovering outlines elements; a click proposes a stable
 * selector for the clicked one — its id, else its classes, else its place under the nearest
 * ancestor that has one — in the HTMLRewriter subset, shown and editable, with a slot name (and
 * "Select the enclosing element" widens the choice a step at a time); "Use
 * this element" hands both to the console that opened this window (postMessage, to the console's
 * origin only), which creates the slot in the draft. The picker holds no credential and can do
 * nothing else: a script on the page could at most propose a selector, which the editor sees.
 *
 * Styles are set through the CSS object model (el.style), which a page's CSP does not block.
 * The pure helpers are exported for the Node tests (test/node/client/picker.test.ts).
 */

/** Pseudo-classes HTMLRewriter matches (lol_html's selector subset); anything else is refused. */
const PSEUDOS = /^:(first-child|first-of-type|nth-child\(\s*[0-9n+\s-]+\)|nth-of-type\(\s*[0-9n+\s-]+\)|not\([^()]*\))/;

/**
 * Why HTMLRewriter could not use this selector, or "" when it can: no selector lists, no sibling
 * combinators, no pseudo-elements, only the pseudo-classes it supports.
 * @param {string} selector
 * @returns {string}
 */
export function selectorProblem(selector) {
  const s = selector.trim();
  if (s === "") return "write a selector, such as footer.site-footer";
  if (s.length > 512) return "at most 512 characters";
  if (s.includes(",")) return "one selector only (no commas): the slot is the first element it matches";
  if (/^[>+~]|[>+~]$/.test(s)) return "a combinator (>) needs a selector on both sides";
  // The Worker's own attributes: publishing refuses them (src/match/slot-selector.ts), so say so here.
  if (/\[\s*data-p13n-/i.test(s)) return "data-p13n-* attributes are the Worker's own: select the element by its id, classes or place";
  // Outside attribute values and quotes, look at each character.
  let inQuote = "";
  let bracket = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inQuote) {
      if (c === inQuote) inQuote = "";
      continue;
    }
    if (c === '"' || c === "'") inQuote = c;
    else if (c === "[") bracket++;
    else if (c === "]") bracket--;
    else if (c === "|" && s[i + 1] !== "=") return "namespaces (|) are not supported";
    else if (bracket === 0 && (c === "+" || c === "~")) {
      if (!/:nth-(child|of-type)\([^)]*$/.test(s.slice(0, i))) return "sibling combinators (+ and ~) are not supported: use > or a space";
    } else if (bracket === 0 && c === ":") {
      if (s[i + 1] === ":") return "pseudo-elements (::before…) are not elements";
      if (!PSEUDOS.test(s.slice(i))) return "only :first-child, :first-of-type, :nth-child(), :nth-of-type() and :not() are supported";
    }
  }
  if (inQuote || bracket !== 0) return "an unclosed quote or bracket";
  return "";
}

/**
 * A slot id proposed for an element: its id, else its first class, else its tag, made into
 * an id (letters, digits, '-', '_', '.'; at most 64; starting with a letter or digit).
 * @param {{ id: string, classList: ArrayLike<string>, tagName: string }} el
 * @returns {string}
 */
export function slotIdFor(el) {
  const raw = el.id || (el.classList.length > 0 ? el.classList[0] || "" : "") || el.tagName.toLowerCase();
  const id = raw.toLowerCase().replace(/[^a-z0-9_.-]+/g, "-").replace(/^[^a-z0-9]+/, "").slice(0, 64);
  return id || "slot";
}

/** Classes that describe a state, not a thing: they come and go, so a selector must not rely on them. */
const STATE_CLASS = /^(is-|has-|js-)|^(active|open|show|hidden|selected|current|focus|hover)$/;
const IDENT = /^-?[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * A stable selector whose first match in `doc` is `el`: its id, then its classes (fewest first),
 * then its tag alone, then its place (`>` and `:nth-of-type`) under the nearest ancestor with one.
 * @param {Element} el
 * @param {Document} doc
 * @returns {string}
 */
export function proposeSelector(el, doc) {
  /** @param {string} s */
  const firstIs = (s) => {
    try {
      return doc.querySelector(s) === el;
    } catch {
      return false;
    }
  };
  /** @param {string} s */
  const only = (s) => firstIs(s) && doc.querySelectorAll(s).length === 1;
  const own = ownSelector(el, only);
  if (own) return own;
  // Structure: climb to an ancestor with a selector of its own, naming each step by its place.
  const steps = [];
  /** @type {Element | null} */
  let node = el;
  while (node && node !== doc.documentElement) {
    const parent = /** @type {Element | null} */ (node.parentElement);
    if (!parent) break;
    steps.unshift(step(node, parent));
    const anchor = ownSelector(parent, only);
    const candidate = (anchor ? anchor + " > " : "") + steps.join(" > ");
    if (anchor && firstIs(candidate)) return candidate;
    node = parent;
  }
  return steps.join(" > ");
}

/**
 * An element's own selector when one is unique: #id, tag.class…, tag.
 * @param {Element} el
 * @param {(s: string) => boolean} only
 * @returns {string}
 */
function ownSelector(el, only) {
  const tag = el.tagName.toLowerCase();
  if (el.id && IDENT.test(el.id) && !/\d{4,}/.test(el.id) && only("#" + el.id)) return "#" + el.id;
  const classes = Array.from(el.classList).filter((c) => IDENT.test(c) && !STATE_CLASS.test(c));
  for (const c of classes) if (only(tag + "." + c)) return tag + "." + c;
  for (let i = 0; i < classes.length; i++) for (let j = i + 1; j < classes.length; j++) if (only(tag + "." + classes[i] + "." + classes[j])) return tag + "." + classes[i] + "." + classes[j];
  if (only(tag)) return tag;
  return "";
}

/**
 * One step of a structural path: the tag, with :nth-of-type when siblings share it.
 * @param {Element} node
 * @param {Element} parent
 */
function step(node, parent) {
  const tag = node.tagName.toLowerCase();
  const same = Array.from(parent.children).filter((c) => c.tagName === node.tagName);
  return same.length === 1 ? tag : tag + ":nth-of-type(" + (same.indexOf(node) + 1) + ")";
}

// ── The picker in the page ────────────────────────────────────────────────────────────────

/**
 * @param {string} tag
 * @param {Partial<CSSStyleDeclaration>} style
 * @param {Record<string, string>} [attrs]
 * @param {string} [text]
 */
function make(tag, style, attrs, text) {
  const e = document.createElement(tag);
  Object.assign(e.style, style);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text) e.textContent = text;
  return e;
}

const FONT = { font: "14px/1.4 system-ui,-apple-system,Segoe UI,sans-serif", color: "#f9fafb" };
const BUTTON = { font: "inherit", padding: "6px 12px", borderRadius: "6px", border: "1px solid #93c5fd", background: "#1d4ed8", color: "#fff", cursor: "pointer", margin: "4px 4px 0 0" };
const INPUT = { font: "13px ui-monospace,Menlo,monospace", padding: "4px 6px", width: "100%", boxSizing: "border-box", borderRadius: "4px", border: "1px solid #6b7280", color: "#111827", background: "#fff" };

function start() {
  const tag = /** @type {HTMLScriptElement | null} */ (document.querySelector("script[data-console-origin]"));
  const consoleOrigin = (tag && tag.dataset.consoleOrigin) || "";
  const root = make("div", { position: "fixed", left: "12px", top: "12px", zIndex: "2147483647", maxWidth: "min(420px, calc(100vw - 24px))", background: "#111827", borderRadius: "10px", padding: "10px 12px", boxShadow: "0 8px 30px rgba(0,0,0,.35)", ...FONT }, { id: "p13n-picker", role: "region", "aria-label": "Element picker" });
  const toggle = make("button", BUTTON, { type: "button", "aria-pressed": "false" }, "Pick an element");
  const hint = make("p", { margin: "6px 0 0", color: "#d1d5db" }, {}, "Point at the part of the page to personalize, then click it.");
  hint.hidden = true;
  const panel = make("div", { marginTop: "8px" });
  panel.hidden = true;
  root.append(toggle, hint, panel);
  document.body.append(root);
  const box = make("div", { position: "fixed", pointerEvents: "none", zIndex: "2147483646", outline: "3px solid #f59e0b", background: "rgba(245,158,11,.12)", display: "none" }, { "data-p13n-picker-box": "" });
  document.body.append(box);

  let picking = false;
  /** @param {EventTarget | null} t */
  const ours = (t) => t instanceof Node && (root.contains(t) || box.contains(t) || Boolean(/** @type {Element} */ (t).closest && /** @type {Element} */ (t).closest("#p13n-preview")));
  /** @param {Element} el */
  const outline = (el) => {
    const r = el.getBoundingClientRect();
    Object.assign(box.style, { display: "block", left: r.left + "px", top: r.top + "px", width: r.width + "px", height: r.height + "px" });
  };
  /** @param {boolean} on */
  const setPicking = (on) => {
    picking = on;
    toggle.setAttribute("aria-pressed", String(on));
    toggle.textContent = on ? "Stop picking" : "Pick an element";
    hint.hidden = !on;
    document.documentElement.style.cursor = on ? "crosshair" : "";
    if (!on) box.style.display = "none";
  };
  toggle.addEventListener("click", () => setPicking(!picking));
  document.addEventListener("mouseover", (ev) => {
    if (picking && ev.target instanceof Element && !ours(ev.target)) outline(ev.target);
  }, true);
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && picking) setPicking(false);
  }, true);
  document.addEventListener("click", (ev) => {
    if (!picking || !(ev.target instanceof Element) || ours(ev.target)) return;
    // The page's own handlers and links must not act on a pick.
    ev.preventDefault();
    ev.stopPropagation();
    setPicking(false);
    outline(ev.target);
    choose(ev.target, panel, consoleOrigin, box);
  }, true);
}

/**
 * The chosen element: its proposed selector (editable, checked as it changes) and slot name, and
 * the button that hands them to the console.
 * @param {Element} el
 * @param {HTMLElement} panel
 * @param {string} consoleOrigin
 * @param {HTMLElement} box
 */
function choose(el, panel, consoleOrigin, box) {
  const selector = /** @type {HTMLInputElement} */ (make("input", INPUT, { id: "p13n-picker-selector", autocomplete: "off", spellcheck: "false" }));
  selector.value = proposeSelector(el, document);
  const slot = /** @type {HTMLInputElement} */ (make("input", INPUT, { id: "p13n-picker-slot", autocomplete: "off", spellcheck: "false", maxlength: "64" }));
  slot.value = slotIdFor(el);
  const status = make("p", { margin: "4px 0", color: "#fde68a" }, { role: "status", "aria-live": "polite" });
  const use = make("button", BUTTON, { type: "button" }, "Use this element");
  // A click lands on the innermost element: one step out at a time to the part the editor means.
  const parent = make("button", { ...BUTTON, background: "#374151" }, { type: "button" }, "Select the enclosing element");
  const outer = el.parentElement;
  if (!outer || outer === document.body || outer === document.documentElement) parent.setAttribute("disabled", "");
  parent.addEventListener("click", () => {
    if (outer && outer !== document.body && outer !== document.documentElement) choose(outer, panel, consoleOrigin, box);
  });
  const done = make("p", { margin: "4px 0", color: "#bbf7d0" }, { role: "status" });
  const check = () => {
    const problem = selectorProblem(selector.value);
    /** @type {Element | null} */
    let first = null;
    let count = 0;
    try {
      first = problem ? null : document.querySelector(selector.value);
      count = problem ? 0 : document.querySelectorAll(selector.value).length;
    } catch {
      status.textContent = "Not a CSS selector this browser can read.";
      use.toggleAttribute("disabled", true);
      return;
    }
    // The outline follows the selector as it is edited: the first match is the slot.
    if (first) {
      const r = first.getBoundingClientRect();
      Object.assign(box.style, { display: "block", left: r.left + "px", top: r.top + "px", width: r.width + "px", height: r.height + "px" });
    }
    status.textContent = problem || (count === 0 ? "It matches nothing on this page." : count === 1 ? "It matches this one element." : "It matches " + count + " elements; the first (outlined) is the slot.");
    use.toggleAttribute("disabled", Boolean(problem) || count === 0);
  };
  selector.addEventListener("input", check);
  use.addEventListener("click", () => {
    const opener = window.opener;
    if (!opener || !consoleOrigin) {
      done.textContent = "Open this preview from the console to send it there; meanwhile copy the selector above into the console's New slot form.";
      return;
    }
    // Only to the console's origin: any other window that opened this one gets nothing.
    opener.postMessage({ type: "p13n-pick", selector: selector.value.trim(), slot: slot.value.trim(), path: location.pathname, html: el.innerHTML.slice(0, 20000) }, consoleOrigin);
    done.textContent = "Sent to the console: finish there.";
  });
  const label = (/** @type {string} */ text, /** @type {string} */ forId) => make("label", { display: "block", fontWeight: "600", margin: "6px 0 2px" }, { for: forId }, text);
  panel.replaceChildren(label("Selector", "p13n-picker-selector"), selector, status, label("Slot name", "p13n-picker-slot"), slot, use, parent, done);
  panel.hidden = false;
  check();
  selector.focus();
}

if (typeof document !== "undefined") {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
}
