/**
 * Profile tokens this isolate has verified, per config (src/identity/profile.ts): a browser
 * sends the same cookie on every page, and its signature, header and claims do not change
 * between them, so each token is verified once (jose) and its time rules are checked again on
 * every use, exactly as jose checks them (whole seconds, CLOCK_TOLERANCE_S):
 *   - `exp`: valid while `exp > now − tolerance`;
 *   - `iat` with PROFILE_MAX_AGE_S: valid while `now − iat − tolerance ≤ max age`;
 *   - `nbf`, and `iat` not in the future: these only become true with time, and they were true
 *     when the token was verified; a clock seen going back (a test's frozen clock) verifies again.
 * Only for keys held in the config (a secret, an inline JWKS): a remote JWKS may drop a key, so
 * its tokens are verified every time. Bounded in entries (the oldest go); only successes are
 * held (a flood of bad tokens costs what it costs today, and fills nothing).
 *
 * @example
 * const held = heldProfile(config, token, now);
 * if (held) return { ok: true, profile: held };
 */
import type { Config } from "../config/config.ts";
import type { Profile } from "../engine/types.ts";

/** Tokens held per config, at most (a token is at most MAX_COOKIE_BYTES). */
export const MAX_HELD_TOKENS = 1_000;

interface Held {
  profile: Profile;
  exp: number;
  iat: number;
  /** When it was verified, seconds. */
  at: number;
}

const byConfig = new WeakMap<Config, Map<string, Held>>();

const seconds = (ms: number) => Math.floor(ms / 1000);

/** The profile of a token verified before under this config, still valid at `now` (epoch ms); else null. */
export function heldProfile(config: Config, token: string, now: number, toleranceS: number): Profile | null {
  const held = byConfig.get(config)?.get(token);
  if (!held) return null;
  const s = seconds(now);
  if (s < held.at) return null;
  if (held.exp <= s - toleranceS) return null;
  if (s - held.iat - toleranceS > config.profileMaxAgeS) return null;
  return held.profile;
}

/** Holds a token jose has just verified at `now` (its payload had numeric `exp` and `iat`: required claims). */
export function holdProfile(config: Config, token: string, now: number, payload: { exp?: unknown; iat?: unknown }, profile: Profile): void {
  const kind = config.profileKeys.kind;
  if (kind !== "secret" && kind !== "jwks-inline") return;
  if (typeof payload.exp !== "number" || typeof payload.iat !== "number") return;
  let held = byConfig.get(config);
  if (!held) byConfig.set(config, (held = new Map()));
  if (held.size >= MAX_HELD_TOKENS) held.delete(held.keys().next().value!);
  // Shared by every page that sends this token: nobody may change it.
  held.set(token, { profile: deepFreeze(profile), exp: payload.exp, iat: payload.iat, at: seconds(now) });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** How many tokens are held for `config` (the bound's proof in tests). */
export function heldTokens(config: Config): number {
  return byConfig.get(config)?.size ?? 0;
}
