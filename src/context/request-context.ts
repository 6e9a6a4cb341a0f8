/**
 * What the request itself says, as the engine's RequestContext: path, query,
 * UTM, device, geo and time zone (from `request.cf`), referrer, language, GPC.
 *
 * Lazy: the fields a rule may never read are worked out on first read, once (each is an own,
 * enumerable getter, so a spread or JSON sees every field). Reading `request.cf` parses the
 * runtime's JSON for the request, and the query string and headers each cost a parse: a page
 * whose content uses none of them (most pages) pays for none of them.
 */
import type { DeviceClass, RequestContext } from "../engine/types.ts";
import { deviceClass } from "./device.ts";

/** Bounded so a hostile query string cannot make the context large. */
const MAX_PARAMS = 50;
const MAX_VALUE = 256;

interface Geo {
  country?: string;
  region?: string;
  city?: string;
  timezone?: string;
}

interface Params {
  query: Record<string, string>;
  utm: Record<string, string>;
}

function cfField(cf: unknown, key: string): string | undefined {
  const value = (cf as Record<string, unknown> | undefined)?.[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

function geoOf(request: Request): Geo {
  const cf = (request as { cf?: unknown }).cf;
  const country = cfField(cf, "country");
  return { country: country?.toUpperCase(), region: cfField(cf, "region"), city: cfField(cf, "city"), timezone: cfField(cf, "timezone") };
}

function paramsOf(url: URL): Params {
  const query: Record<string, string> = {};
  const utm: Record<string, string> = {};
  // No query string (most pages): no URLSearchParams made.
  if (url.search === "") return { query, utm };
  let n = 0;
  for (const [k, value] of url.searchParams) {
    if (n++ >= MAX_PARAMS) break;
    if (k in query) continue;
    const val = value.slice(0, MAX_VALUE);
    query[k] = val;
    if (k.startsWith("utm_")) utm[k.slice(4)] = val;
  }
  return { query, utm };
}

function referrerHostOf(request: Request, url: URL): string | undefined {
  const referrer = request.headers.get("referer");
  if (!referrer) return undefined;
  try {
    const host = new URL(referrer).hostname.toLowerCase();
    return host !== url.hostname.toLowerCase() ? host : undefined;
  } catch {
    // An unparsable Referer says nothing.
    return undefined;
  }
}

function languageOf(request: Request): string | undefined {
  const lang = request.headers.get("accept-language")?.split(",")[0]?.split(";")[0]?.trim().toLowerCase();
  return lang && lang !== "*" ? lang.split("-")[0] : undefined;
}

/**
 * @example
 * const ctx = requestContext(request); // { path: "/", device: "mobile", country: "DE", … }
 */
export function requestContext(request: Request, url: URL = new URL(request.url)): RequestContext {
  let geo: Geo | undefined;
  let params: Params | undefined;
  let device: DeviceClass | undefined;
  let gpc: boolean | undefined;
  // One slot per lazy field: `null` not yet read, else the value (undefined: the request says nothing).
  let referrerHost: string | undefined | null = null;
  let language: string | undefined | null = null;
  const h = request.headers;
  return {
    path: url.pathname,
    get query() {
      return (params ??= paramsOf(url)).query;
    },
    get utm() {
      return (params ??= paramsOf(url)).utm;
    },
    get device() {
      return (device ??= deviceClass(h.get("user-agent"), h.get("sec-ch-ua-mobile")));
    },
    get gpc() {
      return (gpc ??= h.get("sec-gpc")?.trim() === "1");
    },
    // A page is the web; GET /__p13n/decide says what its caller says (src/routes/decide.ts).
    channel: "web",
    get country() {
      return (geo ??= geoOf(request)).country;
    },
    get region() {
      return (geo ??= geoOf(request)).region;
    },
    get city() {
      return (geo ??= geoOf(request)).city;
    },
    get timezone() {
      return (geo ??= geoOf(request)).timezone;
    },
    get referrerHost() {
      return referrerHost === null ? (referrerHost = referrerHostOf(request, url)) : referrerHost;
    },
    get language() {
      return language === null ? (language = languageOf(request)) : language;
    },
  };
}
