/**
 * Which object holds a visitor's memory: the profile's subject when signed in,
 * else the anonymous visitor id. Prefixed so a profile `sub` can never name an
 * anonymous visitor's object (or the other way round).
 */
import type { Identity } from "../identity/resolve.ts";

/**
 * The object name for this identity, or null when nothing may be remembered
 * (no tracking consent, or no verified id at all).
 *
 * @example
 * visitorObjectName(identity); // "sub:user-1" or "vid:0f3a…" or null
 */
export function visitorObjectName(identity: Pick<Identity, "profile" | "visitorId" | "consent">): string | null {
  if (!identity.consent.track) return null;
  if (identity.profile) return `sub:${identity.profile.sub}`;
  return identity.visitorId ? anonymousObjectName(identity.visitorId) : null;
}

/** The object of an anonymous visitor id. */
export function anonymousObjectName(visitorId: string): string {
  return `vid:${visitorId}`;
}

/**
 * A fresh stub for one call (stubs are cheap; one that saw an error may be broken). Generic
 * over the object's class, so this file needs no import of the object (which imports it).
 *
 * @example
 * const snapshot = await visitorStub(env.VISITOR, "vid:0f3a…").snapshot();
 */
export function visitorStub<T extends Rpc.DurableObjectBranded | undefined>(ns: DurableObjectNamespace<T>, name: string): DurableObjectStub<T> {
  return ns.get(ns.idFromName(name));
}
