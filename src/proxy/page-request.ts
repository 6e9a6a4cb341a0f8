/**
 * No stale defaults (README "No stale defaults"). A page the worker may personalize must
 * never reach the browser in a form that revalidates (304) into a copy the browser kept from
 * an earlier visit: that copy may be the unpersonalized default, and a 304 would show it again
 * although the visitor's decision has changed.
 *
 * The worker cannot know before the origin's headers whether an answer is an HTML page with
 * slots, so the rule is decided on the request: a GET that may become a page does not carry
 * the browser's own validators (`If-None-Match`, `If-Modified-Since`) to the origin. The
 * origin then answers in full, and the page is decided for this visit. "May become a page":
 *  - a navigation (`Sec-Fetch-Dest: document`, `iframe`, `frame`, or `Sec-Fetch-Mode: navigate`);
 *  - any other GET whose `Accept` names `text/html` (what browsers send for pages, with or
 *    without Fetch Metadata).
 * Subresources (`Sec-Fetch-Dest: image`, `style`, `script`, `font`…, or an `Accept` without
 * `text/html`) keep their validators: they are never rewritten, and a 304 is right for them.
 * The response side of the rule is in src/proxy/responses.ts (`markUnpersonalizedPage`).
 *
 * Which requests do visitor work (`pageRequest`, issue 12 item 5) is decided here too, a little
 * wider: a request without Fetch Metadata whose `Accept` says nothing more specific than `*\/*`
 * (curl, monitors) may also be a page and is personalized if the origin answers HTML, but it
 * keeps its validators: a client that sends them without asking for HTML is revalidating its
 * own copy, and a 304 passes through untouched.
 */

/** Validators a browser sends from its own cached copy. */
const BROWSER_VALIDATORS = ["if-none-match", "if-modified-since"];
/** Destinations whose answer is a document a browser renders (top level or framed). */
const NAVIGATION_DESTS = new Set(["document", "iframe", "frame"]);

/**
 * Whether a request may be answered with an HTML page the worker personalizes.
 *
 * @example
 * mayBecomePage(new Request(url, { headers: { "sec-fetch-dest": "document" } })); // true
 * mayBecomePage(new Request(url, { headers: { "sec-fetch-dest": "image", accept: "image/avif,*\/*" } })); // false
 */
export function mayBecomePage(request: Request): boolean {
  if (request.method !== "GET") return false;
  const dest = request.headers.get("sec-fetch-dest");
  if (dest !== null && NAVIGATION_DESTS.has(dest.toLowerCase())) return true;
  if (request.headers.get("sec-fetch-mode")?.toLowerCase() === "navigate") return true;
  return /\btext\/html\b/i.test(request.headers.get("accept") ?? "");
}

/**
 * Removes the browser's validators from `headers` (the origin request's copy) when the
 * request may become a page. Returns whether it did.
 *
 * @example
 * const headers = new Headers(request.headers);
 * withoutBrowserValidators(request, headers);
 */
export function withoutBrowserValidators(request: Request, headers: Headers): boolean {
  if (!mayBecomePage(request)) return false;
  let removed = false;
  for (const h of BROWSER_VALIDATORS) {
    if (headers.has(h)) {
      headers.delete(h);
      removed = true;
    }
  }
  return removed;
}

/**
 * The browser validators a request still forwards to the origin (none for a page request).
 *
 * @example
 * if (forwardedValidators(request).length > 0) skipTemplates();
 */
export function forwardedValidators(request: Request): string[] {
  if (mayBecomePage(request)) return [];
  return BROWSER_VALIDATORS.filter((h) => request.headers.has(h));
}

/**
 * Which requests do visitor work (identity, the manifest, the visitor's memory): only those
 * that can become a personalized page. A returning visitor's stylesheets, scripts, images and
 * API calls each carry the cookie, and must not each cost a call to their object.
 *
 * - Fetch Metadata says so when the browser sends it (every current browser does):
 *   `Sec-Fetch-Mode: navigate` or a document destination is a navigation; any other
 *   destination (image, script, style, font, empty…) is not a page, except a `fetch()` that
 *   explicitly asks for HTML (Turbo, htmx: `Sec-Fetch-Dest: empty` with `Accept: text/html`).
 * - Without it (curl, monitors, older clients): an `Accept` that names HTML, or says nothing
 *   more specific than `*\/*`, may be a page; one that names only other types is not.
 *
 * A navigation may read the visitor's memory at once, beside the origin fetch; any other
 * page request waits until the origin's headers say the answer is HTML.
 */
export type PageRequest = "navigation" | "html";

/**
 * @example
 * pageRequest(new Request(url, { headers: { "sec-fetch-dest": "document" } })); // "navigation"
 * pageRequest(new Request(url, { headers: { "sec-fetch-dest": "image" } }));    // null
 * pageRequest(new Request(url, { headers: { accept: "text/html" } }));          // "html"
 */
export function pageRequest(request: Request): PageRequest | null {
  if (request.method !== "GET") return null;
  const h = request.headers;
  const dest = h.get("sec-fetch-dest")?.toLowerCase() ?? null;
  if (h.get("sec-fetch-mode")?.toLowerCase() === "navigate" || (dest !== null && NAVIGATION_DESTS.has(dest))) return "navigation";
  if (dest !== null) return dest === "empty" && namesHtml(h.get("accept")) ? "html" : null;
  return mayBeHtml(h.get("accept")) ? "html" : null;
}

interface MediaRange {
  type: string;
  q: number;
}

function ranges(accept: string): MediaRange[] {
  const out: MediaRange[] = [];
  // Bounded: a header is at most a few KB, and only the first 32 ranges are looked at.
  for (const part of accept.split(",").slice(0, 32)) {
    const [type, ...params] = part.split(";");
    const q = params.map((p) => /^\s*q\s*=\s*([\d.]+)\s*$/i.exec(p)?.[1]).find((x) => x !== undefined);
    const range = { type: (type ?? "").trim().toLowerCase(), q: q === undefined ? 1 : Number(q) };
    if (range.type !== "" && range.q > 0) out.push(range);
  }
  return out;
}

const HTML_TYPES = new Set(["text/html", "application/xhtml+xml", "text/*"]);

/**
 * What an Accept header says, worked out once per distinct value: browsers send a handful, and
 * parsing the same one on every request is waste. Bounded (cleared whole when full): a client
 * sending a new value each time costs what it cost without the memo.
 */
interface AcceptSays {
  namesHtml: boolean;
  mayBeHtml: boolean;
}
const said = new Map<string, AcceptSays>();
const MAX_ACCEPTS = 64;

function acceptSays(accept: string): AcceptSays {
  let says = said.get(accept);
  if (!says) {
    const listed = ranges(accept);
    const html = listed.some((r) => HTML_TYPES.has(r.type));
    says = { namesHtml: html, mayBeHtml: accept.trim() === "" || html || (listed.length > 0 && listed.every((r) => r.type === "*/*")) };
    if (said.size >= MAX_ACCEPTS) said.clear();
    said.set(accept, says);
  }
  return says;
}

function namesHtml(accept: string | null): boolean {
  return accept !== null && acceptSays(accept).namesHtml;
}

function mayBeHtml(accept: string | null): boolean {
  return accept === null || acceptSays(accept).mayBeHtml;
}
