/**
 * Respect the no (README "Privacy: respect the no"): the one place that turns every consent signal and the
 * site owner's policy into what may happen. Identity resolution calls it, so the page,
 * the beacon, /decide and /me always agree.
 *
 * The rules, in order:
 * 1. `Sec-GPC: 1` means no tracking, whatever else says yes (GPC is the browser-wide no).
 * 2. Any "no" wins: the visitor's own choice in the preference centre, the profile's
 *    `consent` claims, or the site's consent cookie.
 * 3. Otherwise a "yes" from any of them allows it.
 * 4. Otherwise the policy's default: `opt-out` allows, `opt-in` does not.
 * Personalization from personal data also needs tracking to be allowed: without it the
 * page is personalized from the request context and stated preferences only
 * (NO_CONSENT_MODE `context`), or not at all (`none`).
 */
import type { ConsentClaims, ConsentSignals, ConsentSource, PrivacyDecision, PrivacyPolicy } from "./types.ts";

/** The most careful reading of a missing or broken configuration. */
export const SAFE_POLICY: PrivacyPolicy = { consentDefault: "opt-out", noConsentMode: "context" };

const ORDER: ReadonlyArray<Exclude<ConsentSource, "gpc" | "default">> = ["visitor", "profile", "site"];

function settle(key: keyof ConsentClaims, signals: ConsentSignals, policy: PrivacyPolicy): { allowed: boolean; by: ConsentSource } {
  if (key === "track" && signals.gpc) return { allowed: false, by: "gpc" };
  for (const source of ORDER) if (signals[source][key] === false) return { allowed: false, by: source };
  for (const source of ORDER) if (signals[source][key] === true) return { allowed: true, by: source };
  return { allowed: policy.consentDefault === "opt-out", by: "default" };
}

/**
 * @example
 * decidePrivacy({ gpc: true, profile: {}, site: {}, visitor: {} }, SAFE_POLICY);
 * // { track: false, personalize: false, mode: "context", trackBy: "gpc", personalizeBy: "gpc", … }
 */
export function decidePrivacy(signals: ConsentSignals, policy: PrivacyPolicy): PrivacyDecision {
  const track = settle("track", signals, policy);
  const personalize = settle("personalize", signals, policy);
  const both = track.allowed && personalize.allowed;
  return {
    track: track.allowed,
    personalize: both,
    mode: track.allowed ? "full" : policy.noConsentMode,
    trackBy: track.by,
    // Without tracking, personal data is not used either: the reason is tracking's.
    personalizeBy: track.allowed ? personalize.by : track.by,
    signals,
    policy,
  };
}
