/**
 * Reads every consent signal from a request: `Sec-GPC`, the profile's claims, the site's
 * consent cookie and the visitor's own choice. No decisions here (see policy.ts).
 */
import type { Profile } from "../engine/types.ts";
import { readCookie } from "../cookies.ts";
import { readChoice } from "./choice-cookie.ts";
import { parseConsentCookie, type ConsentCookieFormat } from "./consent-cookie.ts";
import type { ConsentClaims, ConsentSignals } from "./types.ts";

/** `Sec-GPC: 1` exactly (the spec's only value; anything else is not a GPC signal). */
export function hasGpc(request: Request): boolean {
  return request.headers.get("sec-gpc")?.trim() === "1";
}

function profileClaims(profile: Profile | null): ConsentClaims {
  const out: ConsentClaims = {};
  const c = profile?.consent;
  if (c?.personalize !== undefined) out.personalize = c.personalize;
  if (c?.track !== undefined) out.track = c.track;
  return out;
}

/**
 * @example
 * const signals = readSignals(request, profile, config);
 * const decision = decidePrivacy(signals, config.privacy);
 */
export function readSignals(request: Request, profile: Profile | null, config: { consentCookie: string; consentCookieFormat: ConsentCookieFormat }): ConsentSignals {
  return {
    gpc: hasGpc(request),
    profile: profileClaims(profile),
    site: config.consentCookie ? parseConsentCookie(readCookie(request, config.consentCookie), config.consentCookieFormat) : {},
    visitor: readChoice(request),
  };
}
