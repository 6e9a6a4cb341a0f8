/**
 * Page templates through the app: when they are built and used, that visitors never get each
 * other's slots through one, freshness by the origin's own directives (304, stale-while-
 * revalidate, a new ETag), what never touches them, Vary, the colo copy, the memory bound,
 * and TEMPLATE_BYPASS. Each test uses its own path: the isolate's store is shared.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { templateStore } from "../../src/template/store.ts";
import { call } from "../fixtures/call.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { fixtureOrigin, html, type Route } from "../fixtures/origin.ts";
import { profileToken } from "../fixtures/tokens.ts";

const PUBLIC = { "cache-control": "public, max-age=60", etag: '"v1"' };
const page = (label: string) => `<!doctype html><html><head><title>${label}</title></head><body>
<section data-p13n-slot="hero"><h1>Default hero ${label}</h1></section>
<p>Body of ${label}</p>
<aside data-p13n-slot="promo">Default promo</aside>
</body></html>`;

const cookie = async (tier: string, sub: string) => `p13n_profile=${await profileToken({ claims: { tier, sub } })}`;
const timingOf = (res: Response) => /template;dur=[\d.]+;desc="(\w+)"/.exec(res.headers.get("server-timing") ?? "")?.[1];
/** Anonymous, without a visitor cookie being issued (GPC), so responses stay comparable. */
const ANON = { "sec-gpc": "1", "user-agent": "Mozilla/5.0 (X11; Linux x86_64)" };
const store = () => templateStore(Number(env.TEMPLATE_CACHE_BYTES));

beforeAll(async () => {
  invalidateManifest(env.CONTENT);
  await publish(
    env.CONTENT,
    manifest({
      hero: [
        { id: "gold", html: "<h1>Gold hero</h1>", priority: 10, audience: { attr: "profile.tier", eq: "gold" } },
        { id: "silver", html: "<h1>Silver hero</h1>", priority: 5, audience: { attr: "profile.tier", eq: "silver" } },
      ],
      promo: [{ id: "gold-promo", html: "<b>Gold promo</b>", audience: { attr: "profile.tier", eq: "gold" } }],
    }),
  );
});

/** Asks twice (the second request admits the URL and builds its template), then once more. */
async function warm(fetch: (r: Request) => Promise<Response>, path: string, headers: Record<string, string> = ANON) {
  await call(fetch, path, { headers });
  await call(fetch, path, { headers });
}

