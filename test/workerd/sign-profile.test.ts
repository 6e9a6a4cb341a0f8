/**
 * The Node signing snippet a site's backend copies (examples/sign-profile/node/) against the
 * real Worker: its HS256 token (PROFILE_SECRET) and its ES256 token with a `kid` verified
 * through the JWKS document it serves (here inline as PROFILE_JWKS; PROFILE_JWKS_URL reads the
 * same document) each get the gold page; its cookie carries the attributes the README names.
 */
import { generateKeyPair } from "jose";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { jwksDocument, profileSetCookie, signProfile, signProfileWithKey } from "../../examples/sign-profile/node/sign-profile.mjs";
import { call } from "../fixtures/call.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";
import { TEST_SECRETS } from "../fixtures/secrets.ts";
import { AUDIENCE, ISSUER } from "../fixtures/tokens.ts";

const origin = fixtureOrigin({ "/": () => html('<main><div data-p13n-slot="hero"><h1>Welcome</h1></div></main>') });
const USER = { id: "cust-1042", tier: "gold", stage: "new" as const, topics: ["running"], attrs: { subscribed: true } };

beforeEach(async () => {
  invalidateManifest(env.CONTENT);
  await publish(
    env.CONTENT,
    manifest({ hero: [{ id: "gold-new", html: "<h1>Gold welcome</h1>", audience: { all: [{ attr: "profile.tier", eq: "gold" }, { attr: "profile.stage", eq: "new" }, { attr: "profile.attrs.subscribed", eq: true }] } }] }),
  );
});

/** The cookie as the browser sends it back: name=value from the Set-Cookie header. */
const cookieOf = (setCookie: string) => setCookie.split(";")[0]!;

describe("the Node snippet's profile cookie", () => {
  it("HS256 with PROFILE_SECRET: the Worker verifies it and personalizes for the tier", async () => {
    const token = await signProfile(USER, { secret: TEST_SECRETS.PROFILE_SECRET, issuer: ISSUER, audience: AUDIENCE });
    const setCookie = profileSetCookie(token);
    expect(setCookie).toMatch(/^p13n_profile=[\w-]+\.[\w-]+\.[\w-]+; Path=\/; Max-Age=3600; Secure; HttpOnly; SameSite=Lax$/);
    const { res, body } = await call(origin.fetch, "/", { headers: { cookie: cookieOf(setCookie) } });
    expect(res.headers.get("server-timing")).toContain('profile;dur=');
    expect(res.headers.get("server-timing")).toContain('desc="verified"');
    expect(body).toContain('data-p13n-variant="gold-new"');
  });

  it("signed with another secret, it is refused: the anonymous page", async () => {
    const token = await signProfile(USER, { secret: "not-the-workers-secret-0123456789abcdef", issuer: ISSUER, audience: AUDIENCE });
    const { res, body } = await call(origin.fetch, "/", { headers: { cookie: cookieOf(profileSetCookie(token)) } });
    expect(res.status).toBe(200);
    expect(body).not.toContain("data-p13n-variant");
  });

  it("ES256 with a kid, verified through the JWKS the backend serves (a rotation: old and new key both listed)", async () => {
    const previous = await generateKeyPair("ES256", { extractable: true });
    const current = await generateKeyPair("ES256", { extractable: true });
    const jwks = await jwksDocument([
      { publicKey: current.publicKey, kid: "2026-11" },
      { publicKey: previous.publicKey, kid: "2026-10" },
    ]);
    expect(JSON.stringify(jwks)).not.toContain('"d"'); // public keys only
    const bindings = { PROFILE_JWKS: JSON.stringify(jwks), PROFILE_ALG: "ES256" };
    for (const [key, kid] of [[current.privateKey, "2026-11"], [previous.privateKey, "2026-10"]] as const) {
      const token = await signProfileWithKey(USER, { privateKey: key, kid, issuer: ISSUER, audience: AUDIENCE });
      const { body } = await call(origin.fetch, "/", { headers: { cookie: cookieOf(profileSetCookie(token)) } }, bindings);
      expect(body, kid).toContain('data-p13n-variant="gold-new"');
    }
    // A key that is not in the JWKS (retired, or never published) is refused.
    const stranger = await generateKeyPair("ES256", { extractable: true });
    const token = await signProfileWithKey(USER, { privateKey: stranger.privateKey, kid: "2026-09", issuer: ISSUER, audience: AUDIENCE });
    const { body } = await call(origin.fetch, "/", { headers: { cookie: cookieOf(profileSetCookie(token)) } }, bindings);
    expect(body).not.toContain("data-p13n-variant");
  });
});
