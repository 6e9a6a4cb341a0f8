/**
 * Forwards a visitor's request to the origin: all methods and bodies, headers
 * minus hop-by-hop ones, redirects returned (not followed), WebSocket upgrades
 * carried through. The origin is `ORIGIN_URL`, or a Fetcher (service binding
 * or the bundled demo site) when it is unset.
 */
import { stripHopByHop } from "./hop-by-hop.ts";

export type OriginFetch = (request: Request) => Promise<Response>;

export interface OriginTarget {
  /** Absolute origin base URL; requests keep their path and query. */
  url?: URL;
  /** Used when `url` is absent: a service binding, or the demo site's assets. */
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
  if (!fetcher) return async () => new Response("No origin configured: set ORIGIN_URL.", { status: 502 });
  return (req) => fetcher.fetch(req);
}
