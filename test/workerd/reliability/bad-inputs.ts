/**
 * docs/reliability.md "Bad inputs tried — a clear error, or ignored, and nothing lost": one row
 * per bad input and per case each bullet names (each bad cookie form, each odd path form, each
 * hostile client's behaviour, each refused pattern and rule).
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { expect, inject } from "vitest";
import { POINTER_KEY } from "../../../src/content/keys.ts";
import { invalidateManifest } from "../../../src/content/manifest-store.ts";
import type { Manifest } from "../../../src/engine/types.ts";
import { PREVIEW_COOKIE } from "../../../src/preview/link.ts";
import { signPreview } from "../../../src/preview/token.ts";
import { DROPPED_GOAL } from "../../../src/results/tally.ts";
import { MAX_BEACON_BYTES } from "../../../src/visitor/beacon.ts";
import { admin } from "../../fixtures/admin.ts";
import { BASE, call, clientIp } from "../../fixtures/call.ts";
import { TOKENIZER_CASES } from "../../fixtures/corpus.ts";
import { manifest, promoExperiment, publish } from "../../fixtures/manifest.ts";
import { deleteMe, getMe, putMe, setCookies } from "../../fixtures/me.ts";
import { fakeNetwork } from "../../fixtures/network.ts";
import { fixtureOrigin, html, inChunks } from "../../fixtures/origin.ts";
import { TEST_SECRETS } from "../../fixtures/secrets.ts";
import { AUDIENCE, ISSUER, profileToken, TYP, unsignedToken } from "../../fixtures/tokens.ts";
import { beacon, countingNamespace, eventId, issuedVisitor, limiterWindows, NAVIGATION, newVisitor, storedEvents, visitorObject } from "../../fixtures/visitor.ts";
import { rows, type Row } from "./matrix.ts";
import { BROWSER, errorOf, expectAnonymousPage, goldCookie, GOLD_HERO, PAGE, PROMO, sameBytes, shop, withProfile } from "./support.ts";

const { limit: LIMIT, period: PERIOD_S } = inject("newVisitorLimit");
const GOLD = { tier: "gold", stage: "new" };
const SPOOFED = { ...NAVIGATION, "sec-fetch-user": "?1", accept: "text/html,application/xhtml+xml,*/*;q=0.8" };

/** A gold member's cookie made `bad` in one way: the page must be the anonymous one, with `reason` in Server-Timing. */
function badCookie(name: string, make: () => Promise<string> | string, reason: string): [string, () => Promise<void>] {
  return [`${name}: anonymous page, 200 (${reason})`, async () => expectAnonymousPage(await withProfile(shop(), await make()), reason)];
}

async function rsaKey(kid: string) {
  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" } };
}

function rs256(key: CryptoKey | Uint8Array, alg: string, kid: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: "user-rs", ...GOLD }).setProtectedHeader({ alg, kid, typ: TYP }).setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt(now).setExpirationTime(now + 600).sign(key);
}

/** Asserts what docs/reliability.md asks of every cookie we set. */
function expectOurCookie(set: string | undefined, name: string, maxBytes: number): void {
  expect(set, `no ${name} set`).toBeDefined();
  expect(set!.startsWith(`${name}=`)).toBe(true);
  expect(name.startsWith("__Host-")).toBe(true);
  for (const attr of ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"]) expect(set!.split("; ")).toContain(attr);
  expect(set).not.toMatch(/domain=/i);
  expect(new TextEncoder().encode(set!).length).toBeLessThan(maxBytes);
}


/** Publishes `m` (through KV, as the CLI does) and makes the isolate read it. */
async function use(m: Manifest): Promise<void> {
  await publish(env.CONTENT, m);
  invalidateManifest(env.CONTENT);
}

/** `path` as a client puts it on the request line: only ORIGIN_URL's host is asked, and a preview link there redirects on the site. */
function oddPath(name: string, rawPath: string): [string, () => Promise<void>] {
  return [
    `${name}: only ORIGIN_URL's host is fetched (the path stays a path), and a preview link there redirects on the site`,
    async () => {
      const net = fakeNetwork(() => html(PAGE));
      try {
        const { res, body } = await call(undefined, `${BASE}${rawPath}`, { headers: { cookie: "session=SECRET123", "sec-gpc": "1" } }, { ORIGIN_URL: "https://origin.internal:8443" });
        expect(res.status).toBe(200);
        expect(body).toContain("Default hero");
        expect(net.seen).toHaveLength(1);
        const asked = new URL(net.seen[0]!.url);
        expect(asked.origin).toBe("https://origin.internal:8443");
        expect(asked.pathname).toBe(new URL(`${BASE}${rawPath}`).pathname);
      } finally {
        net.restore();
      }
      const from = `${BASE}${rawPath}${rawPath.includes("?") ? "&" : "?"}__p13n_preview=x`;
      const { res } = await call(fixtureOrigin({}).fetch, from, { redirect: "manual" });
      expect(res.status).toBe(302);
      expect(new URL(res.headers.get("location")!, from).host).toBe("shop.example");
    },
  ];
}

/** `LEAF` nested n levels in `all` or `not`, built iteratively (the test must not recurse either). */
function nested(kind: "all" | "not", n: number): unknown {
  let r: unknown = { attr: "context.path", eq: "/" };
  for (let i = 0; i < n; i++) r = kind === "all" ? { all: [r] } : { not: r };
  return r;
}

/** Publishing a `matches` pattern that cannot run in linear time: 422 at the pattern's path, nothing written. */
function refusedPattern(name: string, pattern: string): [string, () => Promise<void>] {
  return [
    `${name} (${pattern}): refused at publish with 422 naming the field, nothing written`,
    async () => {
      const before = await env.CONTENT.get(POINTER_KEY);
      const m = manifest({ hero: [{ id: "a", html: "A", audience: { attr: "context.path", matches: pattern } }] }, { version: `bad-pattern-${crypto.randomUUID().slice(0, 6)}` });
      const { res, json } = await admin("POST", "/publish", { manifest: m });
      expect(res.status).toBe(422);
      expect((json.error?.issues as Array<{ path: unknown[] }>).map((i) => i.path.join("."))).toContain("manifest.slots.hero.variants.0.audience.matches");
      expect(await env.CONTENT.get(POINTER_KEY)).toBe(before);
    },
  ];
}

/** A rule nested past the cap: 422 from /validate and /publish, never a 500, nothing written. */
function tooDeep(kind: "all" | "not", n: number): [string, () => Promise<void>] {
  return [
    `a rule ${n.toLocaleString("en")} \`${kind}\` levels deep: 422 before anything recurses, never a 500, nothing written`,
    async () => {
      const before = await env.CONTENT.get(POINTER_KEY);
      const m = manifest({ hero: [{ id: "a", html: "A", audience: nested(kind, n) as never }] }, { version: `deep-${kind}` });
      for (const route of ["/validate", "/publish"]) {
        const { res, json } = await admin("POST", route, { manifest: m });
        expect(res.status, route).toBe(422);
        expect(json.error?.code).toBe("MANIFEST_INVALID");
      }
      expect(await env.CONTENT.get(POINTER_KEY)).toBe(before);
    },
  ];
}

const ACCESS_TEAM = "stride.cloudflareaccess.com";
const ACCESS_AUD = "aud-reliability-0123456789";

async function accessSetup() {
  const { privateKey, jwk } = await rsaKey("a1");
  const bindings = { ACCESS_TEAM_DOMAIN: ACCESS_TEAM, ACCESS_AUD, ACCESS_JWKS: JSON.stringify({ keys: [jwk] }) };
  const assertion = (aud: string) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ email: "editor@stride.example", type: "app" }).setProtectedHeader({ alg: "RS256", kid: "a1" }).setIssuer(`https://${ACCESS_TEAM}`).setAudience(aud).setSubject("editor-1").setIssuedAt(now).setExpirationTime(now + 600).sign(privateKey);
  };
  return { bindings, assertion };
}

