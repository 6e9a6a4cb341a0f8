/**
 * What the request itself says, as the engine's RequestContext: path, query,
 * UTM, device, geo and time zone (from `request.cf`), referrer, language, GPC.
 */
import type { RequestContext } from "../engine/types.ts";
import { deviceClass } from "./device.ts";

/** Bounded so a hostile query string cannot make the context large. */
const MAX_PARAMS = 50;
const MAX_VALUE = 256;

function cfField(cf: unknown, key: string): string | undefined {
  const value = (cf as Record<string, unknown> | undefined)?.[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * @example
 * const ctx = requestContext(request); // { path: "/", device: "mobile", country: "DE", … }
 */
export function requestContext(request: Request, url: URL = new URL(request.url)): RequestContext {
  const query: Record<string, string> = {};
  const utm: Record<string, string> = {};
  let n = 0;
  for (const [k, value] of url.searchParams) {
    if (n++ >= MAX_PARAMS) break;
    if (k in query) continue;
    const val = value.slice(0, MAX_VALUE);
    query[k] = val;
    if (k.startsWith("utm_")) utm[k.slice(4)] = val;
  }
  const h = request.headers;
  const cf = (request as { cf?: unknown }).cf;
  const ctx: RequestContext = {
    path: url.pathname,
    query,
    utm,
    device: deviceClass(h.get("user-agent"), h.get("sec-ch-ua-mobile")),
    gpc: h.get("sec-gpc")?.trim() === "1",
    // A page is the web; GET /__p13n/decide says what its caller says (src/routes/decide.ts).
    channel: "web",
  };
  const country = cfField(cf, "country");
  if (country) ctx.country = country.toUpperCase();
  const region = cfField(cf, "region");
  if (region) ctx.region = region;
  const city = cfField(cf, "city");
  if (city) ctx.city = city;
  const timezone = cfField(cf, "timezone");
  if (timezone) ctx.timezone = timezone;
  const referrer = h.get("referer");
  if (referrer) {
    try {
      const host = new URL(referrer).hostname.toLowerCase();
      if (host !== url.hostname.toLowerCase()) ctx.referrerHost = host;
    } catch {
      // An unparsable Referer says nothing.
    }
  }
  const lang = h.get("accept-language")?.split(",")[0]?.split(";")[0]?.trim().toLowerCase();
  if (lang && lang !== "*") ctx.language = lang.split("-")[0];
  return ctx;
}
