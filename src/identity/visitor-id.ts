/**
 * The anonymous visitor id, `__Host-p13n_vid`: a random id plus an HMAC of it
 * with VISITOR_SECRET, so visitors without a profile still get sticky
 * experiments and memory, and nobody can pick someone else's id.
 */
import { hostCookie } from "../cookies.ts";
import { fromBase64Url, hmac, hmacVerify, toBase64Url } from "./hmac.ts";

export const VISITOR_COOKIE = "__Host-p13n_vid";
/** 180 days: long enough for sticky experiments, short enough to respect. */
export const VISITOR_COOKIE_MAX_AGE_S = 180 * 24 * 60 * 60;

const ID = /^[0-9a-f]{32}$/;

const label = (id: string) => `p13n-vid:${id}`;

/**
 * Returns the id when the cookie value is ours and untampered, else null.
 *
 * @example
 * const vid = await verifyVisitorId(readCookie(req, VISITOR_COOKIE), env.VISITOR_SECRET);
 */
export async function verifyVisitorId(value: string | undefined, secret: string | undefined): Promise<string | null> {
  if (!value || !secret || value.length > 128) return null;
  const dot = value.indexOf(".");
  const id = value.slice(0, dot);
  if (dot < 0 || !ID.test(id)) return null;
  const sig = fromBase64Url(value.slice(dot + 1));
  if (!sig) return null;
  return (await hmacVerify(secret, label(id), sig)) ? id : null;
}

/**
 * Issues a new id and its Set-Cookie value.
 *
 * @example
 * const { id, setCookie } = await issueVisitorId(env.VISITOR_SECRET);
 */
export async function issueVisitorId(secret: string): Promise<{ id: string; setCookie: string }> {
  const id = crypto.randomUUID().replace(/-/g, "");
  const sig = await hmac(secret, label(id));
  return { id, setCookie: hostCookie(VISITOR_COOKIE, `${id}.${toBase64Url(sig)}`, VISITOR_COOKIE_MAX_AGE_S) };
}
