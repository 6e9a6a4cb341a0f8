/**
 * The anonymous visitor id, `__Host-p13n_vid`: a random id plus an HMAC of it
 * with VISITOR_SECRET, so visitors without a profile still get sticky
 * experiments and memory, and nobody can pick someone else's id.
 */
import { hostCookie } from "../cookies.ts";

export const VISITOR_COOKIE = "__Host-p13n_vid";
/** 180 days: long enough for sticky experiments, short enough to respect. */
export const VISITOR_COOKIE_MAX_AGE_S = 180 * 24 * 60 * 60;

const ID = /^[0-9a-f]{32}$/;
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    keys.set(secret, key);
  }
  return key;
}

function toBase64Url(bytes: ArrayBuffer): string {
  let s = "";
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(s: string): Uint8Array | null {
  try {
    const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

const label = (id: string) => new TextEncoder().encode(`p13n-vid:${id}`);

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
  // subtle.verify compares in constant time.
  const ok = await crypto.subtle.verify("HMAC", await hmacKey(secret), sig, label(id));
  return ok ? id : null;
}

/**
 * Issues a new id and its Set-Cookie value.
 *
 * @example
 * const { id, setCookie } = await issueVisitorId(env.VISITOR_SECRET);
 */
export async function issueVisitorId(secret: string): Promise<{ id: string; setCookie: string }> {
  const id = crypto.randomUUID().replace(/-/g, "");
  const sig = await crypto.subtle.sign("HMAC", await hmacKey(secret), label(id));
  return { id, setCookie: hostCookie(VISITOR_COOKIE, `${id}.${toBase64Url(sig)}`, VISITOR_COOKIE_MAX_AGE_S) };
}
