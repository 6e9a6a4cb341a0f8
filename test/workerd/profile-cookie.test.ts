/**
 * Every bad profile cookie docs/reliability.md lists gives the anonymous page with
 * status 200; good ones (HS256 secret, inline JWKS, remote JWKS) are read.
 */
import { env } from "cloudflare:workers";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { getConfig } from "../../src/config/config.ts";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { verifyProfile } from "../../src/identity/profile.ts";
import { heldTokens, MAX_HELD_TOKENS } from "../../src/identity/verified-profiles.ts";
import { call } from "../fixtures/call.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";
import { AUDIENCE, ISSUER, profileToken, tamperPayload, tamperSignature, TYP, unsignedToken } from "../fixtures/tokens.ts";

const PAGE = `<main data-p13n-slot="hero">Default hero</main>`;
const origin = fixtureOrigin({ "/": () => html(PAGE) });
const GOLD = { tier: "gold", stage: "new" };

beforeEach(async () => {
  invalidateManifest(env.CONTENT);
  await publish(
    env.CONTENT,
    manifest({ hero: [{ id: "gold", html: "Gold hero", audience: { attr: "profile.tier", eq: "gold" } }] }),
  );
});

async function heroFor(cookieValue: string, bindings: Record<string, string> = {}) {
  const { res, body } = await call(origin.fetch, "/", { headers: { cookie: `p13n_profile=${cookieValue}` } }, bindings as never);
  return { status: res.status, personalized: body.includes("Gold hero"), timing: res.headers.get("server-timing") ?? "" };
}

describe("HS256 profile cookie", () => {
  it("accepts a valid token", async () => {
    expect(await heroFor(await profileToken({ claims: GOLD }))).toMatchObject({ status: 200, personalized: true });
  });

  const bad: Array<[string, () => Promise<string> | string, string]> = [
    ['alg "none"', () => unsignedToken("none"), "alg_not_allowed"],
    ['alg "NONE"', () => unsignedToken("NONE"), "alg_not_allowed"],
    ['alg "noNE"', () => unsignedToken("noNE"), "alg_not_allowed"],
    ["another HMAC algorithm (HS512)", () => profileToken({ claims: GOLD, alg: "HS512" }), "alg_not_allowed"],
    ["expired", () => profileToken({ claims: GOLD, expiresIn: -3600 }), "err_jwt_expired"],
    ["expired beyond the 60 s tolerance", () => profileToken({ claims: GOLD, expiresIn: -61 }), "err_jwt_expired"],
    ["no exp", () => profileToken({ claims: GOLD, omit: ["exp"] }), "err_jwt_claim_validation_failed"],
    ["no iat", () => profileToken({ claims: GOLD, omit: ["iat"] }), "err_jwt_claim_validation_failed"],
    ["no sub", () => profileToken({ claims: GOLD, omit: ["sub"] }), "err_jwt_claim_validation_failed"],
    ["older than maxTokenAge", () => profileToken({ claims: GOLD, issuedAgo: 86_400 + 120, expiresIn: 3600 }), "err_jwt_expired"],
    ["issued in the future", () => profileToken({ claims: GOLD, now: Date.now() + 3_600_000 }), "err_jwt_claim_validation_failed"],
    ["wrong issuer", () => profileToken({ claims: { ...GOLD, iss: "https://evil.example" }, omit: ["iss"] }), "err_jwt_claim_validation_failed"],
    ["no issuer", () => profileToken({ claims: GOLD, omit: ["iss"] }), "err_jwt_claim_validation_failed"],
    ["wrong audience", () => profileToken({ claims: { ...GOLD, aud: "someone-else" }, omit: ["aud"] }), "err_jwt_claim_validation_failed"],
    ["bad signature", async () => tamperSignature(await profileToken({ claims: GOLD })), "err_jws_signature_verification_failed"],
    ["payload changed after signing", async () => tamperPayload(await profileToken({ claims: { tier: "bronze" } }), { tier: "gold" }), "err_jws_signature_verification_failed"],
    ["signed with another secret", () => profileToken({ claims: GOLD, key: new TextEncoder().encode("another-secret-another-secret-another") }), "err_jws_signature_verification_failed"],
    ["jku header", () => profileToken({ claims: GOLD, header: { jku: "https://evil.example/jwks.json" } }), "forbidden_header"],
    ["x5u header", () => profileToken({ claims: GOLD, header: { x5u: "https://evil.example/cert.pem" } }), "forbidden_header"],
    ["over 4096 bytes", () => profileToken({ claims: { ...GOLD, pad: "x".repeat(4200) } }), "too_large"],
    ["not a JWT", () => "hello", "malformed"],
    ["garbage segments", () => "a.b.c", "malformed"],
    ["claims of the wrong shape", () => profileToken({ claims: { tier: "gold", stage: "ancient" } }), "claims_invalid"],
    // Another JWT the site signs with the same key (a session, an email link) is not a profile.
    ["typ JWT (any other token of the site)", () => profileToken({ claims: GOLD, header: { typ: "JWT" } }), "typ_not_allowed"],
    ["no typ", () => profileToken({ claims: GOLD, header: { typ: undefined } }), "typ_not_allowed"],
    ["another typ", () => profileToken({ claims: GOLD, header: { typ: "at+jwt" } }), "typ_not_allowed"],
  ];

  for (const [name, make, code] of bad) {
    it(`treats ${name} as anonymous (200, default content)`, async () => {
      const r = await heroFor(await make());
      expect(r).toMatchObject({ status: 200, personalized: false });
      expect(r.timing).toContain(code);
    });
  }
});

