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
 */

/** Validators a browser sends from its own cached copy. */
const BROWSER_VALIDATORS = ["if-none-match", "if-modified-since"];
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
