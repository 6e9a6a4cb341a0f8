/**
 * Forwards a visitor's request to the origin: all methods and bodies, headers
 * minus hop-by-hop ones, redirects returned (not followed), WebSocket upgrades
 * carried through. The origin is `ORIGIN_URL`, or a Fetcher (service binding
 * or, in local development, the bundled demo site) when it is unset, or else the
 * zone's own origin: the incoming request's own URL, fetched from the Worker (on a
 * route, the runtime sends that to the server the zone's DNS names, not back here).
 */
import { stripHopByHop } from "./hop-by-hop.ts";

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
  let url = incoming;
  if (target.url) {
    url = new URL(incoming.pathname + incoming.search, target.url);
    // The origin learns which public host was asked for (its own links, canonical URLs).
    headers.set("x-forwarded-host", incoming.host);
    headers.set("x-forwarded-proto", incoming.protocol.replace(":", ""));
  }
  const hasBody = request.method !== "GET" && request.method !== "HEAD";
  return new Request(url, {
    method: request.method,
    headers,
    body: hasBody ? request.body : null,
    redirect: "manual",
  });
}

/**
 * The origin's `Location` may name the origin's own host; the visitor must be
 * sent back through the public host instead.
 */
export function publicLocation(location: string, originUrl: URL | undefined, publicUrl: URL): string {
  // Relative Locations already point at whichever host the visitor used.
  if (!originUrl || !URL.canParse(location)) return location;
  try {
    const target = new URL(location, originUrl);
    if (target.host !== originUrl.host) return location;
    return new URL(target.pathname + target.search + target.hash, publicUrl).toString();
  } catch {
    return location;
  }
}

/** Chooses how to reach the origin for this config. */
export function originFetchFor(target: OriginTarget): OriginFetch {
  if (target.url) return (req) => fetch(req);
  const fetcher = target.fetcher;
  // The zone's own origin: originRequest kept the request's own URL.
  if (!fetcher) return (req) => fetch(req);
  return (req) => fetcher.fetch(req);
}
