/** What one source of consent said; an absent field means "not said". */
export interface ConsentClaims {
  personalize?: boolean;
  track?: boolean;
}

/** The site owner's policy (wrangler.toml): CONSENT_DEFAULT and NO_CONSENT_MODE. */
export interface PrivacyPolicy {
  /** `opt-out`: track unless a signal says no. `opt-in`: nothing until a signal says yes. */
  consentDefault: "opt-out" | "opt-in";
  /** Without consent to track: `context` personalizes from the request and stated preferences only; `none` not at all. */
  noConsentMode: "context" | "none";
}

/** Every signal of the request, as received. */
export interface ConsentSignals {
  /** `Sec-GPC: 1`, exactly. */
  gpc: boolean;
  /** The verified profile's `consent` claims (none without a profile). */
  profile: ConsentClaims;
  /** The site's consent-manager cookie (CONSENT_COOKIE). */
  site: ConsentClaims;
  /** The visitor's own choice, made in the preference centre (`__Host-p13n_consent`). */
  visitor: ConsentClaims;
}

/** Which signal settled a decision, for the preference centre and logs. */
export type ConsentSource = "gpc" | "profile" | "site" | "visitor" | "default";

/** The one answer every route uses. */
export interface PrivacyDecision {
  /** Memory may be kept: object reads and writes, the visitor-id cookie, beacons, the client script, experiments. */
  track: boolean;
  /** Personal data (profile segmentation, behaviour) may shape content. Never true without `track`. */
  personalize: boolean;
  /** What the page path does: `full`, `context` (request + stated preferences only) or `none` (no personalization). */
  mode: "full" | "context" | "none";
  /** Why `track` is what it is. */
  trackBy: ConsentSource;
  /** Why `personalize` is what it is. */
  personalizeBy: ConsentSource;
  signals: ConsentSignals;
  policy: PrivacyPolicy;
}
