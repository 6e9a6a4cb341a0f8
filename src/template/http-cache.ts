/**
 * What the origin's own headers allow a shared cache to do with a page (RFC 9111, RFC 5861):
 * whether a template may be kept at all, for how long it is fresh, how long it may be served
 * stale while it revalidates, and how to ask the origin whether it changed. Pure: takes `now`.
 */

/** Cache-Control as directive → value (`true` for a directive without one). */
export type Directives = Map<string, string | true>;

/**
 * @example
 * parseCacheControl("public, max-age=60").get("max-age"); // "60"
 */
export function parseCacheControl(value: string | null): Directives {
  const out: Directives = new Map();
  for (const part of (value ?? "").split(",")) {
    const [rawName, ...rest] = part.split("=");
    const name = rawName?.trim().toLowerCase();
    if (!name) continue;
    // The first occurrence wins; a duplicate cannot extend a lifetime.
    if (out.has(name)) continue;
    out.set(name, rest.length ? rest.join("=").trim().replace(/^"|"$/g, "") : true);
  }
  return out;
}

const seconds = (v: string | true | undefined): number | null => {
  if (typeof v !== "string" || !/^\d+$/.test(v)) return null;
  return Math.min(Number(v), 2_147_483_648);
};

/** How fresh a stored page is, captured when its response (or a 304 refreshing it) arrived. */
export interface Freshness {
  /** When the response arrived (ms since the epoch). */
  responseTime: number;
  /** Its age on arrival: max(Age, now − Date) in seconds (RFC 9111 §4.2.3). */
  initialAgeS: number;
  /** Freshness lifetime in seconds: s-maxage, else max-age, else Expires − Date. */
  lifetimeS: number;
  /** stale-while-revalidate seconds; 0 when the origin demands revalidation. */
  staleWhileRevalidateS: number;
}

export interface Validator {
  etag: string | null;
  lastModified: string | null;
}

export type NotStorable =
  | "status"
  | "set-cookie"
  | "no-store"
  | "private"
  | "no-cache"
  | "not-said-shareable"
  | "vary-any"
  | "vary-credentials"
  | "nothing-to-revalidate";

export type StoragePolicy =
  | { storable: true; freshness: Freshness; validator: Validator; vary: string[] }
  | { storable: false; reason: NotStorable };

/** Request headers a page may vary on that make it one visitor's: such pages are never shared. */
const CREDENTIALS = new Set(["cookie", "authorization"]);

/**
 * The Vary'd request header names that key a template. Accept-Encoding is left out: the
 * runtime hands us decoded bytes, the same page for every encoding.
 *
 * @example
 * varyNames("Accept-Encoding, User-Agent"); // ["user-agent"]
 */
export function varyNames(vary: string | null): string[] | "*" {
  const names = (vary ?? "")
    .split(",")
    .map((n) => n.trim().toLowerCase())
    .filter((n) => n.length > 0);
  if (names.includes("*")) return "*";
  return [...new Set(names.filter((n) => n !== "accept-encoding"))].sort();
}

export interface ShareOptions {
  /**
   * The site owner opted the page's path in (TEMPLATE_PATHS): a bare `max-age` or `Expires`
   * (or validators alone) is then enough. Otherwise only `public` or `s-maxage` is.
   */
  optedIn: boolean;
}

/**
 * Whether a 200 response is a page any visitor may get, and if so its freshness. Only what
 * the origin said explicitly: `public` or `s-maxage` (or a path the site owner opted in), never
 * `private`, `no-store`, `no-cache`, never with `Set-Cookie` or a Vary on credentials. A bare
 * `max-age` is not enough: origins send it on pages that depend on a session cookie when
 * their own CDN never caches HTML.
 *
 * @example
 * const p = storagePolicy(200, response.headers, Date.now(), { optedIn: false });
 * if (p.storable) keep(p.freshness, p.validator, p.vary);
 */
