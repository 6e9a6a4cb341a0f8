/**
 * Editors' credential check, by a header only (never a cookie, so no request
 * another site makes can carry it):
 * - `Authorization: Bearer <token>`: ADMIN_TOKEN (the publisher `admin`) or one of ADMIN_TOKENS'
 *   named tokens (src/config/admin-tokens.ts), compared in constant time: the presented token is
 *   hashed and its hash compared with every configured token's, all of them, so neither the time
 *   taken nor an early length mismatch says anything about a token or which one was close;
 * - or `Cf-Access-Jwt-Assertion`, the JWT Cloudflare Access adds in front of the
 *   Worker: RS256, signed by the team's keys, issuer `https://<team>`, audience the
 *   application's AUD tag, not expired (60 s tolerance). Its email is the editor's name; a
 *   publisher when ACCESS_PUBLISHERS lists it (or says `*`), else an editor.
 *
 * Access puts its assertion on every request that carries the `CF_Authorization` cookie: it is
 * ambient, like any cookie. `ambient` says so (the cookie, and no header credential of the
 * client's own: a service token or `cf-access-token`), for the admin guard's host rule.
 */
import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import { jwksKeyGetter } from "../identity/jwks-cache.ts";
import type { AccessSettings, AdminSettings } from "../config/config.ts";
import { sha256Hex, tokenHashes, type Role } from "../config/admin-tokens.ts";
import { readCookie } from "../cookies.ts";
import type { Editor } from "../editors/editor.ts";

export type { Editor } from "../editors/editor.ts";

/** Budget for fetching the team's certs (cached 10 min per isolate). */
const ACCESS_JWKS_BUDGET_MS = 2_000;
/** The cookie Cloudflare Access keeps its session in. */
export const ACCESS_COOKIE = "CF_Authorization";

const hexBytes = (hex: string): Uint8Array => new Uint8Array(hex.match(/../g)!.map((h) => parseInt(h, 16)));

export type EditorCheck =
  | ({ ok: true } & Editor)
  | { ok: false; reason: "missing" | "wrong-token" | "expired" | "access-invalid" | "not-configured"; message: string };

/**
 * The named token a request's bearer token is, or undefined. Every configured hash is compared.
 *
 * @example
 * const t = await bearerToken(c.req.raw, config.admin); // { name: "alice", role: "publisher" } | undefined
 */
export async function bearerToken(request: Request, settings: AdminSettings): Promise<{ name: string; role: Role } | undefined> {
  if (settings.tokens.length === 0) return undefined;
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S{1,1024})$/i.exec(header);
  if (!match) return undefined;
  const [presented, known] = await Promise.all([sha256Hex(match[1]!), tokenHashes(settings.tokens)]);
  const mine = hexBytes(presented);
  let found = -1;
  // No early exit: the loop takes the same time whichever token matched, or none.
  for (let i = 0; i < known.length; i++) {
    if (crypto.subtle.timingSafeEqual(mine, hexBytes(known[i]!)) && found < 0) found = i;
  }
  const t = found >= 0 ? settings.tokens[found] : undefined;
  return t ? { name: t.name, role: t.role } : undefined;
}

/**
 * True when the request carries any editor's bearer token (for routes that show editors more).
 *
 * @example
 * if (await isEditor(c.req.raw, config.admin)) body.explain = reasons;
 */
export async function isEditor(request: Request, settings: AdminSettings): Promise<boolean> {
  return (await bearerToken(request, settings)) !== undefined;
}

/** A credential the client itself put in a header for Access (a service token, `cloudflared access`). */
function headerAccessCredential(request: Request): boolean {
  return request.headers.has("cf-access-client-id") || request.headers.has("cf-access-token");
}

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
  if (settings.tokens.length === 0 && !settings.access) {
    return { ok: false, reason: "not-configured", message: "no ADMIN_TOKEN, ADMIN_TOKENS or Access application is configured: the admin API is closed" };
  }
  if (bearer !== null) {
    const token = await bearerToken(request, settings);
    if (token) return { ok: true, who: token.name, role: token.role, via: "token", ambient: false };
    // A wrong bearer token is refused even when an Access assertion is also present: one credential, one answer.
    return { ok: false, reason: "wrong-token", message: "the bearer token is not valid" };
  }
  if (assertion !== null && settings.access) {
    const checked = await verifyAccess(assertion, settings.access);
    if (!checked.ok) return checked;
    const publisher = settings.accessPublishers === null || settings.accessPublishers.test(checked.who.toLowerCase());
    const ambient = readCookie(request, ACCESS_COOKIE) !== undefined && !headerAccessCredential(request);
    return { ok: true, who: checked.who, role: publisher ? "publisher" : "editor", via: "access", ambient };
  }
  return { ok: false, reason: "missing", message: "send Authorization: Bearer <your admin token>, or sign in through Cloudflare Access" };
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

async function verifyAccess(token: string, access: AccessSettings): Promise<{ ok: true; who: string } | Extract<EditorCheck, { ok: false }>> {
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
    return { ok: true, who };
  } catch (err) {
    if (err instanceof errors.JWTExpired) return { ok: false, reason: "expired", message: "the Access session has expired: sign in again" };
    const code = (err as { code?: string }).code ?? "error";
    return { ok: false, reason: "access-invalid", message: `the Access assertion is not valid (${code.toLowerCase()})` };
  }
}