/** Visitor-supplied strings an attacker would try to get run in a page. */
const HOSTILE = {
  script: "<script>alert(1)</script>",
  js: "javascript:alert(1)",
  attr: '"><img src=x onerror=alert(1)>',
};

export const BAD_INPUT_ROWS: Row[] = [
  ...rows("bad", "Profile cookie", [
    badCookie('alg "none"', () => unsignedToken("none"), "alg_not_allowed"),
    badCookie('alg "NONE"', () => unsignedToken("NONE"), "alg_not_allowed"),
    badCookie('alg "noNE"', () => unsignedToken("noNE"), "alg_not_allowed"),
    [
      "HS/RS key confusion (HS256 signed with the RSA public key's bytes): anonymous page, 200 (alg_not_allowed)",
      async () => {
        const { privateKey, jwk } = await rsaKey("k1");
        const bindings = { PROFILE_JWKS: JSON.stringify({ keys: [jwk] }), PROFILE_ALG: "RS256", PROFILE_SECRET: "" };
        expect((await withProfile(shop(), await rs256(privateKey, "RS256", "k1"), bindings)).body).toContain(GOLD_HERO);
        const confused = await rs256(new TextEncoder().encode(JSON.stringify(jwk)), "HS256", "k1");
        expectAnonymousPage(await withProfile(shop(), confused, bindings), "alg_not_allowed");
      },
    ],
    badCookie("no exp", () => profileToken({ claims: GOLD, omit: ["exp"] }), "err_jwt_claim_validation_failed"),
    badCookie("no iat", () => profileToken({ claims: GOLD, omit: ["iat"] }), "err_jwt_claim_validation_failed"),
    badCookie("older than maxTokenAge (PROFILE_MAX_AGE_S)", () => profileToken({ claims: GOLD, issuedAgo: 86_400 + 120 }), "err_jwt_expired"),
    [
      "expired 61 s ago, past the 60 s clock tolerance: anonymous page, 200 (err_jwt_expired); 30 s ago is within it",
      async () => {
        expectAnonymousPage(await withProfile(shop(), await profileToken({ claims: GOLD, expiresIn: -61 })), "err_jwt_expired");
        expect((await withProfile(shop(), await profileToken({ claims: GOLD, expiresIn: -30 }))).body).toContain(GOLD_HERO);
      },
    ],
    badCookie("another issuer", () => profileToken({ claims: { ...GOLD, iss: "https://evil.example" }, omit: ["iss"] }), "err_jwt_claim_validation_failed"),
    badCookie("another audience", () => profileToken({ claims: { ...GOLD, aud: "another-app" }, omit: ["aud"] }), "err_jwt_claim_validation_failed"),
    [
      "unknown kids (issue 12 item 13: a remote JWKS refetch at most once a minute): 30 forged kids cost one fetch, every page anonymous",
      async () => {
        const { jwk } = await rsaKey("real");
        const { privateKey: forger } = await rsaKey("forged");
        const url = `https://id.example/kids-${crypto.randomUUID()}.json`;
        const net = fakeNetwork(() => new Response(JSON.stringify({ keys: [jwk] }), { headers: { "content-type": "application/json" } }));
        try {
          const bindings = { PROFILE_JWKS_URL: url, PROFILE_ALG: "RS256", PROFILE_SECRET: "" };
          for (let i = 0; i < 30; i++) expectAnonymousPage(await withProfile(shop(), await rs256(forger, "RS256", `forged-${i}`), bindings), "err_jwks_no_matching_key");
          expect(net.seen.filter((r) => r.url === url)).toHaveLength(1);
          expect(net.seen.filter((r) => r.url !== url)).toEqual([]);
        } finally {
          net.restore();
        }
      },
    ],
    [
      "a jku header: never followed (no request leaves), anonymous page, 200 (forbidden_header)",
      async () => {
        const net = fakeNetwork(() => new Response("{}"));
        try {
          expectAnonymousPage(await withProfile(shop(), await profileToken({ claims: GOLD, header: { jku: "https://evil.example/jwks.json" } })), "forbidden_header");
          expect(net.seen).toEqual([]);
        } finally {
          net.restore();
        }
      },
    ],
    [
      "an x5u header: never followed (no request leaves), anonymous page, 200 (forbidden_header)",
      async () => {
        const net = fakeNetwork(() => new Response("{}"));
        try {
          expectAnonymousPage(await withProfile(shop(), await profileToken({ claims: GOLD, header: { x5u: "https://evil.example/cert.pem" } })), "forbidden_header");
          expect(net.seen).toEqual([]);
        } finally {
          net.restore();
        }
      },
    ],
    badCookie("over 4096 bytes (refused before parsing)", () => profileToken({ claims: { ...GOLD, pad: "x".repeat(4200) } }), "too_large"),
  ]),

  ...rows("bad", "Cookies we set", [
    [
      "__Host-p13n_vid: __Host-, Secure, HttpOnly, SameSite=Lax, Path=/, no Domain, under 256 bytes",
      async () => {
        const { res } = await call(shop().fetch, "/", { headers: BROWSER });
        expectOurCookie(res.headers.getSetCookie().find((c) => c.startsWith("__Host-p13n_vid=")), "__Host-p13n_vid", 256);
      },
    ],
    [
      "__Host-p13n_consent (the visitor's own choice): the same attributes, under 256 bytes",
      async () => {
        const { cookie } = await newVisitor(shop());
        const put = await putMe(cookie, { track: false });
        expect(put.res.status).toBe(200);
        expectOurCookie(setCookies(put.res).find((c) => c.startsWith("__Host-p13n_consent=")), "__Host-p13n_consent", 256);
      },
    ],
    [
      "__Host-p13n_preview (an editor's preview link): the same attributes, under 4 KB with a full profile",
      async () => {
        const { token } = await signPreview({ profile: { tier: "gold", stage: "new", attrs: { city: "Lyon" } }, context: { device: "mobile" } }, TEST_SECRETS.ADMIN_TOKEN, { ttlS: 600 });
        const { res } = await call(fixtureOrigin({}).fetch, `/?__p13n_preview=${token}`, { redirect: "manual" });
        expect(res.status).toBe(302);
        expectOurCookie(setCookies(res).find((c) => c.startsWith(`${PREVIEW_COOKIE}=`)), PREVIEW_COOKIE, 2048);
      },
    ],
    [
      "clearing them (erasure): the same attributes with Max-Age=0, so the browser drops exactly ours",
      async () => {
        const { cookie } = await newVisitor(shop());
        const del = await deleteMe(cookie);
        const cleared = setCookies(del.res).find((c) => c.startsWith("__Host-p13n_vid="));
        expectOurCookie(cleared, "__Host-p13n_vid", 256);
        expect(cleared).toContain("Max-Age=0");
      },
    ],
  ]),

  ...rows("bad", "HTML", [
    [
      `malformed markup: the html5lib tokenizer corpus (every 20th of ${TOKENIZER_CASES.length} inputs; all of them in byte-identity.test.ts) after a filled slot, byte for byte`,
      async () => {
        await use(manifest({ probe: [{ id: "v", html: "VARIANT" }] }, { version: "reliability-corpus" }));
        const SLOT = '<div data-p13n-slot="probe">default</div>';
        const FILLED = '<div data-p13n-slot="probe" data-p13n-variant="v">VARIANT</div>';
        const failures: string[] = [];
        for (let i = 0; i < TOKENIZER_CASES.length; i += 20) {
          const c = TOKENIZER_CASES[i]!;
          const bytes = new TextEncoder().encode(SLOT + c.input);
          const { bytes: out } = await call(async () => new Response(bytes, { headers: { "content-type": "text/html; charset=utf-8" } }), "/", { headers: { "sec-gpc": "1" } });
          if (!sameBytes(out, new TextEncoder().encode(FILLED + c.input))) failures.push(`${c.file}: ${c.description}`);
        }
        expect(failures).toEqual([]);
      },
      60_000,
    ],
    [
      "ambiguous markup that makes the strict parser bail (<select><xmp><script>), sent in chunks: the whole page, slots before it filled",
      async () => {
        const page = `<html><body><aside data-p13n-slot="promo">Default promo</aside>${"<p>filler</p>".repeat(300)}<select><xmp><script>"use strict";</script></select><section data-p13n-slot="hero">Default hero</section><p>end</p></body></html>`;
        const origin = fixtureOrigin({ "/": () => new Response(inChunks(page, 1024), { headers: { "content-type": "text/html" } }) });
        const { res, body } = await call(origin.fetch, "/", { headers: { "sec-gpc": "1" } });
        expect(res.status).toBe(200);
        expect(body).toBe(page.replace('<aside data-p13n-slot="promo">Default promo</aside>', `<aside data-p13n-slot="promo" data-p13n-variant="all"><b>${PROMO}</b></aside>`));
      },
    ],
    [
      "multi-megabyte attributes split across chunks (2 MiB on a slot, on the elements around it): the page whole, the slot filled",
      async () => {
        const huge = "x".repeat(2 * 1024 * 1024);
        const page = `<html><body><div data-big="${huge}"></div><aside data-p13n-slot="promo" data-props="${huge}">Default promo</aside><p title="${huge}">end</p></body></html>`;
        const origin = fixtureOrigin({ "/": () => new Response(inChunks(page), { headers: { "content-type": "text/html" } }) });
        const { res, body } = await call(origin.fetch, "/", { headers: { "sec-gpc": "1" } });
        expect(res.status).toBe(200);
        expect(body).toBe(page.replace(`data-props="${huge}">Default promo`, `data-props="${huge}" data-p13n-variant="all"><b>${PROMO}</b>`));
      },
    ],
    [
      "a start tag past the parser's own buffer (3 MiB, in chunks): the page whole, the slot before it filled, the ones after at their defaults",
      async () => {
        const huge = "x".repeat(3 * 1024 * 1024);
        const page = `<html><body><aside data-p13n-slot="promo">Default promo</aside><div data-big="${huge}"></div><section data-p13n-slot="hero">Default hero</section></body></html>`;
        const origin = fixtureOrigin({ "/": () => new Response(inChunks(page), { headers: { "content-type": "text/html" } }) });
        const { res, body } = await call(origin.fetch, "/", { headers: { "sec-gpc": "1", cookie: await goldCookie() } });
        expect(res.status).toBe(200);
        expect(body).toBe(page.replace('<aside data-p13n-slot="promo">Default promo</aside>', `<aside data-p13n-slot="promo" data-p13n-variant="all"><b>${PROMO}</b></aside>`));
      },
    ],
    [
      "an unclosed slot: replaced up to where its parent ends, what follows kept",
      async () => {
        const page = '<html><body><main><aside data-p13n-slot="promo">default<b>x</b></main><footer>kept</footer></body></html>';
        const { body } = await call(fixtureOrigin({ "/": () => html(page) }).fetch, "/", { headers: { "sec-gpc": "1" } });
        expect(body).toBe(`<html><body><main><aside data-p13n-slot="promo" data-p13n-variant="all"><b>${PROMO}</b></main><footer>kept</footer></body></html>`);
      },
    ],
    [
      "nested slots: the outer one replaced whole (the inner goes with it); an inner slot in a default outer is filled",
      async () => {
        const outerFilled = '<html><body><aside data-p13n-slot="promo">o<section data-p13n-slot="hero">i</section>t</aside></body></html>';
        const a = await call(fixtureOrigin({ "/": () => html(outerFilled) }).fetch, "/", { headers: { "sec-gpc": "1", cookie: await goldCookie() } });
        expect(a.body).toBe(`<html><body><aside data-p13n-slot="promo" data-p13n-variant="all"><b>${PROMO}</b></aside></body></html>`);
        const innerOnly = '<html><body><section data-p13n-slot="hero">o<aside data-p13n-slot="promo">i</aside>t</section></body></html>';
        const b = await call(fixtureOrigin({ "/": () => html(innerOnly) }).fetch, "/", { headers: { "sec-gpc": "1" } });
        expect(b.body).toBe(`<html><body><section data-p13n-slot="hero">o<aside data-p13n-slot="promo" data-p13n-variant="all"><b>${PROMO}</b></aside>t</section></body></html>`);
      },
    ],
  ]),

  ...rows("bad", "Visitor data in pages", [
    [
      "hostile profile claims and query (<script>, javascript:, an attribute break-out): never written into the page",
      async () => {
        const cookie = `p13n_profile=${await profileToken({ claims: { ...GOLD, sub: "hostile-1", attrs: { name: HOSTILE.script, site: HOSTILE.js, q: HOSTILE.attr } } })}`;
        const { res, body } = await call(shop().fetch, `/?utm_source=${encodeURIComponent(HOSTILE.script)}&q=${encodeURIComponent(HOSTILE.attr)}`, { headers: { ...BROWSER, cookie, referer: `https://evil.example/${HOSTILE.attr}` } });
        expect(res.status).toBe(200);
        expect(body).toContain(GOLD_HERO);
        for (const s of Object.values(HOSTILE)) expect(body).not.toContain(s);
        expect(body).not.toContain("alert(1)");
      },
    ],
    [
      "the preference page shows the visitor's data only as escaped text: hostile claims, a hostile cart SKU, a path with quotes",
      async () => {
        const o = shop({ "/it's&more": () => html(PAGE) });
        const { cookie } = await newVisitor(o);
        const profile = `p13n_profile=${await profileToken({ claims: { ...GOLD, sub: `hostile-${crypto.randomUUID()}`, attrs: { name: HOSTILE.script, site: HOSTILE.js, q: HOSTILE.attr } } })}`;
        const both = `${cookie}; ${profile}`;
        await call(o.fetch, "/it's&more", { headers: { ...BROWSER, cookie: both } });
        expect((await beacon({ events: [{ id: eventId(), type: "cart", action: "add", sku: '<img src=x onerror=alert(2)>"' }] }, both)).res.status).toBe(200);
        const page = await getMe(both, { accept: "text/html" });
        expect(page.res.headers.get("content-type")).toContain("text/html");
        const body = page.body;
        expect(body).not.toContain("<script>alert");
        expect(body).not.toContain("<img src=x");
        expect(body).not.toMatch(/href="javascript:/i);
        expect(body).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
        expect(body).toContain("&lt;img src=x onerror=alert(2)&gt;&quot;");
        // The page's own scripts only (CSP script-src 'self'): no inline script at all.
        expect([...body.matchAll(/<script\b[^>]*>/g)].every((m) => /src="\/__p13n\//.test(m[0]))).toBe(true);
      },
    ],
  ]),

  ...rows("bad", "Editor uploads", [
    [
      "schema-validated: a manifest with a bad id and an unknown field → 422 listing each field's path, nothing written",
      async () => {
        const before = await env.CONTENT.get(POINTER_KEY);
        const m = { ...manifest({ hero: [{ id: "a", html: "x" }] }, { version: "schema-bad" }), slots: { hero: { variants: [{ id: "a b", html: "x" }] } }, extra: 1 };
        const { res, json } = await admin("POST", "/publish", { manifest: m });
        expect(res.status).toBe(422);
        const paths = (json.error?.issues as Array<{ path: unknown[] }>).map((i) => i.path.join("."));
        expect(paths).toContain("manifest.slots.hero.variants.0.id");
        expect(paths).toContain("manifest.extra");
        expect(await env.CONTENT.get(POINTER_KEY)).toBe(before);
      },
    ],
    [
      "size-limited: a manifest declaring over 5 MiB → 413 unread; one streamed past 5 MiB → 413 after about the limit",
      async () => {
        const declared = await admin("POST", "/publish", undefined, { raw: JSON.stringify({ manifest: { padding: "x".repeat(5 * 1024 * 1024 + 10) } }) });
        expect(declared.res.status).toBe(413);
        const chunk = new TextEncoder().encode("x".repeat(1024 * 1024));
        let pulled = 0;
        const stream = new ReadableStream<Uint8Array>({ pull: (c) => (pulled++ < 10 ? c.enqueue(chunk) : c.close()) });
        const streamed = await admin("POST", "/publish", undefined, { raw: stream });
        expect(streamed.res.status).toBe(413);
        expect(pulled).toBeLessThan(10);
      },
    ],
    [
      "size-limited: a fragment over 1 MiB → 422 at its path",
      async () => {
        const { res, json } = await admin("POST", "/publish", { manifest: manifest({ hero: [{ id: "huge", html: "x".repeat(1024 * 1024 + 1) }] }, { version: "big-fragment" }) });
        expect(res.status).toBe(422);
        expect(json.error?.path).toEqual(["manifest", "slots", "hero", "variants", 0, "html"]);
      },
    ],
    [
      "keys ≤ 512 B: a version id of 600 characters is refused (publish 422, rollback 400), the pointer unchanged",
      async () => {
        const before = await env.CONTENT.get(POINTER_KEY);
        const long = "v".repeat(600);
        const pub = await admin("POST", "/publish", { manifest: manifest({ hero: [{ id: "a", html: "A" }] }, { version: long }) });
        expect(pub.res.status).toBe(422);
        const back = await admin("POST", "/rollback", { version: long });
        expect(back.res.status).toBe(400);
        expect(await env.CONTENT.get(POINTER_KEY)).toBe(before);
      },
    ],
    [
      "fragments sanitized at publish: script, on* handlers and javascript: URLs removed and reported; the page serves the clean fragment",
      async () => {
        const dirty = '<p>Hello</p><img src="/a.png" onerror="alert(1)"><script>alert(2)</script><a href="javascript:alert(3)">x</a>';
        const { res, json } = await admin("POST", "/publish", { manifest: manifest({ promo: [{ id: "dirty", html: dirty }] }, { version: `sanitize-${crypto.randomUUID().slice(0, 6)}` }) });
        expect(res.status).toBe(201);
        expect((json.sanitized as unknown[]).length).toBeGreaterThan(0);
        const { body } = await call(shop().fetch, "/", { headers: { "sec-gpc": "1" } });
        expect(body).toContain("<p>Hello</p>");
        expect(body).not.toMatch(/onerror|<script>alert|javascript:/);
      },
    ],
    [
      "errors name the field (the admin API's path; file:line:field is the CLI's, test/node/content): an unknown segment → 422 at its path",
      async () => {
        const m = manifest({ hero: [{ id: "a", html: "A", audience: { segment: "gld" } }] }, { version: "bad-segment", segments: { gold: { attr: "profile.tier", eq: "gold" } } });
        const { res, json } = await admin("POST", "/validate", { manifest: m });
        expect(res.status).toBe(422);
        expect(json.error?.path).toEqual(["manifest", "slots", "hero", "variants", 0, "audience", "segment"]);
        expect(json.error?.message).toMatch(/gld/);
      },
    ],
  ]),

  ...rows("bad", "Beacons", [
    [
      "over 64 KiB: 413 by its declared length, and by counting a body without one; nothing written",
      async () => {
        const { cookie, id } = await newVisitor(shop());
        const big = JSON.stringify({ events: [{ id: eventId(), type: "custom", name: "pad", props: { p: "x".repeat(200) } }], pad: "x".repeat(MAX_BEACON_BYTES) });
        expect((await beacon(big, cookie)).res.status).toBe(413);
        const streamed = await call(shop().fetch, "/__p13n/events", { method: "POST", headers: { "content-type": "text/plain", cookie, origin: BASE }, body: inChunks(big, 8192), duplex: "half" } as RequestInit);
        expect(streamed.res.status).toBe(413);
        expect((await storedEvents(`vid:${id}`)).filter((e) => e.type === "custom")).toEqual([]);
      },
    ],
    [
      "schema-validated: not JSON → 400 MALFORMED_JSON; one bad event in a batch refuses only itself, naming its field",
      async () => {
        const { cookie, id } = await newVisitor(shop());
        const bad = await beacon("{events:[", cookie);
        expect(bad.res.status).toBe(400);
        expect(errorOf(bad).code).toBe("MALFORMED_JSON");
        const good = { id: eventId(), type: "click", slot: "hero" };
        const mixed = await beacon({ events: [good, { id: eventId(), type: "cart", action: "steal" }] }, cookie);
        expect(mixed.res.status).toBe(200);
        const answer = JSON.parse(mixed.body) as { accepted: number; refused: number; results: Array<{ status: string; message?: string }> };
        expect(answer).toMatchObject({ accepted: 1, refused: 1 });
        expect(answer.results[1]!.message).toMatch(/^events\.1\.action: /);
        expect((await storedEvents(`vid:${id}`)).filter((e) => e.type === "click").map((e) => e.id)).toEqual([good.id]);
      },
    ],
    [
      "the visitor comes only from the verified cookie: ids in the body are ignored, a forged cookie is 401",
      async () => {
        const o = shop();
        const me = await newVisitor(o);
        const victim = await newVisitor(o);
        const before = (await storedEvents(`vid:${victim.id}`)).length;
        const sent = await beacon({ visitorId: victim.id, vid: victim.id, sub: "someone", events: [{ id: eventId(), type: "click", slot: "hero" }] }, me.cookie);
        expect(sent.res.status).toBe(200);
        expect((await storedEvents(`vid:${victim.id}`)).length).toBe(before);
        expect((await storedEvents(`vid:${me.id}`)).filter((e) => e.type === "click")).toHaveLength(1);
        const forged = await beacon({ events: [{ id: eventId(), type: "click", slot: "hero" }] }, `__Host-p13n_vid=${victim.id}.${"A".repeat(43)}`);
        expect(forged.res.status).toBe(401);
        expect((await storedEvents(`vid:${victim.id}`)).length).toBe(before);
      },
    ],
    [
      "rate-limited: past BEACON_RATE_PER_MIN, 429 with Retry-After and nothing of the batch written",
      async () => {
        const { cookie, id } = await newVisitor(shop());
        const batch = () => ({ events: Array.from({ length: 45 }, () => ({ id: eventId(), type: "click", slot: "hero" })) });
        const rate = { BEACON_RATE_PER_MIN: "60" };
        expect((await beacon(batch(), cookie, {}, rate)).res.status).toBe(200);
        const over = await beacon(batch(), cookie, {}, rate);
        expect(over.res.status).toBe(429);
        expect(Number(over.res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
        expect((await storedEvents(`vid:${id}`)).filter((e) => e.type === "click")).toHaveLength(45);
      },
    ],
    [
      "no credentialed wildcard CORS: no Access-Control-* header on the answer or a preflight; another origin's beacon is 403",
      async () => {
        const { cookie } = await newVisitor(shop());
        const ok = await beacon({ events: [{ id: eventId(), type: "click", slot: "hero" }] }, cookie);
        const preflight = await call(shop().fetch, "/__p13n/events", { method: "OPTIONS", headers: { origin: "https://evil.example", "access-control-request-method": "POST" } });
        for (const r of [ok.res, preflight.res]) for (const [k] of r.headers) expect(k).not.toMatch(/^access-control-/);
        const cross = await beacon({ events: [{ id: eventId(), type: "click", slot: "hero" }] }, cookie, { origin: "https://evil.example" });
        expect(cross.res.status).toBe(403);
        expect(errorOf(cross).code).toBe("CROSS_SITE");
      },
    ],
  ]),

  ...rows("bad", "Paths and URLs", [
    oddPath("//host/", "//evil.example/anything"),
    oddPath("///host/", "///evil.example/anything"),
    oddPath("/\\host/", "/\\evil.example/anything"),
    oddPath("//user:pw@host/", "//user:pw@evil.example/anything"),
    oddPath("/%2F%2Fhost/ (percent-encoded slashes)", "/%2F%2Fevil.example/anything"),
    oddPath("/%5Chost/ (percent-encoded backslash)", "/%5Cevil.example/anything"),
    oddPath("an 8 KB path after //host/", `//evil.example/${"a".repeat(8 * 1024)}`),
  ]),

  ...rows("bad", "Hostile clients", [
    [
      `a script that ignores cookies (spoofed navigations, 3 × the limit from one address): at most NEW_VISITORS' ids, no object touched, every page 200`,
      async () => {
        const o = shop();
        const ip = clientIp();
        const { ns, calls } = countingNamespace();
        const ids = new Set<string>();
        const started = Date.now();
        for (let i = 0; i < LIMIT * 3; i++) {
          const got = await call(o.fetch, "/", { headers: { ...SPOOFED, "cf-connecting-ip": ip } }, { VISITOR: ns });
          expect(got.res.status).toBe(200);
          const issued = issuedVisitor(got.res);
          if (issued) ids.add(issued.id);
        }
        expect(ids.size).toBeGreaterThan(0);
        expect(ids.size).toBeLessThanOrEqual(LIMIT * limiterWindows(started, Date.now(), PERIOD_S));
        expect(calls.stubs).toBe(0);
      },
      60_000,
    ],
    [
      "a script that replays one cookie: one visitor, one object, every page in it",
      async () => {
        const o = shop({ "/about": () => html(PAGE) });
        const first = issuedVisitor((await call(o.fetch, "/", { headers: SPOOFED })).res)!;
        const { ns, calls } = countingNamespace();
        for (let i = 0; i < 10; i++) await call(o.fetch, "/about", { headers: { ...SPOOFED, cookie: first.cookie, "cf-connecting-ip": clientIp() } }, { VISITOR: ns });
        expect(new Set(calls.names)).toEqual(new Set([`vid:${first.id}`]));
        expect((await storedEvents(`vid:${first.id}`)).filter((e) => e.type === "view")).toHaveLength(10);
      },
    ],
    [
      "a script that spoofs Sec-Fetch-*: a spoofed navigation without our cookie creates nothing; a page fetched as `image` with the cookie does no visitor work",
      async () => {
        const o = shop();
        const { cookie } = await newVisitor(o);
        const { ns, calls } = countingNamespace();
        const nav = await call(o.fetch, "/", { headers: SPOOFED }, { VISITOR: ns });
        expect(nav.res.status).toBe(200);
        const img = await call(o.fetch, "/", { headers: { "sec-fetch-dest": "image", "sec-fetch-mode": "no-cors", accept: "image/*", cookie } }, { VISITOR: ns });
        expect(img.body).toBe(PAGE);
        expect(calls.stubs).toBe(0);
      },
    ],
    [
      "a beacon flood: 100 without our cookie → 401, no object, no id spent; with the cookie, 429 past the rate",
      async () => {
        const ip = clientIp();
        const { ns, calls } = countingNamespace();
        for (let i = 0; i < 100; i++) {
          const r = await beacon({ events: [{ id: eventId(), type: "click", slot: "hero" }] }, null, { "cf-connecting-ip": ip }, { VISITOR: ns });
          expect(r.res.status).toBe(401);
          expect(r.res.headers.get("set-cookie")).toBeNull();
        }
        expect(calls.stubs).toBe(0);
        expect(issuedVisitor((await call(shop().fetch, "/", { headers: { ...SPOOFED, "cf-connecting-ip": ip } })).res)).not.toBeNull();
        const { cookie } = await newVisitor(shop());
        const statuses: number[] = [];
        for (let i = 0; i < 6; i++) statuses.push((await beacon({ events: Array.from({ length: 20 }, () => ({ id: eventId(), type: "click", slot: "hero" })) }, cookie, {}, { BEACON_RATE_PER_MIN: "60" })).res.status);
        expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
        expect(statuses.slice(3)).toEqual([429, 429, 429]);
      },
    ],
    [
      "a PUT /me flood without a cookie: within the limit, ids; past it, 429 and nothing created",
      async () => {
        for (let attempt = 0; attempt < 3; attempt++) {
          const ip = clientIp();
          const window = Math.floor(Date.now() / (PERIOD_S * 1000));
          const { ns, calls } = countingNamespace();
          const statuses: number[] = [];
          for (let i = 0; i < LIMIT + 5; i++) statuses.push((await putMe(null, { topics: ["running"] }, { "cf-connecting-ip": ip }, { VISITOR: ns })).res.status);
          if (Math.floor(Date.now() / (PERIOD_S * 1000)) !== window) continue; // the limiter's window rolled over meanwhile
          expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(LIMIT);
          expect(statuses.slice(-5)).toEqual([429, 429, 429, 429, 429]);
          // One object per id issued, none for the refused ones.
          expect(new Set(calls.names).size).toBe(statuses.filter((s) => s === 200).length);
          return;
        }
        throw new Error("the limiter's window rolled over three times in a row");
      },
      60_000,
    ],
    [
      "forged first-page exposures (another arm, another visitor's token) are refused; a replayed token counts once",
      async () => {
        const id = `forge-${crypto.randomUUID().slice(0, 8)}`;
        await use(
          promoExperiment(id, { version: `forge-${id}`, html: "<b>Bold</b>" }),
        );
        const first = async () => {
          const page = await call(shop().fetch, "/", { headers: SPOOFED });
          return { ...issuedVisitor(page.res)!, token: /data-p13n-x="([^"]+)"/.exec(page.body)![1]! };
        };
        const a = await first();
        const b = await first();
        const arm = /~(control|bold)~/.exec(a.token)![1]!;
        const otherArm = a.token.replace(`~${arm}~`, `~${arm === "bold" ? "control" : "bold"}~`);
        const exposureOf = async (x: string, cookie: string) => (JSON.parse((await beacon({ x, events: [] }, cookie)).body) as { exposure?: { status: string } }).exposure?.status;
        expect(await exposureOf(otherArm, a.cookie)).toBe("refused");
        expect(await exposureOf(a.token, b.cookie)).toBe("refused");
        const statuses = [];
        for (let i = 0; i < 20; i++) statuses.push(await exposureOf(a.token, a.cookie));
        expect(statuses[0]).toBe("accepted");
        expect(statuses.slice(1).every((s) => s === "duplicate")).toBe(true);
        const units = await runInDurableObject(visitorObject(`vid:${a.id}`), (_o, state) => state.storage.sql.exec<{ experiment: string; arm: string }>("SELECT experiment, arm FROM xp_units").toArray());
        expect(units).toEqual([{ experiment: id, arm }]);
        const bUnits = await runInDurableObject(visitorObject(`vid:${b.id}`), (_o, state) => state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name = 'xp_units'").toArray());
        expect(bUnits).toEqual([]);
      },
    ],
    [
      "invented goals: 100 goal names from one exposed visitor are recorded as dropped, adding no goal rows",
      async () => {
        const id = `goals-${crypto.randomUUID().slice(0, 8)}`;
        await use(
          promoExperiment(id, { version: `goals-${id}`, html: "<b>Bold</b>", goal: "purchase", goals: ["purchase"] }),
        );
        const { cookie, id: vid } = await newVisitor(shop());
        for (let b = 0; b < 2; b++) {
          const events = Array.from({ length: 50 }, (_, i) => ({ id: eventId(), type: "conversion", goal: `invented-${b}-${i}` }));
          const r = await beacon({ events }, cookie, {}, { BEACON_RATE_PER_MIN: "1000" });
          expect(r.res.status).toBe(200);
          expect((JSON.parse(r.body) as { results: Array<{ notes?: Array<{ code: string }> }> }).results.every((x) => x.notes?.[0]?.code === "UNDECLARED_GOAL")).toBe(true);
        }
        const goals = await runInDurableObject(visitorObject(`vid:${vid}`), (_o, state) => state.storage.sql.exec<{ goal: string }>("SELECT DISTINCT goal FROM xp_outbox").toArray().map((r) => r.goal));
        expect(new Set(goals)).toEqual(new Set(["", DROPPED_GOAL]));
      },
    ],
  ]),

  ...rows("bad", "Editor-supplied patterns and rules", [
    refusedPattern("a lookahead", "^/(?=checkout)"),
    refusedPattern("a lookbehind", "(?<!/)checkout"),
    refusedPattern("a backreference", "^/(\\w+)/\\1$"),
    [
      "a pattern that backtracks catastrophically in JavaScript (^/(a+)+$) runs on RE2: a hostile 200-character path answers, other visitors' pages too",
      async () => {
        const m = manifest({ promo: [{ id: "as", html: "<b>As</b>", audience: { attr: "context.path", matches: "^/(a+)+$" } }] }, { version: "re2-nested" });
        expect((await admin("POST", "/publish", { manifest: m })).res.status).toBe(201);
        const hostile = `/${"a".repeat(200)}!`;
        const o = fixtureOrigin({ [hostile]: () => html(PAGE), "/aaaa": () => html(PAGE), "/": () => html(PAGE) });
        const pages = await Promise.all([
          ...Array.from({ length: 10 }, () => call(o.fetch, hostile, { headers: { "sec-gpc": "1" } })),
          ...Array.from({ length: 10 }, () => call(o.fetch, "/aaaa", { headers: { "sec-gpc": "1" } })),
        ]);
        expect(pages.every((p) => p.res.status === 200)).toBe(true);
        expect(pages.slice(0, 10).every((p) => p.body.includes("Default promo"))).toBe(true);
        expect(pages.slice(10).every((p) => p.body.includes('data-p13n-variant="as"'))).toBe(true);
      },
    ],
    [
      "a wildcard with many stars (page mapping and TEMPLATE_BYPASS) on an 8,000-character path: answered, linear time",
      async () => {
        const STARS = "/*-*-*-*-*-*-*-*x";
        await use(manifest({ promo: [{ id: "all", html: "<b>A</b>" }] }, { version: "glob-stars", pages: [{ pattern: STARS, category: "hostile", topics: [] }] }));
        const hostile = `/${"-".repeat(8000)}`;
        const o = fixtureOrigin({ [hostile]: () => html(PAGE, { "cache-control": "public, max-age=60" }), "/": () => html(PAGE) });
        const { cookie } = await newVisitor(o);
        const got = await call(o.fetch, hostile, { headers: { ...BROWSER, cookie } }, { TEMPLATE_BYPASS: `/checkout/*, ${STARS}` });
        expect(got.res.status).toBe(200);
        expect(got.body).toContain("<b>A</b>");
      },
    ],
    tooDeep("all", 2000),
    tooDeep("not", 3000),
  ]),

  ...rows("bad", "Admin API", [
    [
      "no credential: 401 UNAUTHORIZED with WWW-Authenticate",
      async () => {
        const { res, json } = await admin("GET", "/versions", undefined, { headers: { authorization: "" } });
        expect(res.status).toBe(401);
        expect(json.error?.code).toBe("UNAUTHORIZED");
        expect(res.headers.get("www-authenticate")).toContain("Bearer");
      },
    ],
    [
      "a wrong bearer token (one character off, compared in constant time), a short one, another scheme: 401",
      async () => {
        const right = TEST_SECRETS.ADMIN_TOKEN;
        for (const authorization of [`Bearer ${right.slice(0, -1)}X`, "Bearer x", `Basic ${btoa(right)}`, "Bearer "]) {
          expect((await admin("GET", "/versions", undefined, { headers: { authorization } })).res.status, authorization).toBe(401);
        }
        expect((await admin("GET", "/versions")).res.status).toBe(200);
      },
    ],
    [
      "a Cloudflare Access assertion for another audience: 401; for ours: 200",
      async () => {
        const { bindings, assertion } = await accessSetup();
        const as = async (token: string) => (await admin("GET", "/versions", undefined, { headers: { authorization: "", "cf-access-jwt-assertion": token }, bindings })).res.status;
        expect(await as(await assertion("someone-elses-app"))).toBe(401);
        expect(await as(await assertion(ACCESS_AUD))).toBe(200);
      },
    ],
    [
      "JSON only: a form-encoded or multipart publish with a valid token → 415, nothing written",
      async () => {
        const before = await env.CONTENT.get(POINTER_KEY);
        for (const type of ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"]) {
          const { res } = await admin("POST", "/publish", undefined, { raw: "manifest=%7B%7D", headers: { "content-type": type } });
          expect(res.status, type).toBe(415);
        }
        expect(await env.CONTENT.get(POINTER_KEY)).toBe(before);
      },
    ],
    [
      "a cross-site form post (no credential, form type, another site) and a cross-site JSON post with the token: 403, nothing written",
      async () => {
        const before = await env.CONTENT.get(POINTER_KEY);
        const form = await admin("POST", "/publish", undefined, { raw: "manifest=x", headers: { authorization: "", "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "cross-site", origin: "https://evil.example" } });
        expect(form.res.status).toBe(403);
        const json = await admin("POST", "/rollback", {}, { headers: { "sec-fetch-site": "cross-site" } });
        expect(json.res.status).toBe(403);
        expect(await env.CONTENT.get(POINTER_KEY)).toBe(before);
      },
    ],
  ]),
];
