/**
 * Response-side header work: what a pass-through keeps, what a personalized
 * page must change so no shared cache ever stores it, and the page a visitor
 * sees when the origin cannot be reached.
 */
import { stripHopByHop } from "./hop-by-hop.ts";
import { publicLocation } from "./origin.ts";

/** Shared-cache headers a CDN in front of the worker reads instead of Cache-Control. */
const SURROGATE = ["surrogate-control", "cdn-cache-control", "cloudflare-cdn-cache-control"];

/**
 * The origin's answer with only hop-by-hop headers removed and a Location on
 * the origin's host pointed back at the public host.
 */
export function passThrough(res: Response, originUrl: URL | undefined, publicUrl: URL): Response {
  if (res.webSocket || res.status === 101) return res;
  const headers = stripHopByHop(res.headers, { upgrade: false });
  const location = headers.get("location");
  if (location) headers.set("location", publicLocation(location, originUrl, publicUrl));
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

/**
 * Makes a response safe to carry visitor-specific content: never stored by a
 * shared cache (nor the browser's), no validators that could revalidate it
 * against another visitor's copy, no stale length.
 */
export function markPersonalized(headers: Headers): void {
  headers.set("cache-control", "private, no-store");
  headers.delete("etag");
  headers.delete("last-modified");
  headers.delete("content-length");
  headers.delete("expires");
  headers.delete("age");
  // Surrogate caches (Fastly, Akamai, CDN-Cache-Control) must not keep it either.
  for (const h of SURROGATE) headers.delete(h);
}

/**
 * A page the published manifest could have personalized but did not, this time (no slot
 * filled, nothing set): the browser may keep it but must ask again every time
 * (`private, no-cache`, or `private, no-store` when the origin said no-store), with no
 * validators, so a later visit can never revalidate (304) into this unpersonalized copy.
 * A shared cache in front may be told what the origin said — `CDN-Cache-Control`, the
 * origin's own or its `Cache-Control` — only when the page is `shareable` by the template
 * rules (src/template/sharing.ts, http-cache.ts); otherwise every surrogate header goes.
 *
 * @example
 * markUnpersonalizedPage(headers, templates.shareable);
 */
export function markUnpersonalizedPage(headers: Headers, shareable: boolean): void {
  const said = headers.get("cache-control");
  if (shareable) {
    if (said && !headers.has("cdn-cache-control")) headers.set("cdn-cache-control", said);
  } else {
    for (const h of SURROGATE) headers.delete(h);
  }
  headers.set("cache-control", said && /(^|[\s,])no-store\b/i.test(said) ? "private, no-store" : "private, no-cache");
  headers.delete("etag");
  headers.delete("last-modified");
  headers.delete("expires");
}

const ERROR_PAGE = (status: number, title: string, text: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${status} ${title}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:15vh auto;padding:0 1rem;color:#222}</style>
</head><body><h1>${title}</h1><p>${text}</p></body></html>`;

/** A clear page for a dead (502) or silent (504) origin: no stack trace, never cached. */
export function originErrorPage(status: 502 | 504): Response {
  const body =
    status === 502
      ? ERROR_PAGE(502, "The site cannot be reached", "The website behind this address did not answer. Please try again in a moment.")
      : ERROR_PAGE(504, "The site is taking too long", "The website behind this address did not answer in time. Please try again in a moment.");
  return new Response(body, {
    status,
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "retry-after": "5" },
  });
}
