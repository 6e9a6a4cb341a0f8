/**
 * Forwards a visitor's request to the origin: all methods and bodies, headers
 * minus hop-by-hop ones, redirects returned (not followed), WebSocket upgrades
 * carried through. The origin is `ORIGIN_URL`, or a Fetcher (service binding
 * or, in local development, the bundled demo site) when it is unset, or else the
 * zone's own origin: the incoming request's own URL (`originUrl` without a base),
 * fetched from the Worker (on a route, the runtime sends that to the server the
 * zone's DNS names, not back to the Worker).
 *
 * The origin is the only host a page request ever reaches: the origin URL is
 * built in one place (`originUrl`), which takes the scheme, host and port from
 * the origin and only the path and query from the visitor, whatever the path
 * looks like (`//host/`, `/\host/`, `//user:pw@host/`, encoded forms).
 */
import { PREVIEW_COOKIE } from "../preview/link.ts";
import { withoutCookies } from "./cookie-header.ts";
import { stripHopByHop } from "./hop-by-hop.ts";
import { withoutBrowserValidators } from "./page-request.ts";

export type OriginFetch = (request: Request) => Promise<Response>;

/**
 * Set on every request the Worker sends to an origin. A request that arrives carrying it
 * has come back around (an origin that routes to this Worker): src/proxy/origin-guard.ts
 * answers it with an error page instead of forwarding it again.
 */
export const HOP_HEADER = "x-p13n-hop";

export interface OriginTarget {
  /** Absolute origin base URL; requests keep their path and query. */
  url?: URL;
  /** Used when `url` is absent: a service binding, or the demo site's assets (local development). Neither: the zone's origin. */
  fetcher?: Fetcher;
}

/**
 * The URL the origin is asked for: the origin's scheme, host and port (the visitor's own
 * host when there is no origin URL), with the visitor's path and query. The path is set
 * with the URL's `pathname` setter, never resolved as a reference: a path starting `//` is
 * a scheme-relative reference and would name another host.
 *
 * @example
 * originUrl(new URL("https://shop.example//evil.example/x?q=1"), new URL("https://origin.internal:8443/"));
 * // https://origin.internal:8443//evil.example/x?q=1
 */
export function originUrl(incoming: URL, base: URL | undefined): URL {
  const url = new URL(base ?? incoming);
  url.pathname = incoming.pathname;
  url.search = incoming.search;
  url.hash = "";
  return url;
}

/** Our own cookies that the origin never needs: the editor's preview token is ours alone. */
const NOT_FOR_ORIGIN = [PREVIEW_COOKIE];

/**
 * Builds the request the origin receives.
 *
 * @example
 * const upstream = originRequest(request, { url: new URL("https://shop.example") });
 */
export function originRequest(request: Request, target: OriginTarget): Request {
  const incoming = new URL(request.url);
  const isUpgrade = request.headers.get("upgrade")?.toLowerCase() === "websocket";
  const headers = stripHopByHop(request.headers, { upgrade: isUpgrade });
  headers.set(HOP_HEADER, "1");
  const cookie = headers.get("cookie");
  if (cookie !== null) {
    const kept = withoutCookies(cookie, NOT_FOR_ORIGIN);
    if (kept) headers.set("cookie", kept);
    else headers.delete("cookie");
  }
  // A page's conditional request must not revalidate into a copy the browser kept from before
  // (an old, unpersonalized default): see src/proxy/page-request.ts.
  withoutBrowserValidators(request, headers);
  if (target.url) {
    // The origin learns which public host was asked for (its own links, canonical URLs).
    headers.set("x-forwarded-host", incoming.host);
    headers.set("x-forwarded-proto", incoming.protocol.replace(":", ""));
  }
  const hasBody = request.method !== "GET" && request.method !== "HEAD";
  return new Request(originUrl(incoming, target.url), {
    method: request.method,
    headers,
    body: hasBody ? request.body : null,
    redirect: "manual",
  });
}

/**
 * A Location that a browser reads as another host although it has no scheme: `//host`,
 * `/\host`, `\\host` (browsers treat `\` as `/` and drop tabs and newlines in URLs).
 */
export function schemeRelative(location: string): boolean {
  return /^[\\/]{2}/.test(location.replace(/[\t\n\r]/g, "").replace(/^[\u0000-\u0020]+/, ""));
}

/**
 * The origin's `Location` may name the origin's own host; the visitor must be sent back
 * through the public host instead. A scheme-relative Location answered to a request whose
 * own path began with `//` is the origin echoing the path (a trailing-slash redirect of
 * `//evil.example`): it is kept on the site, with a single leading slash.
 */
export function publicLocation(location: string, originUrl: URL | undefined, publicUrl: URL): string {
  if (schemeRelative(location)) {
    const requested = publicUrl.pathname.startsWith("//");
    const resolved = URL.canParse(location, publicUrl.href) ? new URL(location, publicUrl) : null;
    if (requested || !resolved) return sitePath(location);
    // `//origin.internal/x`: the origin's own host, scheme-relative.
    if (originUrl && resolved.host === originUrl.host) return onPublicHost(resolved, publicUrl);
    return location;
  }
  // Relative Locations already point at whichever host the visitor used.
  if (!originUrl || !URL.canParse(location)) return location;
  const target = new URL(location);
  if (target.host !== originUrl.host) return location;
  return onPublicHost(target, publicUrl);
}

/** The same path, query and fragment on the public host (set, never resolved: see `originUrl`). */
function onPublicHost(target: URL, publicUrl: URL): string {
  const url = new URL(publicUrl.origin);
  url.pathname = target.pathname;
  url.search = target.search;
  url.hash = target.hash;
  return url.toString();
}

/**
 * A path-absolute reference that stays on the site: leading slashes and backslashes (and
 * the tabs and newlines browsers drop) collapse to one `/`, so `//evil.example/x` becomes
 * `/evil.example/x`.
 *
 * @example
 * sitePath("//evil.example/?a=1"); // "/evil.example/?a=1"
 * sitePath("/\\evil.example/");    // "/evil.example/"
 */
export function sitePath(pathAndQuery: string): string {
  const cleaned = pathAndQuery.replace(/[\t\n\r]/g, "").replace(/^[\u0000-\u0020]+/, "");
  return `/${cleaned.replace(/^[\\/]+/, "")}`;
}

/** Chooses how to reach the origin for this config. */
export function originFetchFor(target: OriginTarget): OriginFetch {
  if (target.url) return (req) => fetch(req);
  const fetcher = target.fetcher;
  // The zone's own origin: originRequest kept the request's own URL (originUrl without a base).
  if (!fetcher) return (req) => fetch(req);
  return (req) => fetcher.fetch(req);
}
