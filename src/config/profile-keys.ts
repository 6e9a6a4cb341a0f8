/**
 * The profile cookie's key source and algorithm: exactly one source (a secret, an inline JWKS or
 * a JWKS URL) and one algorithm that fits it, so no HS/RS key confusion is possible; and the
 * issuer and audience every profile key requires.
 */
import { P13nError } from "../errors.ts";
import type { EnvVars } from "./schema.ts";

export type ProfileKeySource =
  | { kind: "secret"; alg: "HS256" | "HS384" | "HS512"; secret: string }
  | { kind: "jwks-inline"; alg: string; jwks: string }
  | { kind: "jwks-url"; alg: string; url: string }
  | { kind: "none" };

const ASYMMETRIC = new Set(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"]);
const SYMMETRIC = new Set(["HS256", "HS384", "HS512"]);

type KeyVars = Pick<EnvVars, "PROFILE_ALG" | "PROFILE_JWKS" | "PROFILE_JWKS_URL" | "PROFILE_SECRET">;

export function profileKeys(e: KeyVars): ProfileKeySource {
  const alg = e.PROFILE_ALG;
  if (e.PROFILE_JWKS || e.PROFILE_JWKS_URL) {
    const a = alg ?? "RS256";
    if (!ASYMMETRIC.has(a)) throw new P13nError("CONFIG_INVALID", `PROFILE_ALG ${a} is not an asymmetric algorithm; a JWKS needs one`);
    return e.PROFILE_JWKS ? { kind: "jwks-inline", alg: a, jwks: e.PROFILE_JWKS } : { kind: "jwks-url", alg: a, url: e.PROFILE_JWKS_URL! };
  }
  if (e.PROFILE_SECRET) {
    const a = alg ?? "HS256";
    if (!SYMMETRIC.has(a)) throw new P13nError("CONFIG_INVALID", `PROFILE_ALG ${a} does not fit PROFILE_SECRET; use HS256, HS384 or HS512`);
    return { kind: "secret", alg: a as "HS256", secret: e.PROFILE_SECRET };
  }
  return { kind: "none" };
}

/**
 * A profile key without an issuer and an audience would take any token the site signs with
 * that key (a session, a password-reset link) for a profile: refused, naming the fix.
 */
export function requireIssuerAndAudience(e: Pick<EnvVars, "PROFILE_ISSUER" | "PROFILE_AUDIENCE">, keys: ProfileKeySource): void {
  if (keys.kind === "none") return;
  const missing = [e.PROFILE_ISSUER ? null : "PROFILE_ISSUER", e.PROFILE_AUDIENCE ? null : "PROFILE_AUDIENCE"].filter((x) => x !== null);
  if (missing.length === 0) return;
  const source = keys.kind === "secret" ? "PROFILE_SECRET" : keys.kind === "jwks-inline" ? "PROFILE_JWKS" : "PROFILE_JWKS_URL";
  throw new P13nError(
    "CONFIG_INVALID",
    `${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} required when a profile key is configured (${source}): ` +
      `set ${missing.join(" and ")} in wrangler.toml [vars] to the \`iss\` and \`aud\` your backend signs into the profile cookie`,
  );
}

/**
 * A JWS `typ` compared as RFC 7515 §4.1.9 says: case-insensitively, "application/" optional.
 *
 * @example
 * normalizeTyp("application/P13N-Profile+JWT"); // "p13n-profile+jwt"
 */
export function normalizeTyp(typ: string): string {
  const t = typ.trim().toLowerCase();
  return t.startsWith("application/") && !t.slice("application/".length).includes("/") ? t.slice("application/".length) : t;
}
