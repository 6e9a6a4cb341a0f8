/**
 * The visitor's own choice from the preference centre, `__Host-p13n_consent`: whether we
 * may personalize and remember, as `personalize=0&track=1` (each part optional). It is a
 * cookie, not object storage, because it must hold when nothing may be stored — a
 * "don't remember me" can only be kept by the browser. It holds no id.
 *
 * Unsigned on purpose: a `__Host-` cookie can be set only by this origin, and the only
 * one who could forge it is the visitor, for their own browser.
 */
import { clearHostCookie, hostCookie, readCookie } from "../cookies.ts";
import type { ConsentClaims } from "./types.ts";

export const CHOICE_COOKIE = "__Host-p13n_consent";
/** A year: a choice should outlast the visitor-id cookie it governs. */
export const CHOICE_COOKIE_MAX_AGE_S = 365 * 24 * 60 * 60;

const FLAG: Record<string, boolean> = { "0": false, "1": true };

/**
 * @example
 * readChoice(new Request("https://shop.example/", { headers: { cookie: "__Host-p13n_consent=track=0" } })); // { track: false }
 */
export function readChoice(request: Request): ConsentClaims {
  const value = readCookie(request, CHOICE_COOKIE);
  if (!value || value.length > 64) return {};
  const out: ConsentClaims = {};
  for (const part of value.split("&")) {
    const [key, flag] = part.split("=");
    if ((key === "personalize" || key === "track") && flag !== undefined && Object.hasOwn(FLAG, flag)) out[key] = FLAG[flag]!;
  }
  return out;
}

/**
 * The Set-Cookie for a choice; clears the cookie when nothing is chosen.
 *
 * @example
 * choiceCookie({ track: false }); // "__Host-p13n_consent=track=0; Max-Age=31536000; Path=/; Secure; HttpOnly; SameSite=Lax"
 */
export function choiceCookie(choice: ConsentClaims): string {
  const parts: string[] = [];
  if (choice.personalize !== undefined) parts.push(`personalize=${choice.personalize ? 1 : 0}`);
  if (choice.track !== undefined) parts.push(`track=${choice.track ? 1 : 0}`);
  return parts.length === 0 ? clearHostCookie(CHOICE_COOKIE) : hostCookie(CHOICE_COOKIE, parts.join("&"), CHOICE_COOKIE_MAX_AGE_S);
}

/** True when the choice refuses something (erasure keeps such a cookie: erasing must never turn tracking back on). */
export function refuses(choice: ConsentClaims): boolean {
  return choice.personalize === false || choice.track === false;
}