describe("templates are built and used", () => {
  it("builds on the second request and then serves without asking the origin, byte-identical to streaming", async () => {
    const origin = fixtureOrigin({ "/a": () => html(page("a"), PUBLIC) });
    const gold = await cookie("gold", "u-a");
    const first = await call(origin.fetch, "/a", { headers: { cookie: gold } });
    expect(timingOf(first.res)).toBe("miss");
    await call(origin.fetch, "/a", { headers: { cookie: gold } });
    // The visitor's request carried a cookie: the template is built from a request of its own,
    // without it (issue 12: a template is built only from what any visitor may get).
    expect(origin.seen).toHaveLength(3);
    expect(origin.seen[2]!.headers.get("cookie")).toBeNull();
    const hit = await call(origin.fetch, "/a", { headers: { cookie: gold } });
    expect(origin.seen).toHaveLength(3);
    expect(timingOf(hit.res)).toBe("hit");
    expect(hit.res.headers.get("server-timing")).toContain('origin;dur=0.0;desc="not-asked"');
    expect(hit.body).toBe(first.body);
    expect(hit.body).toContain('<section data-p13n-slot="hero" data-p13n-variant="gold"><h1>Gold hero</h1></section>');
    // Still a visitor's page: never stored by a shared cache.
    expect(hit.res.headers.get("cache-control")).toBe("private, no-store");
    expect(hit.res.headers.get("etag")).toBeNull();
    expect(hit.res.headers.get("last-modified")).toBeNull();
  });

  it("serves a page nothing is personalized on from the template: the origin's caching headers for CDNs only, no validators, a current Age", async () => {
    const origin = fixtureOrigin({ "/plain": () => html(page("plain"), { ...PUBLIC, "x-origin": "yes" }) });
    await warm(origin.fetch, "/plain");
    const hit = await call(origin.fetch, "/plain", { headers: ANON });
    expect(origin.seen).toHaveLength(2);
    expect(timingOf(hit.res)).toBe("hit");
    expect(hit.body).toBe(page("plain"));
    // Issue 16 (no stale defaults): a later visit may be personalized, so the browser gets no
    // validators to revalidate into this copy; a shared cache is told what the origin said.
    expect(hit.res.headers.get("cache-control")).toBe("private, no-cache");
    expect(hit.res.headers.get("cdn-cache-control")).toBe("public, max-age=60");
    expect(hit.res.headers.get("etag")).toBeNull();
    expect(hit.res.headers.get("x-origin")).toBe("yes");
    expect(hit.res.headers.get("age")).toMatch(/^\d+$/);
  });

  it("a request that cannot become a page (a prefetch of the URL as JSON, an image) still gets the whole page from the template", async () => {
    const origin = fixtureOrigin({ "/not-a-page": () => html(page("not-a-page"), PUBLIC) });
    await warm(origin.fetch, "/not-a-page");
    const asJson = await call(origin.fetch, "/not-a-page", { headers: { ...ANON, accept: "application/json" } });
    const asImage = await call(origin.fetch, "/not-a-page", { headers: { ...ANON, "sec-fetch-dest": "image" } });
    expect(origin.seen).toHaveLength(2);
    expect(timingOf(asJson.res) ?? "hit").toBe("hit");
    expect(asJson.res.status).toBe(200);
    expect(asJson.body).toBe(page("not-a-page"));
    expect(asImage.body).toBe(page("not-a-page"));
  });

  it("two visitors with different profiles never receive each other's slots through one template", async () => {
    const origin = fixtureOrigin({ "/shared": () => html(page("shared"), PUBLIC) });
    await warm(origin.fetch, "/shared");
    const gold = await cookie("gold", "u-gold");
    const silver = await cookie("silver", "u-silver");
    for (let round = 0; round < 3; round++) {
      const [a, b, c] = await Promise.all([
        call(origin.fetch, "/shared", { headers: { cookie: gold } }),
        call(origin.fetch, "/shared", { headers: { cookie: silver } }),
        call(origin.fetch, "/shared", { headers: ANON }),
      ]);
      for (const r of [a, b, c]) expect(timingOf(r.res)).toBe("hit");
      expect(a.body).toContain("Gold hero");
      expect(a.body).toContain("Gold promo");
      expect(b.body).toContain("Silver hero");
      expect(b.body).not.toContain("Gold");
      expect(c.body).not.toMatch(/Gold|Silver/);
      expect(c.body).toBe(page("shared"));
    }
    expect(origin.seen).toHaveLength(2);
  });
});

