/**
 * Which requests can become a personalized page. Only those do visitor work (identity, the
 * manifest, the visitor's memory): a returning visitor's stylesheets, scripts, images and
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

/** Destinations whose answer is a document a browser renders (top level or framed). */
const DOCUMENT_DESTS = new Set(["document", "iframe", "frame"]);

/**
 * @example
 * pageRequest(new Request(url, { headers: { "sec-fetch-dest": "document" } })); // "navigation"
 * pageRequest(new Request(url, { headers: { "sec-fetch-dest": "image" } }));    // null
 * pageRequest(new Request(url, { headers: { accept: "text/html" } }));          // "html"
 */
export function pageRequest(request: Request): PageRequest | null {
  if (request.method !== "GET") return null;
  const h = request.headers;
  const dest = h.get("sec-fetch-dest");
  if (h.get("sec-fetch-mode") === "navigate" || (dest !== null && DOCUMENT_DESTS.has(dest))) return "navigation";
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

function namesHtml(accept: string | null): boolean {
  return accept !== null && ranges(accept).some((r) => HTML_TYPES.has(r.type));
}

function mayBeHtml(accept: string | null): boolean {
  if (accept === null || accept.trim() === "") return true;
  const listed = ranges(accept);
  return listed.some((r) => HTML_TYPES.has(r.type)) || (listed.length > 0 && listed.every((r) => r.type === "*/*"));
}
