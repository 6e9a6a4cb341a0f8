/**
 * Editors' credential check, by a header only (never a cookie, so no request
 * another site makes can carry it):
 * - `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time (both sides
 *   are hashed first, so neither the comparison nor an early length mismatch says
 *   anything about the token);
 * - or `Cf-Access-Jwt-Assertion`, the JWT Cloudflare Access adds in front of the
 *   Worker: RS256, signed by the team's keys, issuer `https://<team>`, audience the
 *   application's AUD tag, not expired (60 s tolerance).
 */
import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import { jwksKeyGetter } from "../identity/jwks-cache.ts";
import type { AccessSettings, AdminSettings } from "../config/config.ts";

async function digest(s: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", new TextEncoder().encode(s));
}

/** Budget for fetching the team's certs (cached 10 min per isolate). */
const ACCESS_JWKS_BUDGET_MS = 2_000;

/**
 * True when the request carries `Authorization: Bearer <ADMIN_TOKEN>`.
 *
 * @example
 * if (!(await isEditor(c.req.raw, config.admin.adminToken))) return refuse("UNAUTHORIZED", "…");
 */
export async function isEditor(request: Request, adminToken: string | undefined): Promise<boolean> {
  if (!adminToken) return false;
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) return false;
  const [a, b] = await Promise.all([digest(match[1]!), digest(adminToken)]);
  return crypto.subtle.timingSafeEqual(a, b);
}

export type EditorCheck =
  | { ok: true; via: "token" | "access"; who: string }
  | { ok: false; reason: "missing" | "wrong-token" | "expired" | "access-invalid" | "not-configured"; message: string };

/**
 * Who the editor is, by bearer token or Access JWT.
 *
 * @example
 * const who = await checkEditor(c.req.raw, c.get("config").admin);
 * if (!who.ok) throw new P13nError("UNAUTHORIZED", who.message);
 */
export async function checkEditor(request: Request, settings: AdminSettings): Promise<EditorCheck> {
  const bearer = request.headers.get("authorization");
  const assertion = request.headers.get("cf-access-jwt-assertion");
  if (!settings.adminToken && !settings.access) {
    return { ok: false, reason: "not-configured", message: "no ADMIN_TOKEN or Access application is configured: the admin API is closed" };
  }
  if (bearer !== null) {
    if (await isEditor(request, settings.adminToken)) return { ok: true, via: "token", who: "token" };
    // A wrong bearer token is refused even when an Access assertion is also present: one credential, one answer.
    return { ok: false, reason: "wrong-token", message: "the bearer token is not valid" };
  }
  if (assertion !== null && settings.access) return verifyAccess(assertion, settings.access);
  return { ok: false, reason: "missing", message: "send Authorization: Bearer <ADMIN_TOKEN>, or sign in through Cloudflare Access" };
}

const localSets = new Map<string, JWTVerifyGetKey>();

function keysFor(access: AccessSettings): JWTVerifyGetKey {
  if (!access.jwks) return jwksKeyGetter(`https://${access.teamDomain}/cdn-cgi/access/certs`, ACCESS_JWKS_BUDGET_MS, Date.now());
  let set = localSets.get(access.jwks);
  if (!set) {
    set = createLocalJWKSet(JSON.parse(access.jwks) as JSONWebKeySet);
    localSets.set(access.jwks, set);
  }
  return set;
}

async function verifyAccess(token: string, access: AccessSettings): Promise<EditorCheck> {
  if (token.length > 8192) return { ok: false, reason: "access-invalid", message: "the Access assertion is too large" };
  try {
    const { payload } = await jwtVerify(token, keysFor(access), {
      algorithms: ["RS256"],
      issuer: `https://${access.teamDomain}`,
      audience: access.audience,
      clockTolerance: 60,
      requiredClaims: ["exp", "iat"],
    });
    const who = typeof payload.email === "string" ? payload.email : typeof payload.sub === "string" ? payload.sub : "access";
    return { ok: true, via: "access", who };
  } catch (err) {
    if (err instanceof errors.JWTExpired) return { ok: false, reason: "expired", message: "the Access session has expired: sign in again" };
    const code = (err as { code?: string }).code ?? "error";
    return { ok: false, reason: "access-invalid", message: `the Access assertion is not valid (${code.toLowerCase()})` };
  }
}
