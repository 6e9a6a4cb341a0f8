/**
 * Which requests may share a page template (README "Page templates: what may be shared"):
 * only those any visitor could have made. A request that carries credentials — an
 * `Authorization` header, an Access assertion, or any cookie other than ours and those the
 * site owner lists as not changing the page (TEMPLATE_IGNORE_COOKIES) — is one visitor's:
 * its page streams from its own origin answer, never from or into a template.
 *
 * And what the origin hears when a template is built or revalidated: the request stripped to
 * what the template is keyed on (URL and the headers the page Varies on) — no cookie, no
 * credential, no validator of the visitor's; a revalidation carries the template's own.
 */
import type { Config } from "../config/config.ts";
import { VISITOR_COOKIE } from "../identity/visitor-id.ts";
import { PREVIEW_COOKIE } from "../preview/link.ts";
import { CHOICE_COOKIE } from "../privacy/choice-cookie.ts";
import { cookiePairs } from "../proxy/cookie-header.ts";

/** Request headers that say who is asking: a request with one is never served a template. */
const CREDENTIALS = ["authorization", "proxy-authorization", "cf-access-jwt-assertion", "cf-access-client-id", "cf-access-client-secret"];
/** Request headers that name the visitor's own copy or part of one. */
const VALIDATORS = ["if-none-match", "if-modified-since", "if-match", "if-unmodified-since", "if-range", "range"];
/** More cookies than this, or a longer Cookie header, is not a request worth sharing a template with. */
const MAX_COOKIES = 64;
const MAX_COOKIE_HEADER = 8192;

/** Cookies that are ours: the profile (read and verified by us), the visitor id, consent, preview. */
export function ourCookies(config: Pick<Config, "profileCookie" | "consentCookie">): string[] {
  return [config.profileCookie, VISITOR_COOKIE, CHOICE_COOKIE, PREVIEW_COOKIE, config.consentCookie];
}

/** Why a request may not share a template, or null when it may. */
export type NotShared = "credentials" | "cookie";

/**
 * @example
 * sharingRefusal(request, config); // null | "credentials" | "cookie"
 */
export function sharingRefusal(request: Request, config: Pick<Config, "profileCookie" | "consentCookie" | "templateIgnoreCookies">): NotShared | null {
  for (const h of CREDENTIALS) if (request.headers.has(h)) return "credentials";
  const header = request.headers.get("cookie");
  if (header === null) return null;
  if (header.length > MAX_COOKIE_HEADER) return "cookie";
  const pairs = cookiePairs(header);
  if (pairs.length > MAX_COOKIES) return "cookie";
  const ours = ourCookies(config);
  const ignore = config.templateIgnoreCookies;
  for (const { name } of pairs) {
    if (ours.includes(name)) continue;
    if (name && ignore?.test(name)) continue;
    return "cookie";
  }
  return null;
}

/**
 * The origin request a template is built or revalidated from: the visitor's request (already
 * the origin request: path, query, forwarded headers) without cookies, credentials or
 * validators, and with `extra` (the template's own validators) set.
 *
 * @example
 * originFetch(templateRequest(upstream, { "if-none-match": entry.validator.etag }));
 */
export function templateRequest(upstream: Request, extra: Record<string, string> = {}): Request {
  const headers = new Headers(upstream.headers);
  headers.delete("cookie");
  for (const h of CREDENTIALS) headers.delete(h);
  for (const h of VALIDATORS) headers.delete(h);
  for (const [k, v] of Object.entries(extra)) headers.set(k, v);
  return new Request(upstream, { headers });
}

/** Whether `upstream` already is what `templateRequest` would make of it (nothing to strip). */
export function alreadyStripped(upstream: Request): boolean {
  if (upstream.headers.has("cookie")) return false;
  return ![...CREDENTIALS, ...VALIDATORS].some((h) => upstream.headers.has(h));
}