describe("freshness by the origin's own directives", () => {
  it("revalidates a stale template with If-None-Match; a 304 refreshes it", async () => {
    const origin = fixtureOrigin({
      "/reval": (req) =>
        req.headers.get("if-none-match") === '"r1"'
          ? new Response(null, { status: 304, headers: { etag: '"r1"', "cache-control": "public, max-age=0" } })
          : html(page("reval"), { "cache-control": "public, max-age=0", etag: '"r1"' }),
    });
    await warm(origin.fetch, "/reval");
    const r = await call(origin.fetch, "/reval", { headers: { cookie: await cookie("gold", "u-r") } });
    expect(origin.seen).toHaveLength(3);
    expect(origin.seen[2]!.headers.get("if-none-match")).toBe('"r1"');
    expect(timingOf(r.res)).toBe("revalidated");
    expect(r.res.status).toBe(200);
    expect(r.body).toContain("Gold hero");
    expect(r.body).toContain("Body of reval");
  });

  it("a new ETag replaces the template: the new page, never mixed with the old one", async () => {
    let version = 1;
    const origin = fixtureOrigin({
      "/change": (req) => {
        const etag = `"c${version}"`;
        if (req.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers: { etag, "cache-control": "public, max-age=0" } });
        return html(page(`change-v${version}`), { "cache-control": "public, max-age=0", etag });
      },
    });
    await warm(origin.fetch, "/change");
    const gold = await cookie("gold", "u-c");
    expect((await call(origin.fetch, "/change", { headers: { cookie: gold } })).body).toContain("Body of change-v1");
    version = 2;
    const changed = await call(origin.fetch, "/change", { headers: { cookie: gold } });
    expect(changed.body).toContain("Body of change-v2");
    expect(changed.body).toContain("Gold hero");
    expect(changed.body).not.toContain("v1");
    // Built again from v2 (second sighting already counted), then revalidated against v2.
    await call(origin.fetch, "/change", { headers: { cookie: gold } });
    const after = await call(origin.fetch, "/change", { headers: ANON });
    expect(after.body).toBe(page("change-v2"));
    expect(origin.seen.at(-1)!.headers.get("if-none-match")).toBe('"c2"');
  });

  it("serves a template stale within stale-while-revalidate and revalidates it in the background", async () => {
    const origin = fixtureOrigin({
      "/swr": (req) =>
        req.headers.get("if-none-match")
          ? new Response(null, { status: 304, headers: { etag: '"s1"', "cache-control": "public, max-age=0, stale-while-revalidate=60" } })
          : html(page("swr"), { "cache-control": "public, max-age=0, stale-while-revalidate=60", etag: '"s1"' }),
    });
    await warm(origin.fetch, "/swr");
    const r = await call(origin.fetch, "/swr", { headers: ANON });
    expect(timingOf(r.res)).toBe("stale");
    expect(r.body).toBe(page("swr"));
    // call() waited for waitUntil: the background revalidation went out, conditionally.
    expect(origin.seen).toHaveLength(3);
    expect(origin.seen[2]!.headers.get("if-none-match")).toBe('"s1"');
  });

  it("never serves stale when the origin says must-revalidate", async () => {
    const origin = fixtureOrigin({ "/must": () => html(page("must"), { "cache-control": "public, max-age=0, must-revalidate, stale-while-revalidate=60", etag: '"m1"' }) });
    await warm(origin.fetch, "/must");
    const r = await call(origin.fetch, "/must", { headers: ANON });
    expect(timingOf(r.res)).not.toBe("stale");
    expect(origin.seen).toHaveLength(3);
  });
});

describe("what never touches templates", () => {
  const cases: Array<[string, Route, RequestInit?]> = [
    ["private", () => html(page("x"), { "cache-control": "private, max-age=60", etag: '"p"' })],
    ["no-store", () => html(page("x"), { "cache-control": "no-store" })],
    ["no-cache", () => html(page("x"), { "cache-control": "public, no-cache", etag: '"n"' })],
    ["Set-Cookie", () => html(page("x"), { ...PUBLIC, "set-cookie": "session=abc" })],
    ["Vary: *", () => html(page("x"), { ...PUBLIC, vary: "*" })],
    ["Vary: Cookie", () => html(page("x"), { ...PUBLIC, vary: "Cookie" })],
    ["no Cache-Control", () => html(page("x"), { etag: '"e"' })],
    ["404", () => html(page("x"), PUBLIC, 404)],
    ["non-HTML", () => new Response('{"a":1}', { headers: { "content-type": "application/json", ...PUBLIC } })],
    ["206", () => new Response("<div>", { status: 206, headers: { "content-type": "text/html", "content-range": "bytes 0-4/100", ...PUBLIC } })],
    ["HEAD", () => html("", PUBLIC), { method: "HEAD" }],
    ["Range request", () => html(page("x"), PUBLIC), { headers: { range: "bytes=0-10" } }],
    ["conditional request (304)", () => new Response(null, { status: 304, headers: PUBLIC }), { headers: { "if-none-match": '"v1"' } }],
  ];
  cases.forEach(([name, route, init], i) => {
    it(`${name}: the origin is asked every time, nothing is stored`, async () => {
      const path = `/never-${i}`;
      const origin = fixtureOrigin({ [path]: route });
      const before = store().size;
      for (let k = 0; k < 3; k++) {
        const { res } = await call(origin.fetch, path, { ...init, headers: { ...ANON, ...(init?.headers as Record<string, string>) } });
        const t = timingOf(res);
        if (t !== undefined) expect(t).toBe("bypass");
      }
      expect(origin.seen).toHaveLength(3);
      expect(store().size).toBe(before);
    });
  });
});

