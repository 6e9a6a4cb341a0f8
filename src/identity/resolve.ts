/**
 * Who is asking: the verified profile (or none), the anonymous visitor id
 * (verified, or newly issued when tracking is allowed and the caller's gate, the
 * per-client limit of src/identity/new-visitor-limit.ts, says yes), and what they
 * consent to (decided in one place for every route: src/privacy/policy.ts).
 */
import type { Config } from "../config/config.ts";
import type { Consent, Profile } from "../engine/types.ts";
import { decidePrivacy } from "../privacy/policy.ts";
import { readSignals } from "../privacy/signals.ts";
import type { PrivacyDecision } from "../privacy/types.ts";
import { readCookie } from "../cookies.ts";
import type { NewVisitorGate } from "./new-visitor-limit.ts";
import { verifyProfile, type ProfileFailure } from "./profile.ts";
import { issueVisitorId, verifyVisitorId, VISITOR_COOKIE } from "./visitor-id.ts";

export interface Identity {
  profile: Profile | null;
  /** Why there is no profile (ABSENT for a plain anonymous visitor). */
  profileFailure: ProfileFailure | null;
  /** The anonymous id, when one exists or was issued now (and tracking is allowed). */
  visitorId: string | null;
  /**
   * The verified anonymous id from the cookie whatever the consent: only for showing and
   * erasing what an earlier visit stored (/__p13n/me), never for recording.
   */
  cookieVisitorId: string | null;
  /** Set-Cookie to send when a new visitor id was issued (then nothing is remembered for it until it comes back). */
  setCookie: string | null;
  consent: Consent;
  /** The full consent decision: signals, policy, which signal settled it. */
  privacy: PrivacyDecision;
  /** The id experiments bucket by: the profile's subject when signed in, else the visitor id; null without consent to track. */
  unitId: string | null;
}

export interface ResolveOptions {
  /**
   * Issue a visitor id when tracking is allowed, none came, and this gate says yes (asked only
   * then). Absent: no id is issued (beacons, /me reads).
   */
  issue?: NewVisitorGate;
  /** A profile token sent another way than the cookie (an app's `X-P13n-Profile`): read instead of the cookie. */
  profileToken?: string | undefined;
}

/**
 * @example
 * const who = await resolveIdentity(request, config, Date.now(), { issue: newVisitorGate(env.NEW_VISITORS, request) });
 * if (who.setCookie) headers.append("set-cookie", who.setCookie);
 */
export async function resolveIdentity(request: Request, config: Config, now: number, options: ResolveOptions = {}): Promise<Identity> {
  const [profileResult, existingId] = await Promise.all([
    verifyProfile(options.profileToken ?? readCookie(request, config.profileCookie), config, now),
    verifyVisitorId(readCookie(request, VISITOR_COOKIE), config.visitorSecret),
  ]);
  const profile = profileResult.ok ? profileResult.profile : null;
  // Respect the no: GPC, the visitor's choice, the profile, the site's consent cookie, the policy.
  const privacy = decidePrivacy(readSignals(request, profile, config), config.privacy);
  const consent: Consent = { personalize: privacy.personalize, track: privacy.track };
  let visitorId = consent.track ? existingId : null;
  let setCookie: string | null = null;
  if (!visitorId && consent.track && config.visitorSecret && options.issue && (await options.issue())) {
    const issued = await issueVisitorId(config.visitorSecret);
    visitorId = issued.id;
    setCookie = issued.setCookie;
  }
  return {
    profile,
    profileFailure: profileResult.ok ? null : profileResult.code,
    visitorId,
    cookieVisitorId: existingId,
    setCookie,
    consent,
    privacy,
    unitId: consent.track ? (profile?.sub ?? visitorId) : null,
  };
}