export function storagePolicy(status: number, headers: Headers, now: number, opts: ShareOptions): StoragePolicy {
  if (status !== 200) return { storable: false, reason: "status" };
  if (headers.has("set-cookie")) return { storable: false, reason: "set-cookie" };
  const cc = parseCacheControl(headers.get("cache-control"));
  if (cc.has("no-store")) return { storable: false, reason: "no-store" };
  if (cc.has("private")) return { storable: false, reason: "private" };
  if (cc.has("no-cache")) return { storable: false, reason: "no-cache" };
  const said = cc.has("public") || cc.has("s-maxage") || opts.optedIn;
  if (!said) return { storable: false, reason: "not-said-shareable" };
  const vary = varyNames(headers.get("vary"));
  if (vary === "*") return { storable: false, reason: "vary-any" };
  if (vary.some((n) => CREDENTIALS.has(n))) return { storable: false, reason: "vary-credentials" };
  const validator: Validator = { etag: headers.get("etag"), lastModified: headers.get("last-modified") };
  const freshness = freshnessOf(headers, cc, now);
  if (freshness.lifetimeS === 0 && !validator.etag && !validator.lastModified) return { storable: false, reason: "nothing-to-revalidate" };
  return { storable: true, freshness, validator, vary };
}

function freshnessOf(headers: Headers, cc: Directives, now: number): Freshness {
  const dateMs = Date.parse(headers.get("date") ?? "");
  const date = Number.isFinite(dateMs) ? dateMs : now;
  let lifetimeS = seconds(cc.get("s-maxage")) ?? seconds(cc.get("max-age"));
  if (lifetimeS === null) {
    const expires = Date.parse(headers.get("expires") ?? "");
    lifetimeS = Number.isFinite(expires) ? Math.max(0, Math.floor((expires - date) / 1000)) : 0;
  }
  const ageHeader = seconds(headers.get("age") ?? undefined) ?? 0;
  const apparentAge = Math.max(0, (now - date) / 1000);
  // must-revalidate / proxy-revalidate: never served stale, whatever stale-while-revalidate says.
  const revalidate = cc.has("must-revalidate") || cc.has("proxy-revalidate");
  return {
    responseTime: now,
    initialAgeS: Math.max(apparentAge, ageHeader),
    lifetimeS,
    staleWhileRevalidateS: revalidate ? 0 : (seconds(cc.get("stale-while-revalidate")) ?? 0),
  };
}

/**
 * Current age in seconds (RFC 9111 §4.2.3).
 *
 * @example
 * currentAge(freshness, Date.now()); // 12.5
 */
export function currentAge(f: Freshness, now: number): number {
  return f.initialAgeS + Math.max(0, now - f.responseTime) / 1000;
}

export type FreshnessState = "fresh" | "stale-while-revalidate" | "stale";

/**
 * @example
 * if (freshnessState(f, now) === "fresh") serveWithoutAskingTheOrigin();
 */
export function freshnessState(f: Freshness, now: number): FreshnessState {
  const age = currentAge(f, now);
  if (age < f.lifetimeS) return "fresh";
  if (age < f.lifetimeS + f.staleWhileRevalidateS) return "stale-while-revalidate";
  return "stale";
}

/**
 * The headers that ask the origin whether the page changed since this version.
 *
 * @example
 * new Request(upstream, { headers: { ...Object.fromEntries(upstream.headers), ...conditionalHeaders(v) } });
 */
export function conditionalHeaders(v: Validator): Record<string, string> {
  const out: Record<string, string> = {};
  if (v.etag) out["if-none-match"] = v.etag;
  if (v.lastModified) out["if-modified-since"] = v.lastModified;
  return out;
}

/** Headers a 304 must not overwrite on the stored response (they describe the 304 itself). */
const NOT_FROM_304 = new Set(["content-length", "content-encoding", "content-type", "content-range", "transfer-encoding"]);

/**
 * The stored response's headers updated by a 304 (RFC 9111 §4.3.4), or null when the 304
 * names another version (a different strong ETag): that template must not be used.
 *
 * @example
 * const merged = refreshedHeaders(stored.headers, notModified.headers, stored.validator);
 */
export function refreshedHeaders(stored: Headers, notModified: Headers, v: Validator): Headers | null {
  const etag = notModified.get("etag");
  if (etag && v.etag && etag !== v.etag && !etag.startsWith("W/") && !v.etag.startsWith("W/")) return null;
  const merged = new Headers(stored);
  for (const [name, value] of notModified) {
    if (NOT_FROM_304.has(name)) continue;
    merged.set(name, value);
  }
  return merged;
}
