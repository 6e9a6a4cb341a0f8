/**
 * Signed preview links: the link becomes a cookie and a clean URL; the page is
 * decided as the link's profile/context/version/forced variants, with the overlay;
 * never cached; never counted (no visitor state touched); an expired or forged
 * token changes nothing for the page.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { PREVIEW_COOKIE } from "../../src/preview/link.ts";
import { signPreview } from "../../src/preview/token.ts";
import { admin, clearKv } from "../fixtures/admin.ts";
import { call } from "../fixtures/call.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";
import { TEST_SECRETS } from "../fixtures/secrets.ts";
import { profileToken } from "../fixtures/tokens.ts";

const PAGE = `<!doctype html><html><head><title>Shop</title></head><body>
<section data-p13n-slot="hero"><h1>Default hero</h1></section>
<aside data-p13n-slot="promo">Default promo</aside>
</body></html>`;
const origin = () => fixtureOrigin({ "/": () => html(PAGE, { "cache-control": "public, max-age=600", etag: '"p1"' }), "/img.png": () => new Response("png", { headers: { "content-type": "image/png" } }) });
const UA = { "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0" };

const live = manifest(
  {
    hero: [
      { id: "gold", html: "<h1>Gold hero</h1>", priority: 10, audience: { attr: "profile.tier", eq: "gold" } },
      { id: "mobile", html: "<h1>Mobile hero</h1>", priority: 5, audience: { attr: "context.device", eq: "mobile" } },
    ],
    promo: [
      { id: "evening", html: "Evening promo", audience: { attr: "context.country", eq: "DE" } },
      { id: "calm", html: "Calm promo" },
    ],
  },
  { version: "live-1" },
);

const sign = (spec: unknown, ttlS = 600, now?: number) => signPreview(spec, TEST_SECRETS.ADMIN_TOKEN, { ttlS, ...(now ? { now } : {}) }).then((s) => s.token);
const withCookie = (token: string, extra: Record<string, string> = {}) => ({ headers: { ...UA, cookie: `${PREVIEW_COOKIE}=${token}`, ...extra } });

beforeEach(async () => {
  await clearKv(env.CONTENT);
  invalidateManifest(env.CONTENT);
  await publish(env.CONTENT, live);
});

describe("entering preview", () => {
  it("turns ?__p13n_preview=<token> into a cookie and a redirect to the clean URL", async () => {
    const token = await sign({ profile: { tier: "gold" } });
    const o = origin();
    const { res } = await call(o.fetch, `/?utm_source=x&__p13n_preview=${token}`, { headers: UA, redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/?utm_source=x");
    const set = res.headers.get("set-cookie") ?? "";
    expect(set).toMatch(new RegExp(`^${PREVIEW_COOKIE}=${token}; Max-Age=(59\\d|600); Path=/; Secure; HttpOnly; SameSite=Lax$`));
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(o.seen).toHaveLength(0); // the token never reaches the origin
  });

  it.each([
    ["a forged token", async () => (await sign({ profile: { tier: "gold" } })).slice(0, -3) + "AAA"],
    ["a token signed with another key", async () => (await signPreview({}, "another-secret", { ttlS: 600 })).token],
    ["an expired token", async () => sign({ profile: { tier: "gold" } }, 60, Date.now() - 3600_000)],
    ["'off'", async () => "off"],
  ])("with %s: redirects to the clean URL and clears the cookie", async (_name, make) => {
    const { res } = await call(origin().fetch, `/?__p13n_preview=${await make()}`, { headers: UA, redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/");
    expect(res.headers.get("set-cookie")).toMatch(new RegExp(`^${PREVIEW_COOKIE}=; Max-Age=0;`));
  });
});

describe("a preview page", () => {
  it("is decided as the link's profile, carries the overlay and the explain header, and is never cached", async () => {
    const { res, body } = await call(origin().fetch, "/", withCookie(await sign({ profile: { tier: "gold" }, context: { country: "DE" } })));
    expect(res.status).toBe(200);
    expect(body).toContain('data-p13n-variant="gold"><h1>Gold hero</h1>');
    expect(body).toContain('data-p13n-variant="evening">Evening promo');
    expect(body).toMatch(/<aside id="p13n-preview" aria-label="Personalization preview"[^>]*><details open><summary>Preview: tier gold · country DE<\/summary>/);
    expect(body).toContain("audience matched: profile.tier eq &quot;gold&quot;");
    expect(body.indexOf('id="p13n-preview"')).toBeLessThan(body.indexOf("</body>"));
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(res.headers.get("etag")).toBeNull();
    expect(res.headers.get("x-p13n-explain")).toBe("v=live-1; hero=gold; promo=evening");
    expect(res.headers.get("server-timing")).toContain('preview;dur=0.0;desc="v=live-1"');
  });

  it("uses the link's device and forced variants", async () => {
    const { body } = await call(origin().fetch, "/", withCookie(await sign({ context: { device: "mobile" }, variants: { promo: "calm" } })));
    expect(body).toContain("<h1>Mobile hero</h1>");
    expect(body).toContain('data-p13n-variant="calm">Calm promo');
    expect(body).toContain("forced by the preview link");
  });

  it("renders a staged, unpublished version while visitors keep the live one", async () => {
    const staged = manifest({ hero: [{ id: "next", html: "<h1>Next season</h1>" }] }, { version: "staged-2" });
    const r = await admin("POST", "/publish", { manifest: staged, activate: false });
    expect(r.res.status).toBe(201);
    const preview = await call(origin().fetch, "/", withCookie(await sign({ version: "staged-2" })));
    expect(preview.body).toContain("<h1>Next season</h1>");
    expect(preview.body).toContain("(not live)");
    const visitor = await call(origin().fetch, "/", { headers: UA });
    expect(visitor.body).not.toContain("Next season");
  });

  it("lets non-HTML responses through, still never cached", async () => {
    const { res, body } = await call(origin().fetch, "/img.png", withCookie(await sign({ profile: { tier: "gold" } })));
    expect(body).toBe("png");
    expect(res.headers.get("cache-control")).toBe("private, no-store");
  });

  it("is not counted: no visitor state is read or written, no client script injected", async () => {
    let touched = 0;
    const counting = new Proxy(env.VISITOR, {
      get(target, prop) {
        touched++;
        const v = Reflect.get(target, prop) as unknown;
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const profile = `p13n_profile=${await profileToken({ claims: { tier: "gold" } })}`;
    const preview = await call(origin().fetch, "/", { headers: { ...UA, cookie: `${profile}; ${PREVIEW_COOKIE}=${await sign({ profile: { tier: "gold" } })}` } }, { VISITOR: counting });
    expect(preview.body).toContain("Gold hero");
    expect(preview.body).not.toContain("/__p13n/client.js");
    expect(touched).toBe(0);
    // The same visitor without the preview cookie does touch their memory: the probe works.
    const normal = await call(origin().fetch, "/", { headers: { ...UA, cookie: profile } }, { VISITOR: counting });
    expect(normal.body).toContain("Gold hero");
    expect(touched).toBeGreaterThan(0);
  });

  it("ignores an expired or forged cookie: the visitor's own page, 200", async () => {
    const expired = await sign({ profile: { tier: "gold" } }, 60, Date.now() - 3600_000);
    for (const token of [expired, "garbage.token.here"]) {
      const { res, body } = await call(origin().fetch, "/", withCookie(token));
      expect(res.status).toBe(200);
      expect(body).toContain("Default hero");
      expect(body).not.toContain("p13n-preview");
      expect(res.headers.get("x-p13n-explain")).toBeNull();
    }
  });

  it("a normal page has no explain header", async () => {
    const { res } = await call(origin().fetch, "/", { headers: UA });
    expect(res.headers.get("x-p13n-explain")).toBeNull();
  });
});

describe("POST /__p13n/admin/preview-link", () => {
  it("signs a link the page path accepts", async () => {
    const { res, json } = await admin("POST", "/preview-link", { profile: { tier: "gold", stage: "new" }, path: "/", ttl: 900 });
    expect(res.status).toBe(200);
    const url = new URL(json.url as string);
    expect(url.origin).toBe("https://shop.example");
    const enter = await call(origin().fetch, url.pathname + url.search, { headers: UA, redirect: "manual" });
    const cookie = (enter.res.headers.get("set-cookie") ?? "").split(";")[0]!;
    const { body } = await call(origin().fetch, "/", { headers: { ...UA, cookie } });
    expect(body).toContain("Gold hero");
  });

  it("refuses an invalid profile with a clear 400", async () => {
    const { res, json } = await admin("POST", "/preview-link", { profile: { stage: "veteran" } });
    expect(res.status).toBe(400);
    expect(json.error?.message).toContain("profile.stage");
  });

  it("requires the editor's credential", async () => {
    const { res } = await admin("POST", "/preview-link", {}, { headers: { authorization: "" } });
    expect(res.status).toBe(401);
  });
});
