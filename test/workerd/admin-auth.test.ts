/**
 * Who may use the admin API: the bearer token (constant-time compared) or a
 * Cloudflare Access JWT with the right issuer, audience and key, unexpired.
 * Missing, wrong and expired credentials get 401 with a stable code.
 */
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { admin } from "../fixtures/admin.ts";

const TEAM = "stride.cloudflareaccess.com";
const AUD = "aud-0123456789abcdef";
let accessKey: CryptoKey;
let otherKey: CryptoKey;
let access: Record<string, string>;

beforeAll(async () => {
  const pair = await generateKeyPair("RS256", { extractable: true });
  const other = await generateKeyPair("RS256", { extractable: true });
  accessKey = pair.privateKey;
  otherKey = other.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  access = { ACCESS_TEAM_DOMAIN: TEAM, ACCESS_AUD: AUD, ACCESS_JWKS: JSON.stringify({ keys: [jwk] }) };
});

async function accessJwt(opts: { aud?: string; iss?: string; expiresIn?: number; key?: CryptoKey; iatAgo?: number } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ email: "editor@stride.example", type: "app" })
    .setProtectedHeader({ alg: "RS256", kid: "k1" })
    .setIssuer(opts.iss ?? `https://${TEAM}`)
    .setAudience(opts.aud ?? AUD)
    .setSubject("editor-1")
    .setIssuedAt(now - (opts.iatAgo ?? 0))
    .setExpirationTime(now + (opts.expiresIn ?? 600))
    .sign(opts.key ?? accessKey);
}

describe("bearer token", () => {
  it("refuses a request without credentials: 401, UNAUTHORIZED, WWW-Authenticate", async () => {
    const { res, json } = await admin("GET", "/versions", undefined, { headers: { authorization: "" } });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
    expect(json.error?.code).toBe("UNAUTHORIZED");
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it.each([
    ["a wrong token", "Bearer test-admin-token-0123456789abcdeX"],
    ["a short token", "Bearer x"],
    ["the token in another scheme", "Basic dGVzdA=="],
    ["an empty bearer", "Bearer "],
  ])("refuses %s", async (_name, authorization) => {
    const { res, json } = await admin("GET", "/versions", undefined, { headers: { authorization } });
    expect(res.status).toBe(401);
    expect(json.error?.code).toBe("UNAUTHORIZED");
  });

  it("accepts the right token", async () => {
    const { res } = await admin("GET", "/versions");
    expect(res.status).toBe(200);
  });

  it("is closed when no ADMIN_TOKEN and no Access application are configured", async () => {
    const { res, json } = await admin("GET", "/versions", undefined, { bindings: { ADMIN_TOKEN: "" } });
    expect(res.status).toBe(401);
    expect(json.error?.message).toContain("closed");
  });
});

describe("Cloudflare Access JWT", () => {
  const asAccess = async (token: string, bindings: Record<string, unknown> = access) =>
    admin("GET", "/versions", undefined, { headers: { authorization: "", "cf-access-jwt-assertion": token }, bindings });

  it("accepts a valid assertion for the configured audience", async () => {
    const { res } = await asAccess(await accessJwt());
    expect(res.status).toBe(200);
  });

  it("refuses an expired assertion and says so", async () => {
    const { res, json } = await asAccess(await accessJwt({ expiresIn: -120, iatAgo: 3600 }));
    expect(res.status).toBe(401);
    expect(json.error?.message).toContain("expired");
  });

  it.each([
    ["another application's audience", { aud: "someone-elses-app" }],
    ["another issuer", { iss: "https://evil.cloudflareaccess.com" }],
  ])("refuses %s", async (_name, opts) => {
    const { res, json } = await asAccess(await accessJwt(opts));
    expect(res.status).toBe(401);
    expect(json.error?.code).toBe("UNAUTHORIZED");
  });

  it("refuses an assertion signed by another key", async () => {
    const { res } = await asAccess(await accessJwt({ key: otherKey }));
    expect(res.status).toBe(401);
  });

  it("ignores the header when Access is not configured", async () => {
    const { res } = await asAccess(await accessJwt(), {});
    expect(res.status).toBe(401);
  });

  it("a wrong bearer token is refused even beside a valid assertion", async () => {
    const { res } = await admin("GET", "/versions", undefined, {
      headers: { authorization: "Bearer wrong", "cf-access-jwt-assertion": await accessJwt() },
      bindings: access,
    });
    expect(res.status).toBe(401);
  });
});
