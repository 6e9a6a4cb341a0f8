/**
 * The one cross-site policy of every /__p13n/ route that accepts a body (beacons, /me, the
 * admin API): only this site's own pages, or a client that is not a browser page at all.
 *
 * - A browser says where a request came from. With `Sec-Fetch-Site`, a request that changes
 *   something (any method but GET/HEAD/OPTIONS) must be `same-origin`; a read may also be
 *   `none` (the user typed the URL or opened a bookmark). `same-site` (a sibling subdomain)
 *   and `cross-site` are refused.
 * - Without `Sec-Fetch-Site` (older browsers), an `Origin` header must be exactly this
 *   origin (scheme, host and port); `Origin: null` (a sandboxed frame, a privacy redirect)
 *   is refused.
 * - With neither, it is not a browser page (the CLI, curl, a server): allowed, since such a
 *   client cannot borrow a visitor's or an editor's ambient credentials.
 *
 * No route answers CORS headers, so a refused request also cannot read an answer.
 *
 * @example
 * crossSiteReason(new Request("https://shop.example/__p13n/me", { method: "PUT", headers: { origin: "https://evil.example" } }));
 * // "Origin: https://evil.example"
 */

const READS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Why the request counts as cross-site, or undefined when it may proceed. */
export function crossSiteReason(request: Request): string | undefined {
  const site = request.headers.get("sec-fetch-site");
  if (site !== null) {
    if (site === "same-origin") return undefined;
    if (site === "none" && READS.has(request.method.toUpperCase())) return undefined;
    return `Sec-Fetch-Site: ${site.slice(0, 40)}`;
  }
  const origin = request.headers.get("origin");
  if (origin === null) return undefined;
  return origin === new URL(request.url).origin ? undefined : `Origin: ${origin.slice(0, 100)}`;
}

/**
 * The media type of a request body, lower-cased, without parameters ("" when none).
 *
 * @example
 * mediaType(new Request("https://x/", { method: "POST", headers: { "content-type": "Application/JSON; charset=utf-8" } })); // "application/json"
 */
export function mediaType(request: Request): string {
  return (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}
