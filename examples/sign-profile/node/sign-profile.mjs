// Mint the p13n_profile cookie in your Node backend (jose). Run: node sign-profile.mjs
//
// HS256 with PROFILE_SECRET (the same value as the Worker's secret), or ES256/RS256 with
// your own key pair and a JWKS route the Worker reads (PROFILE_JWKS_URL): see README.md here.
import { SignJWT, exportJWK, generateKeyPair } from "jose";

export const COOKIE = "p13n_profile"; // the Worker's PROFILE_COOKIE
export const TYP = "p13n-profile+jwt"; // the Worker's PROFILE_TYP: only tokens minted for it pass as profiles

/** The claims the Worker reads (README "The profile cookie"). Only what rules need: no PII. */
export function profileClaims(user) {
  return {
    tier: user.tier, // e.g. "gold"
    stage: user.stage, // "new" | "developing" | "established"
    prefs: { topics: user.topics ?? [], channels: user.channels ?? [], frequency: user.frequency ?? "normal" },
    consent: { personalize: user.consent?.personalize ?? true, track: user.consent?.track ?? true },
    attrs: user.attrs ?? {}, // your own scalars: { subscribed: true }
  };
}

/**
 * HS256, signed with PROFILE_SECRET.
 * @example const token = await signProfile(user, { secret: process.env.PROFILE_SECRET, issuer: "https://www.example.com", audience: "p13n-edge" });
 */
export async function signProfile(user, { secret, issuer, audience, ttlSeconds = 3600 }) {
  return new SignJWT(profileClaims(user))
    .setProtectedHeader({ alg: "HS256", typ: TYP })
    .setSubject(String(user.id)) // a stable, opaque id: not an email
    .setIssuer(issuer) // PROFILE_ISSUER
    .setAudience(audience) // PROFILE_AUDIENCE
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(new TextEncoder().encode(secret));
}

/**
 * ES256 (or RS256) with a private key and its `kid`: the Worker verifies with the public key
 * from your JWKS route (PROFILE_JWKS_URL, PROFILE_ALG=ES256). Rotate by adding a new key to
 * the JWKS first, signing with it later (see README.md).
 */
export async function signProfileWithKey(user, { privateKey, kid, alg = "ES256", issuer, audience, ttlSeconds = 3600 }) {
  return new SignJWT(profileClaims(user))
    .setProtectedHeader({ alg, kid, typ: TYP })
    .setSubject(String(user.id))
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(privateKey);
}

/** The body of your JWKS route (e.g. GET /.well-known/p13n-jwks.json): public keys only, current and previous. */
export async function jwksDocument(keys) {
  return { keys: await Promise.all(keys.map(async ({ publicKey, kid, alg = "ES256" }) => ({ ...(await exportJWK(publicKey)), kid, alg, use: "sig" }))) };
}

/** The Set-Cookie header value: sent by your site, read only by the Worker (HttpOnly). */
export function profileSetCookie(token, ttlSeconds = 3600) {
  return `${COOKIE}=${token}; Path=/; Max-Age=${ttlSeconds}; Secure; HttpOnly; SameSite=Lax`;
}

/** On sign-out: the same attributes, expired. */
export const profileClearCookie = `${COOKIE}=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax`;

// Run directly: print a Set-Cookie for a sample gold customer, and a JWKS with a fresh key pair.
if (import.meta.url === `file://${process.argv[1]}`) {
  const user = { id: "cust-1042", tier: "gold", stage: "new", topics: ["running"], attrs: { subscribed: true } };
  const secret = process.env.PROFILE_SECRET ?? "dev-only-profile-secret-7f3a9c1e5b2d4086a1f9e3c7b5d20846";
  const token = await signProfile(user, { secret, issuer: process.env.PROFILE_ISSUER ?? "https://demo-shop.example", audience: process.env.PROFILE_AUDIENCE ?? "p13n-edge" });
  console.log(`Set-Cookie: ${profileSetCookie(token)}`);
  const { publicKey } = await generateKeyPair("ES256", { extractable: true });
  console.log(JSON.stringify(await jwksDocument([{ publicKey, kid: "2026-11" }]), null, 2));
}
