/**
 * The page path end to end inside workerd: slots rewritten per profile,
 * headers that keep personalized pages out of shared caches, the visitor id.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { POINTER_KEY } from "../../src/content/keys.ts";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { clientScriptTag } from "../../src/routes/client-script.ts";
import { call } from "../fixtures/call.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";
import { profileToken, tamperSignature } from "../fixtures/tokens.ts";

const PAGE = `<!doctype html><html><head><title>Shop</title></head><body>
<header>Stride</header>
<section data-p13n-slot="home-hero"><h1>Welcome to Stride</h1></section>
<aside data-p13n-slot="newsletter">Sign up</aside>
<footer>© Stride</footer>
</body></html>`;

const origin = () =>
  fixtureOrigin({
    "/": () => html(PAGE, { "cache-control": "public, max-age=60", etag: '"v1"', "last-modified": "Mon, 02 Nov 2026 10:00:00 GMT" }),
  });

const cookie = async (claims: Record<string, unknown>) => `p13n_profile=${await profileToken({ claims })}`;

beforeEach(async () => {
  invalidateManifest(env.CONTENT);
  await publish(
    env.CONTENT,
    manifest({
      "home-hero": [
        { id: "gold-new", html: "<h1>Gold welcome</h1>", priority: 20, audience: { all: [{ attr: "profile.tier", eq: "gold" }, { attr: "profile.stage", eq: "new" }] } },
        { id: "gold", html: "<h1>Gold member offers</h1>", priority: 10, audience: { attr: "profile.tier", eq: "gold" } },
        { id: "mobile", html: "<h1>Shop on the go</h1>", priority: 5, audience: { attr: "context.device", eq: "mobile" } },
      ],
    }),
  );
});

describe("slots per profile", () => {
  it("gives a gold/new visitor the highest-priority matching variant", async () => {
    const { res, body } = await call(origin().fetch, "/", { headers: { cookie: await cookie({ tier: "gold", stage: "new" }) } });
    expect(res.status).toBe(200);
    expect(body).toContain('<section data-p13n-slot="home-hero" data-p13n-variant="gold-new"><h1>Gold welcome</h1></section>');
    // A slot without a decision keeps the origin's content.
    expect(body).toContain('<aside data-p13n-slot="newsletter">Sign up</aside>');
  });

  it("gives a gold/established visitor the gold variant", async () => {
    const { body } = await call(origin().fetch, "/", { headers: { cookie: await cookie({ tier: "gold", stage: "established" }) } });
    expect(body).toContain('data-p13n-variant="gold"><h1>Gold member offers</h1>');
  });

  it("leaves an anonymous desktop visitor the default content", async () => {
    const { body } = await call(origin().fetch, "/", { headers: { "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0" } });
    expect(body).toContain('<section data-p13n-slot="home-hero"><h1>Welcome to Stride</h1></section>');
    expect(body).not.toContain("data-p13n-variant");
  });

  it("uses request context: a mobile visitor gets the mobile variant", async () => {
    const ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148";
    const { body } = await call(origin().fetch, "/", { headers: { "user-agent": ua } });
    expect(body).toContain('data-p13n-variant="mobile"><h1>Shop on the go</h1>');
  });

  it("treats a tampered cookie as anonymous, with status 200", async () => {
    const token = tamperSignature(await profileToken({ claims: { tier: "gold", stage: "new" } }));
    const { res, body } = await call(origin().fetch, "/", { headers: { cookie: `p13n_profile=${token}` } });
    expect(res.status).toBe(200);
    expect(body).toContain("<h1>Welcome to Stride</h1>");
    expect(res.headers.get("server-timing")).toContain('profile;dur=');
    expect(res.headers.get("server-timing")).toContain("err_jws_signature_verification_failed");
  });

  it("leaves everything outside slots byte for byte (but the client script tag before </body>)", async () => {
    const { body } = await call(origin().fetch, "/", { headers: { cookie: await cookie({ tier: "gold", stage: "new" }) } });
    const expected = PAGE.replace(
      '<section data-p13n-slot="home-hero"><h1>Welcome to Stride</h1></section>',
      '<section data-p13n-slot="home-hero" data-p13n-variant="gold-new"><h1>Gold welcome</h1></section>',
    ).replace("</body>", `${clientScriptTag()}</body>`);
    expect(body).toBe(expected);
  });
});

/** The client script only on personalized pages, as production's [vars] say. */
const PRODUCTION_SCRIPT = { CLIENT_SCRIPT: "personalized" };

