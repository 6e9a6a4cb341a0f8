// @ts-check
/**
 * The console's DOM and admin API helpers. Data only ever reaches the page as text
 * (`textContent`, attributes), never as HTML: `el` has no way to set innerHTML.
 */

const API = "/__p13n/admin";
/** The admin token, kept in this tab's sessionStorage only. */
export const TOKEN_KEY = "p13n-admin-token";
const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * An element of the console page (page.ts), which has them all.
 * @param {string} id
 * @returns {HTMLElement}
 */
export function $(id) {
  const e = document.getElementById(id);
  if (!e) throw new Error("the console page has no #" + id);
  return e;
}

/**
 * A form control of the console page.
 * @param {string} id
 * @returns {HTMLInputElement & HTMLSelectElement}
 */
export function control(id) {
  return /** @type {HTMLInputElement & HTMLSelectElement} */ ($(id));
}

/**
 * @typedef {Record<string, (ev: Event) => void>} Handlers
 * @typedef {{ text?: unknown, on?: Handlers, [attr: string]: unknown }} Props
 *   `text`: the text content; `on`: event listeners; anything else an attribute (true: present, false/null/undefined: absent).
 * @typedef {Node | string | number | null | undefined} Child
 */

/**
 * @param {Child | Child[] | undefined} children
 * @returns {Child[]}
 */
function childList(children) {
  return Array.isArray(children) ? children : [children];
}

/**
 * An HTML element with attributes, listeners and children (text for anything not a Node).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Props} [props]
 * @param {Child | Child[]} [children]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, props, children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") e.textContent = String(v);
    else if (k === "on") for (const [ev, fn] of Object.entries(/** @type {Handlers} */ (v))) e.addEventListener(ev, fn);
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of childList(children)) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

/**
 * An SVG element (the results chart), built the same way: no markup parsed.
 * @param {string} tag
 * @param {Record<string, string | number | null | undefined>} [attrs]
 * @param {Node | Node[]} [children]
 * @returns {SVGElement}
 */
export function svg(tag, attrs, children) {
  const e = /** @type {SVGElement} */ (document.createElementNS(SVG_NS, tag));
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) e.setAttribute(k, String(v));
  for (const c of Array.isArray(children) ? children : children ? [children] : []) e.append(c);
  return e;
}

/**
 * @template T
 * @typedef {{ status: number, ok: boolean, json: T, headers: Headers }} Answer
 *   An admin API answer: `json` is what the route answers on success (null when the body was not JSON).
 */

/**
 * Calls the admin API with the token of this tab (or none: Cloudflare Access rides the cookie).
 * A body that is a Blob (an image) goes as itself, with its own type; anything else as JSON.
 * @template T
 * @param {"GET" | "POST" | "PUT" | "DELETE"} method
 * @param {string} path
 * @param {unknown} [body]
 * @param {Record<string, string>} [extra] headers such as If-Match
 * @returns {Promise<Answer<T>>}
 */
export async function api(method, path, body, extra) {
  /** @type {Record<string, string>} */
  const headers = { accept: "application/json", ...(extra || {}) };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.authorization = "Bearer " + token;
  /** @type {BodyInit | undefined} */
  let payload;
  if (body instanceof Blob) {
    headers["content-type"] = body.type;
    payload = body;
  } else if (body !== undefined) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const res = await fetch(API + path, { method, headers, body: payload, credentials: "same-origin", cache: "no-store" });
  let json = null;
  try {
    json = await res.json();
  } catch (e) {
    json = null;
  }
  return { status: res.status, ok: res.ok, json, headers: res.headers };
}

/**
 * A labelled form field: the label above its own control, in one box (so a grid of fields never
 * puts a label over another field's control).
 * @param {string} label
 * @param {HTMLElement} control it must have an id
 * @param {string} [hint] a line under it, tied to the control by aria-describedby
 */
export function field(label, control, hint) {
  const box = el("div", { class: "field" }, [el("label", { for: control.id, text: label }), control]);
  if (hint) {
    const id = control.id + "-hint";
    control.setAttribute("aria-describedby", id);
    box.append(el("p", { class: "hint", id, text: hint }));
  }
  return box;
}

/**
 * The status line under the navigation.
 * @param {string} text
 * @param {boolean} [isError]
 */
export function say(text, isError) {
  const s = $("status");
  s.textContent = text;
  s.className = isError ? "error" : "";
}