describe("the typ header (PROFILE_TYP)", () => {
  it("is compared as RFC 7515 says: case-insensitively, application/ optional", async () => {
    for (const typ of ["p13n-profile+jwt", "P13N-Profile+JWT", "application/p13n-profile+jwt"]) {
      expect(await heroFor(await profileToken({ claims: GOLD, header: { typ } }))).toMatchObject({ status: 200, personalized: true });
    }
  });

  it("is configurable: a backend that can only say JWT is accepted with PROFILE_TYP=JWT, and nothing else then", async () => {
    const bindings = { PROFILE_TYP: "JWT" };
    expect(await heroFor(await profileToken({ claims: GOLD, header: { typ: "JWT" } }), bindings)).toMatchObject({ personalized: true });
    const r = await heroFor(await profileToken({ claims: GOLD }), bindings);
    expect(r).toMatchObject({ status: 200, personalized: false });
    expect(r.timing).toContain("typ_not_allowed");
  });
});

describe("asymmetric keys", () => {
  const realFetch = globalThis.fetch;
  afterEach(() => {
    globalThis.fetch = realFetch;
  });

  async function rsa(kid: string) {
    const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
    return { privateKey, jwk };
  }

  const sign = (key: CryptoKey | Uint8Array, alg: string, kid: string, claims = GOLD) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ sub: "user-9", ...claims })
      .setProtectedHeader({ alg, kid, typ: TYP })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(key);
  };

  it("verifies against an inline JWKS, and refuses HS/RS key confusion", async () => {
    const { privateKey, jwk } = await rsa("k1");
    const bindings = { PROFILE_JWKS: JSON.stringify({ keys: [jwk] }), PROFILE_ALG: "RS256", PROFILE_SECRET: "" };
    expect(await heroFor(await sign(privateKey, "RS256", "k1"), bindings)).toMatchObject({ personalized: true });
    // The attacker signs HS256 with the public key's bytes as the HMAC secret.
    const confused = await sign(new TextEncoder().encode(JSON.stringify(jwk)), "HS256", "k1");
    const r = await heroFor(confused, bindings);
    expect(r).toMatchObject({ status: 200, personalized: false });
    expect(r.timing).toContain("alg_not_allowed");
  });

  // Issue 12, item 13: was "never for an unknown kid", which left a rotated-in key refused for
  // up to the cache's 10 minutes. Now: at most one refetch a minute, shared by a flood.
  it("after a key rotation, an unknown kid refetches the JWKS at most once a minute per isolate; a flood costs one fetch", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const t0 = Date.now();
      const old = await rsa("k-old");
      const rotated = await rsa("k-new");
      const { privateKey: forger } = await rsa("forged");
      const url = `https://id.example/rotating-${crypto.randomUUID()}.json`;
      let published = [old.jwk];
      let fetches = 0;
      globalThis.fetch = (async (input: RequestInfo | URL) => {
        if (String(input instanceof Request ? input.url : input) === url) {
          fetches++;
          return new Response(JSON.stringify({ keys: published }), { headers: { "content-type": "application/json" } });
        }
        return realFetch(input as RequestInfo);
      }) as typeof fetch;
      const bindings = { PROFILE_JWKS_URL: url, PROFILE_ALG: "RS256", PROFILE_SECRET: "" };
      const at = (s: number) => vi.setSystemTime(t0 + s * 1000);

      expect(await heroFor(await sign(old.privateKey, "RS256", "k-old"), bindings)).toMatchObject({ personalized: true });
      expect(fetches).toBe(1);

      // The issuer rotates in a new key; within a minute of our last fetch, its kid is refused.
      published = [old.jwk, rotated.jwk];
      at(30);
      const early = await heroFor(await sign(rotated.privateKey, "RS256", "k-new"), bindings);
      expect(early).toMatchObject({ status: 200, personalized: false });
      expect(early.timing).toContain("err_jwks_no_matching_key");
      expect(fetches).toBe(1);

      // A minute on: a flood of new and forged kids at once makes one fetch, and the new key works.
      at(61);
      const flood = await Promise.all([
        ...Array.from({ length: 25 }, async () => heroFor(await sign(rotated.privateKey, "RS256", "k-new"), bindings)),
        ...Array.from({ length: 25 }, async (_, i) => heroFor(await sign(forger, "RS256", `forged-${i}`), bindings)),
      ]);
      expect(fetches).toBe(2);
      expect(flood.slice(0, 25).every((r) => r.personalized)).toBe(true);
      expect(flood.slice(25).every((r) => r.status === 200 && !r.personalized)).toBe(true);

      // More unknown kids within that minute: refused, no fetch.
      at(90);
      for (let i = 0; i < 20; i++) {
        const r = await heroFor(await sign(forger, "RS256", `forged-late-${i}`), bindings);
        expect(r).toMatchObject({ status: 200, personalized: false });
      }
      expect(fetches).toBe(2);

      // The next minute allows the next one.
      at(122);
      await heroFor(await sign(forger, "RS256", "forged-next-minute"), bindings);
      expect(fetches).toBe(3);
    } finally {
      vi.useRealTimers();
    }
  });

  it("fetches a remote JWKS once, not again for unknown kids within the minute, and survives it being down", async () => {
    const { privateKey, jwk } = await rsa("k2");
    const { privateKey: otherKey } = await rsa("unknown");
    const url = `https://id.example/jwks-${crypto.randomUUID()}.json`;
    let fetches = 0;
    globalThis.fetch = (async (input: RequestInfo | URL) => {
      if (String(input instanceof Request ? input.url : input) === url) {
        fetches++;
        return new Response(JSON.stringify({ keys: [jwk] }), { headers: { "content-type": "application/json" } });
      }
      return realFetch(input as RequestInfo);
    }) as typeof fetch;
    const bindings = { PROFILE_JWKS_URL: url, PROFILE_ALG: "RS256", PROFILE_SECRET: "" };
    expect(await heroFor(await sign(privateKey, "RS256", "k2"), bindings)).toMatchObject({ personalized: true });
    for (let i = 0; i < 3; i++) {
      const r = await heroFor(await sign(otherKey, "RS256", `unknown-${i}`), bindings);
      expect(r).toMatchObject({ status: 200, personalized: false });
    }
    expect(fetches).toBe(1);

    const deadUrl = `https://id.example/dead-${crypto.randomUUID()}.json`;
    globalThis.fetch = (async () => {
      throw new TypeError("connection refused");
    }) as typeof fetch;
    const r = await heroFor(await sign(privateKey, "RS256", "k2"), { ...bindings, PROFILE_JWKS_URL: deadUrl });
    expect(r).toMatchObject({ status: 200, personalized: false });
    expect(r.timing).toContain("err_jwks_timeout");
  });
});