describe("caching headers", () => {
  it("marks a personalized page private, no-store, without validators", async () => {
    const { res } = await call(origin().fetch, "/", { headers: { cookie: await cookie({ tier: "gold", stage: "new" }) } });
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(res.headers.get("etag")).toBeNull();
    expect(res.headers.get("last-modified")).toBeNull();
    expect(res.headers.get("server-timing")).toMatch(/origin;dur=.*profile;dur=.*manifest;dur=.*decide;dur=/);
  });

  it("a page that was not personalized while a manifest is published: no validators, private, no-cache; the origin's word for CDNs", async () => {
    const existing = await callWithVisitorCookie();
    // CLIENT_SCRIPT as in production ([env.dev] injects it on every page, for the demo shop's cart buttons).
    const { res } = await call(origin().fetch, "/", { headers: { cookie: existing, "user-agent": "Mozilla/5.0 (X11; Linux x86_64)" } }, PRODUCTION_SCRIPT);
    // Issue 16 (no stale defaults): the next visit may be personalized; nothing to revalidate into.
    expect(res.headers.get("cache-control")).toBe("private, no-cache");
    expect(res.headers.get("etag")).toBeNull();
    expect(res.headers.get("last-modified")).toBeNull();
    expect(res.headers.get("cdn-cache-control")).toBe("public, max-age=60");
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("keeps the origin's caching headers on a page when no manifest is published", async () => {
    await env.CONTENT.delete(POINTER_KEY);
    invalidateManifest(env.CONTENT);
    const existing = await callWithVisitorCookie();
    const { res } = await call(origin().fetch, "/", { headers: { cookie: existing, "user-agent": "Mozilla/5.0 (X11; Linux x86_64)" } }, PRODUCTION_SCRIPT);
    expect(res.headers.get("cache-control")).toBe("public, max-age=60");
    expect(res.headers.get("etag")).toBe('"v1"');
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("visitor A then visitor B on one URL: B never sees A's content", async () => {
    const o = origin();
    const a = await call(o.fetch, "/", { headers: { cookie: await cookie({ tier: "gold", stage: "new" }) } });
    const b = await call(o.fetch, "/", { headers: { "user-agent": "Mozilla/5.0 (X11; Linux x86_64)" } });
    expect(a.body).toContain("Gold welcome");
    expect(b.body).not.toContain("Gold welcome");
    expect(b.body).toContain("Welcome to Stride");
  });

  it("keeps interleaved visitors apart over slowed I/O", async () => {
    let n = 0;
    const slow = fixtureOrigin({
      "/": async () => {
        // Alternate delays so responses complete out of order.
        await new Promise((r) => setTimeout(r, n++ % 2 === 0 ? 30 : 1));
        return html(PAGE);
      },
    });
    const visitors = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const gold = i % 2 === 0;
        const headers: Record<string, string> = { "user-agent": "Mozilla/5.0 (X11; Linux x86_64)" };
        if (gold) headers.cookie = await cookie({ tier: "gold", stage: "new", sub: `u${i}` });
        const { body } = await call(slow.fetch, "/", { headers });
        return { gold, body };
      }),
    );
    for (const v of visitors) {
      expect(v.body.includes("Gold welcome")).toBe(v.gold);
    }
  });
});

describe("anonymous visitor id", () => {
  it("issues a signed __Host- cookie with the required attributes", async () => {
    const { res } = await call(origin().fetch, "/", {});
    const set = res.headers.get("set-cookie") ?? "";
    expect(set).toMatch(/^__Host-p13n_vid=[0-9a-f]{32}\.[A-Za-z0-9_-]{43}; /);
    for (const attr of ["Path=/", "Secure", "HttpOnly", "SameSite=Lax"]) expect(set).toContain(attr);
    expect(set).not.toMatch(/Domain=/i);
    expect(set.length).toBeLessThan(200);
    // A response that sets a visitor cookie is never shared.
    expect(res.headers.get("cache-control")).toBe("private, no-store");
  });

  it("accepts its own cookie back and does not issue another", async () => {
    const existing = await callWithVisitorCookie();
    const { res } = await call(origin().fetch, "/", { headers: { cookie: existing } });
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("replaces a forged visitor id", async () => {
    const forged = `__Host-p13n_vid=${"a".repeat(32)}.${"A".repeat(43)}`;
    const { res } = await call(origin().fetch, "/", { headers: { cookie: forged } });
    expect(res.headers.get("set-cookie")).toMatch(/^__Host-p13n_vid=/);
    expect(res.headers.get("set-cookie")).not.toContain("a".repeat(32));
  });

  it("sets no cookie for a visitor who sends Sec-GPC: 1", async () => {
    const { res } = await call(origin().fetch, "/", { headers: { "sec-gpc": "1" } });
    expect(res.headers.get("set-cookie")).toBeNull();
  });
});

async function callWithVisitorCookie(): Promise<string> {
  const { res } = await call(origin().fetch, "/", {});
  const set = res.headers.get("set-cookie");
  if (!set) throw new Error("no visitor cookie issued");
  return set.split(";")[0]!;
}
