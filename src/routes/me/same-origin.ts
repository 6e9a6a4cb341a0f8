/**
 * Changing or erasing someone's data must come from this site's own pages. A browser
 * always says where a request came from (`Sec-Fetch-Site`, else `Origin`); a request with
 * neither is not from a browser page (curl with the visitor's own cookies).
 */

/**
 * Why the request counts as cross-site, or undefined when it is same-origin.
 *
 * @example
 * crossSite(new Request("https://shop.example/__p13n/me", { method: "PUT", headers: { origin: "https://evil.example" } }));
 * // "Origin: https://evil.example"
 */
export function crossSite(request: Request): string | undefined {
  const site = request.headers.get("sec-fetch-site");
  // Only the page's own script: not even "none" (a typed URL cannot PUT or DELETE anyway).
  if (site !== null && site !== "same-origin") return `Sec-Fetch-Site: ${site}`;
  const origin = request.headers.get("origin");
  if (origin === null) return undefined;
  if (!URL.canParse(origin)) return `Origin: ${origin.slice(0, 100)}`;
  return new URL(origin).host === new URL(request.url).host ? undefined : `Origin: ${origin.slice(0, 100)}`;
}