describe("keys", () => {
  it("respects Vary: one template per value of the Vary'd request header", async () => {
    const origin = fixtureOrigin({
      "/vary": (req) => html(page(`lang-${req.headers.get("accept-language") ?? "none"}`), { ...PUBLIC, vary: "Accept-Language" }),
    });
    const en = { ...ANON, "accept-language": "en" };
    const fr = { ...ANON, "accept-language": "fr" };
    await warm(origin.fetch, "/vary", en);
    await call(origin.fetch, "/vary", { headers: fr });
    const seen = origin.seen.length;
    const hitEn = await call(origin.fetch, "/vary", { headers: en });
    expect(timingOf(hitEn.res)).toBe("hit");
    expect(hitEn.body).toBe(page("lang-en"));
    expect(origin.seen).toHaveLength(seen);
    // French was seen once after English's template: asked again (admitted now), never given English.
    const fr2 = await call(origin.fetch, "/vary", { headers: fr });
    expect(fr2.body).toBe(page("lang-fr"));
    const fr3 = await call(origin.fetch, "/vary", { headers: fr });
    expect(timingOf(fr3.res)).toBe("hit");
    expect(fr3.body).toBe(page("lang-fr"));
  });

  it("keys by the whole URL, query included", async () => {
    const origin = fixtureOrigin({ "/q": (req) => html(page(`q=${new URL(req.url).search}`), PUBLIC) });
    await warm(origin.fetch, "/q?x=1");
    const other = await call(origin.fetch, "/q?x=2", { headers: ANON });
    expect(timingOf(other.res)).toBe("miss");
    expect(other.body).toBe(page("q=?x=2"));
  });

  it("shares templates across isolates through the Cache API", async () => {
    const origin = fixtureOrigin({ "/colo": () => html(page("colo"), PUBLIC) });
    await warm(origin.fetch, "/colo");
    // A cold isolate: an empty store of the same budget.
    templateStore(1);
    templateStore(Number(env.TEMPLATE_CACHE_BYTES));
    expect(store().size).toBe(0);
    const r = await call(origin.fetch, "/colo", { headers: { cookie: await cookie("gold", "u-colo") } });
    expect(timingOf(r.res)).toBe("hit");
    expect(origin.seen).toHaveLength(2);
    expect(r.body).toContain("Gold hero");
  });
});

describe("bounds and opt-out", () => {
  it("memory stays within TEMPLATE_CACHE_BYTES under many distinct URLs", async () => {
    const budget = 64 * 1024;
    // The label appears three times in the page: about 9 KB per template, a seventh of the budget.
    const big = "x".repeat(3 * 1024);
    const origin = fixtureOrigin({ "/many": (req) => html(page(`${new URL(req.url).search}${big}`), PUBLIC) });
    for (let i = 0; i < 60; i++) {
      for (let k = 0; k < 2; k++) await call(origin.fetch, `/many?i=${i}`, { headers: ANON }, { TEMPLATE_CACHE_BYTES: String(budget) });
      expect(templateStore(budget).bytes).toBeLessThanOrEqual(budget);
    }
    expect(templateStore(budget).size).toBeGreaterThan(3);
    // The most recent page is still there; the oldest are gone.
    const last = await call(origin.fetch, "/many?i=59", { headers: ANON }, { TEMPLATE_CACHE_BYTES: String(budget) });
    expect(timingOf(last.res)).toBe("hit");
  });

  it("TEMPLATE_BYPASS keeps matching paths on the streaming rewrite", async () => {
    const origin = fixtureOrigin({ "/checkout/cart": () => html(page("cart"), PUBLIC) });
    const bindings = { TEMPLATE_BYPASS: "/checkout/*, /account/*" };
    for (let k = 0; k < 3; k++) {
      const { res, body } = await call(origin.fetch, "/checkout/cart", { headers: { cookie: await cookie("gold", "u-bp") } }, bindings);
      expect(timingOf(res)).toBe("bypass");
      expect(body).toContain("Gold hero");
    }
    expect(origin.seen).toHaveLength(3);
  });

  it("TEMPLATE_CACHE_BYTES=0 turns templates off", async () => {
    const origin = fixtureOrigin({ "/off": () => html(page("off"), PUBLIC) });
    for (let k = 0; k < 3; k++) await call(origin.fetch, "/off", { headers: ANON }, { TEMPLATE_CACHE_BYTES: "0" });
    expect(origin.seen).toHaveLength(3);
  });
});
