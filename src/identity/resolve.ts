/**
 * Who is asking: the verified profile (or none), the anonymous visitor id
 * (verified, or newly issued when tracking is allowed), and what they consent to.
 */
import type { Config } from "../config.ts";
import type { Consent, Profile } from "../engine/types.ts";
import { readCookie } from "./cookies.ts";
import { verifyProfile, type ProfileFailure } from "./profile.ts";
import { issueVisitorId, verifyVisitorId, VISITOR_COOKIE } from "./visitor-id.ts";

export interface Identity {
  profile: Profile | null;
  /** Why there is no profile (ABSENT for a plain anonymous visitor). */
  profileFailure: ProfileFailure | null;
  /** The anonymous id, when one exists or was issued now. */
  visitorId: string | null;
  /** Set-Cookie to send when a new visitor id was issued. */
  setCookie: string | null;
  consent: Consent;
  /** The id experiments bucket by: the profile's subject when signed in, else the visitor id. */
  unitId: string | null;
}

/**
 * @example
 * const who = await resolveIdentity(request, config, Date.now());
 * if (who.setCookie) headers.append("set-cookie", who.setCookie);
 */
export async function resolveIdentity(request: Request, config: Config, now: number): Promise<Identity> {
  const gpc = request.headers.get("sec-gpc")?.trim() === "1";
  const [profileResult, existingId] = await Promise.all([
    verifyProfile(readCookie(request, config.profileCookie), config, now),
    verifyVisitorId(readCookie(request, VISITOR_COOKIE), config.visitorSecret),
  ]);
  const profile = profileResult.ok ? profileResult.profile : null;
  // Respect the no: GPC or a profile that says no means no tracking.
  const consent: Consent = {
    personalize: profile?.consent?.personalize ?? true,
    track: !gpc && (profile?.consent?.track ?? true),
  };
  let visitorId = consent.track ? existingId : null;
  let setCookie: string | null = null;
  if (!visitorId && consent.track && config.visitorSecret) {
    const issued = await issueVisitorId(config.visitorSecret);
    visitorId = issued.id;
    setCookie = issued.setCookie;
  }
  return {
    profile,
    profileFailure: profileResult.ok ? null : profileResult.code,
    visitorId,
    setCookie,
    consent,
    unitId: profile?.sub ?? visitorId,
  };
}
