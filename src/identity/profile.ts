/**
 * Verifies the site's signed profile cookie with jose. Every rule of
 * docs/reliability.md ("Profile cookie") is applied; every failure means "anonymous", never an error
 * page. All of jose's use for profiles lives here.
 */
import * as v from "valibot";
import { createLocalJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWK, type JWTVerifyGetKey } from "jose";
import { normalizeTyp, type Config, type ProfileKeySource } from "../config/config.ts";
import { ProfileClaimsSchema } from "../engine/schema.ts";
import type { Profile } from "../engine/types.ts";
import { MAX_COOKIE_BYTES } from "../cookies.ts";
import { jwksKeyGetter } from "./jwks-cache.ts";
import { heldProfile, holdProfile } from "./verified-profiles.ts";

export type ProfileFailure =
  | "ABSENT"
  | "TOO_LARGE"
  | "MALFORMED"
  | "FORBIDDEN_HEADER"
  | "ALG_NOT_ALLOWED"
  | "TYP_NOT_ALLOWED"
  | "NO_KEY_CONFIGURED"
  | "CLAIMS_INVALID"
  // jose's own stable codes, passed through:
  | "ERR_JWT_EXPIRED"
  | "ERR_JWT_CLAIM_VALIDATION_FAILED"
  | "ERR_JWS_SIGNATURE_VERIFICATION_FAILED"
  | "ERR_JWKS_NO_MATCHING_KEY"
  | "ERR_JOSE_ALG_NOT_ALLOWED"
  | "ERR_JWS_INVALID"
  | "ERR_JWT_INVALID"
  | "ERR_JWKS_TIMEOUT"
  | "ERR_OTHER";

export type ProfileResult = { ok: true; profile: Profile } | { ok: false; code: ProfileFailure };

/** Clock skew allowed between the site's backend and the edge (docs/reliability.md: ≤ 60 s). */
const CLOCK_TOLERANCE_S = 60;
/** Header parameters that point at keys elsewhere or inline: never followed, so refused. */
const FORBIDDEN_HEADERS = ["jku", "x5u", "jwk", "x5c", "crit"] as const;

const secretKeys = new Map<string, Uint8Array>();
const inlineSets = new Map<string, JWTVerifyGetKey>();

function keyFor(source: ProfileKeySource, budgetMs: number, now: number): Uint8Array | JWTVerifyGetKey | null {
  switch (source.kind) {
    case "secret": {
      let key = secretKeys.get(source.secret);
      if (!key) {
        key = new TextEncoder().encode(source.secret);
        secretKeys.set(source.secret, key);
      }
      return key;
    }
    case "jwks-inline": {
      let set = inlineSets.get(source.jwks);
      if (!set) {
        set = createLocalJWKSet(JSON.parse(source.jwks) as { keys: JWK[] });
        inlineSets.set(source.jwks, set);
      }
      return set;
    }
    case "jwks-url":
      return jwksKeyGetter(source.url, budgetMs, now);
    case "none":
      return null;
  }
}

/**
 * Verifies a profile token. `now` is epoch ms (tests freeze it).
 *
 * @example
 * const r = await verifyProfile(readCookie(req, config.profileCookie), config, Date.now());
 * const profile = r.ok ? r.profile : null; // anonymous on any failure
 */
export async function verifyProfile(token: string | undefined, config: Config, now: number): Promise<ProfileResult> {
  if (!token) return { ok: false, code: "ABSENT" };
  // Size first: nothing over a browser's cookie cap is parsed at all.
  if (token.length > MAX_COOKIE_BYTES) return { ok: false, code: "TOO_LARGE" };
  const source = config.profileKeys;
  if (source.kind === "none") return { ok: false, code: "NO_KEY_CONFIGURED" };
  // Verified before under this very config: only its time rules can have changed (./verified-profiles.ts).
  const held = heldProfile(config, token, now, CLOCK_TOLERANCE_S);
  if (held) return { ok: true, profile: held };

  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return { ok: false, code: "MALFORMED" };
  }
  if (FORBIDDEN_HEADERS.some((h) => h in header)) return { ok: false, code: "FORBIDDEN_HEADER" };
  // Exactly one algorithm, compared case-sensitively: "none", "NONE", "noNE" and HS/RS swaps all fail here.
  if (header.alg !== source.alg) return { ok: false, code: "ALG_NOT_ALLOWED" };
  // Explicit typing (RFC 8725 §3.11): another JWT the site signs with this key is not a profile.
  if (typeof header.typ !== "string" || normalizeTyp(header.typ) !== config.profileTyp) return { ok: false, code: "TYP_NOT_ALLOWED" };
  // The config refuses a key without both (src/config/config.ts); never verify without them.
  if (!config.profileIssuer || !config.profileAudience) return { ok: false, code: "NO_KEY_CONFIGURED" };

  try {
    const key = keyFor(source, config.jwksBudgetMs, now);
    if (!key) return { ok: false, code: "NO_KEY_CONFIGURED" };
    const options = {
      algorithms: [source.alg],
      clockTolerance: CLOCK_TOLERANCE_S,
      maxTokenAge: config.profileMaxAgeS,
      requiredClaims: ["exp", "iat", "sub"],
      currentDate: new Date(now),
      issuer: config.profileIssuer,
      audience: config.profileAudience,
    };
    const { payload } =
      key instanceof Uint8Array ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options);
    const claims = v.safeParse(ProfileClaimsSchema, payload);
    if (!claims.success) return { ok: false, code: "CLAIMS_INVALID" };
    holdProfile(config, token, now, payload, claims.output);
    return { ok: true, profile: claims.output };
  } catch (err) {
    if (err instanceof errors.JOSEError) {
      const code = err.code as ProfileFailure;
      return { ok: false, code: KNOWN_JOSE_CODES.has(code) ? code : "ERR_OTHER" };
    }
    if (err instanceof Error && err.name === "JwksTimeout") return { ok: false, code: "ERR_JWKS_TIMEOUT" };
    return { ok: false, code: "ERR_OTHER" };
  }
}

const KNOWN_JOSE_CODES = new Set<ProfileFailure>([
  "ERR_JWT_EXPIRED",
  "ERR_JWT_CLAIM_VALIDATION_FAILED",
  "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
  "ERR_JWKS_NO_MATCHING_KEY",
  "ERR_JOSE_ALG_NOT_ALLOWED",
  "ERR_JWS_INVALID",
  "ERR_JWT_INVALID",
]);
