/**
 * The site's own consent cookie, written by its consent manager (CONSENT_COOKIE), read in
 * one of two documented formats (CONSENT_COOKIE_FORMAT):
 *
 * - `json`: `{"personalize":true,"track":false}`, raw or percent-encoded (what
 *   `encodeURIComponent(JSON.stringify(choice))` writes). A missing field means "not said".
 * - `binary`: `1` (yes to both) or `0` (no to both).
 *
 * Anything else (unparseable, wrong types, over 1 KiB) counts as "not said": the site's
 * default policy decides, and under `opt-in` that means nothing is recorded.
 */
import * as v from "valibot";
import type { ConsentClaims } from "./types.ts";

export type ConsentCookieFormat = "json" | "binary";

/** A consent cookie is a few dozen bytes; anything longer was not written by a consent manager. */
const MAX_VALUE_BYTES = 1024;

const JsonConsent = v.object({ personalize: v.optional(v.boolean()), track: v.optional(v.boolean()) });

function decode(value: string): string | null {
  try {
    return value.includes("%") ? decodeURIComponent(value) : value;
  } catch {
    return null;
  }
}

/**
 * @example
 * parseConsentCookie('{"personalize":true,"track":false}', "json"); // { personalize: true, track: false }
 * parseConsentCookie("0", "binary"); // { personalize: false, track: false }
 * parseConsentCookie("garbage", "json"); // {}
 */
export function parseConsentCookie(value: string | undefined, format: ConsentCookieFormat): ConsentClaims {
  if (value === undefined || value.length === 0 || value.length > MAX_VALUE_BYTES) return {};
  const text = decode(value.trim());
  if (text === null) return {};
  if (format === "binary") {
    if (text === "1") return { personalize: true, track: true };
    if (text === "0") return { personalize: false, track: false };
    return {};
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {};
  }
  const parsed = v.safeParse(JsonConsent, json);
  if (!parsed.success) return {};
  const out: ConsentClaims = {};
  if (parsed.output.personalize !== undefined) out.personalize = parsed.output.personalize;
  if (parsed.output.track !== undefined) out.track = parsed.output.track;
  return out;
}
