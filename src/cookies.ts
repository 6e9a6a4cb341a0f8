/**
 * Reading cookies from a request and writing ours. Parsing is Hono's
 * (`hono/utils/cookie`); only our cookie attributes are decided here.
 */
import { parse } from "hono/utils/cookie";

/** Browsers drop cookies over 4096 bytes; anything longer was not set by a browser-respecting site. */
export const MAX_COOKIE_BYTES = 4096;

/** Returns one cookie's value from the Cookie header, or undefined. */
export function readCookie(request: Request, name: string): string | undefined {
  const header = request.headers.get("cookie");
  if (!header) return undefined;
  return parse(header, name)[name];
}

/**
 * Serializes a cookie of ours: `__Host-` rules (Secure, Path=/, no Domain),
 * HttpOnly, SameSite=Lax.
 *
 * @example
 * headers.append("Set-Cookie", hostCookie("__Host-p13n_vid", value, 60 * 60 * 24 * 180));
 */
export function hostCookie(name: string, value: string, maxAgeS: number): string {
  return `${name}=${value}; Max-Age=${maxAgeS}; Path=/; Secure; HttpOnly; SameSite=Lax`;
}

/** A Set-Cookie that removes one of our cookies. */
export function clearHostCookie(name: string): string {
  return hostCookie(name, "", 0);
}