describe("a token verified once is held per isolate (src/identity/verified-profiles.ts), its time rules checked on every use", () => {
  const config = () => getConfig(env);
  const t0 = Date.now();

  it("a held token still expires: past exp and the 60 s tolerance it is refused, as jose refuses it", async () => {
    const token = await profileToken({ claims: GOLD, now: t0, expiresIn: 600 });
    expect(await verifyProfile(token, config(), t0)).toMatchObject({ ok: true });
    expect(await verifyProfile(token, config(), t0 + 600_000 + 59_000)).toMatchObject({ ok: true });
    expect(await verifyProfile(token, config(), t0 + 600_000 + 61_000)).toEqual({ ok: false, code: "ERR_JWT_EXPIRED" });
  });

  it("a held token still ages out: older than PROFILE_MAX_AGE_S (plus the tolerance), it is refused", async () => {
    const token = await profileToken({ claims: GOLD, now: t0, expiresIn: 10 * 86_400 });
    const maxAgeMs = config().profileMaxAgeS * 1000;
    expect(await verifyProfile(token, config(), t0)).toMatchObject({ ok: true });
    expect(await verifyProfile(token, config(), t0 + maxAgeMs + 61_000)).toEqual({ ok: false, code: "ERR_JWT_EXPIRED" });
  });

  it("a clock seen going back verifies again: a token not yet valid then is refused", async () => {
    const token = await profileToken({ claims: { ...GOLD, nbf: Math.floor(t0 / 1000) + 300 }, now: t0 });
    expect(await verifyProfile(token, config(), t0 + 400_000)).toMatchObject({ ok: true });
    expect(await verifyProfile(token, config(), t0)).toEqual({ ok: false, code: "ERR_JWT_CLAIM_VALIDATION_FAILED" });
  });

  it("is held under its config only: the same token under another PROFILE_TYP is refused", async () => {
    const token = await profileToken({ claims: GOLD });
    expect(await heroFor(token)).toMatchObject({ personalized: true });
    expect((await heroFor(token, { PROFILE_TYP: "JWT" })).timing).toContain("typ_not_allowed");
  });

  it("holds a bounded number of tokens, and no refused one", async () => {
    const c = config();
    for (let i = 0; i < 5; i++) await verifyProfile(tamperSignature(await profileToken({ claims: { ...GOLD, n: i } })), c, Date.now());
    const before = heldTokens(c);
    for (let i = 0; i < MAX_HELD_TOKENS + 20; i++) await verifyProfile(await profileToken({ claims: { ...GOLD, n: i } }), c, Date.now());
    expect(before).toBeLessThan(MAX_HELD_TOKENS);
    expect(heldTokens(c)).toBe(MAX_HELD_TOKENS);
  });
});
