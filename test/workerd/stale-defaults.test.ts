/**
 * No stale defaults (issue 16, item 1). A browser's revalidation sequence: the first visit gets
 * the default page; on the next visit the browser sends If-None-Match / If-Modified-Since with
 * what it holds, and must get the full, current, personalized page — never a 304 into the old
 * default. Subresources keep their 304s; shared caches are told the origin's word only when
 * the page is shareable by the template rules.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { POINTER_KEY } from "../../src/content/keys.ts";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { call } from "../fixtures/call.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";
import { profileToken } from "../fixtures/tokens.ts";

const ETAG = '"page-v1"';
const LAST_MODIFIED = "Mon, 02 Nov 2026 10:00:00 GMT";
const PAGE = `<!doctype html><html><body><section data-p13n-slot="hero"><h1>Default hero</h1></section></body></html>`;

/** An origin that validates like a real one: 304 when the browser's copy is current. */
function validatingOrigin(cacheControl = "max-age=0, must-revalidate", extra: Record<string, string> = {}) {
  return fixtureOrigin({
    "/": (req) => {
      const fresh = req.headers.get("if-none-match") === ETAG || req.headers.get("if-modified-since") === LAST_MODIFIED;
      const headers = { etag: ETAG, "last-modified": LAST_MODIFIED, "cache-control": cacheControl, ...extra };
      return fresh ? new Response(null, { status: 304, headers }) : html(PAGE, headers);
    },
    "/logo.png": (req) =>
      req.headers.get("if-none-match") === ETAG
        ? new Response(null, { status: 304, headers: { etag: ETAG } })
        : new Response("png", { headers: { "content-type": "image/png", etag: ETAG } }),
  });
}

/** What Chromium sends for a navigation (Fetch Metadata and Accept). */
const NAVIGATION = {
  "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36",
  accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
  "sec-fetch-dest": "document",
  "sec-fetch-mode": "navigate",
};
const profile = async (tier: string) => `p13n_profile=${await profileToken({ claims: { tier, sub: "u-returning" } })}`;

beforeEach(async () => {
  invalidateManifest(env.CONTENT);
  await publish(env.CONTENT, manifest({ hero: [{ id: "gold", html: "<h1>Gold hero</h1>", audience: { attr: "profile.tier", eq: "gold" } }] }));
});

describe("a browser's revalidation never shows a stale default", () => {
  it("first visit: the default page, with no validators to revalidate it by; second visit: the full personalized page", async () => {
    const origin = validatingOrigin();
    // A returning visitor (their visitor id already set) whose page has nothing personal this time.
    const issued = await call(origin.fetch, "/", { headers: NAVIGATION });
    const vid = issued.res.headers.get("set-cookie")!.split(";")[0]!;
    origin.seen.length = 0;
    // CLIENT_SCRIPT as in production ([env.dev] puts the script on every page, which makes every tracked page private).
    const first = await call(origin.fetch, "/", { headers: { ...NAVIGATION, cookie: `${vid}; ${await profile("silver")}` } }, { CLIENT_SCRIPT: "personalized" });
    expect(first.res.status).toBe(200);
    expect(first.body).toContain("Default hero");
    expect(first.res.headers.get("etag")).toBeNull();
    expect(first.res.headers.get("last-modified")).toBeNull();
    expect(first.res.headers.get("cache-control")).toBe("private, no-cache");

    // The visitor is now gold. Their browser revalidates the copy it holds, by the validators the
    // origin gave it (from this visit, or from before the worker was in front).
    const second = await call(origin.fetch, "/", {
      headers: {
        ...NAVIGATION,
        cookie: `${vid}; ${await profile("gold")}`,
        "if-none-match": first.res.headers.get("etag") ?? ETAG,
        "if-modified-since": first.res.headers.get("last-modified") ?? LAST_MODIFIED,
      },
    });
    expect(second.res.status).toBe(200);
    expect(second.body).toContain('data-p13n-variant="gold"><h1>Gold hero</h1>');
    expect(second.res.headers.get("cache-control")).toBe("private, no-store");
    expect(second.res.headers.get("etag")).toBeNull();
    // The browser's validators never reached the origin.
    expect(origin.seen[1]!.headers.get("if-none-match")).toBeNull();
    expect(origin.seen[1]!.headers.get("if-modified-since")).toBeNull();
  });

  it("an unchanged decision is still a full page, not a 304 (the worker cannot know before the origin answers)", async () => {
    const origin = validatingOrigin();
    const r = await call(origin.fetch, "/", { headers: { ...NAVIGATION, cookie: await profile("silver"), "if-none-match": ETAG } });
    expect(r.res.status).toBe(200);
    expect(r.body).toContain("Default hero");
  });

  it("any GET whose Accept names text/html is a page request, with or without Fetch Metadata", async () => {
    const origin = validatingOrigin();
    const r = await call(origin.fetch, "/", { headers: { accept: "text/html", cookie: await profile("gold"), "if-none-match": ETAG } });
    expect(r.res.status).toBe(200);
    expect(r.body).toContain("Gold hero");
  });

  it("a subresource keeps its validators and its 304", async () => {
    const origin = validatingOrigin();
    const r = await call(origin.fetch, "/logo.png", { headers: { "sec-fetch-dest": "image", accept: "image/avif,image/webp,*/*", "if-none-match": ETAG } });
    expect(r.res.status).toBe(304);
    expect(r.res.headers.get("etag")).toBe(ETAG);
    expect(origin.seen[0]!.headers.get("if-none-match")).toBe(ETAG);
  });

  it("with no manifest published, a page nobody could personalize keeps the origin's validators", async () => {
    await env.CONTENT.delete(POINTER_KEY);
    invalidateManifest(env.CONTENT);
    const origin = validatingOrigin();
    const r = await call(origin.fetch, "/", { headers: { ...NAVIGATION, "sec-gpc": "1" } });
    expect(r.res.headers.get("etag")).toBe(ETAG);
    expect(r.res.headers.get("cache-control")).toBe("max-age=0, must-revalidate");
  });

  it("an origin's no-store stays no-store", async () => {
    const origin = validatingOrigin("no-store");
    const r = await call(origin.fetch, "/", { headers: { ...NAVIGATION, "sec-gpc": "1" } });
    expect(r.res.headers.get("cache-control")).toBe("private, no-store");
  });
});

describe("what a shared cache in front is told", () => {
  const ANON = { ...NAVIGATION, "sec-gpc": "1" };
  it("a shareable page (public, a request any visitor could make): CDN-Cache-Control carries the origin's word", async () => {
    const r = await call(validatingOrigin("public, max-age=60").fetch, "/", { headers: ANON });
    expect(r.res.headers.get("cdn-cache-control")).toBe("public, max-age=60");
    expect(r.res.headers.get("cache-control")).toBe("private, no-cache");
  });

  it("the origin's own CDN-Cache-Control is kept on a shareable page", async () => {
    const r = await call(validatingOrigin("public, max-age=60", { "cdn-cache-control": "max-age=600" }).fetch, "/", { headers: ANON });
    expect(r.res.headers.get("cdn-cache-control")).toBe("max-age=600");
  });

  it("a bare max-age is not shareable: every surrogate header goes", async () => {
    const r = await call(validatingOrigin("max-age=60", { "cdn-cache-control": "max-age=600", "surrogate-control": "max-age=600" }).fetch, "/", { headers: ANON });
    expect(r.res.headers.get("cdn-cache-control")).toBeNull();
    expect(r.res.headers.get("surrogate-control")).toBeNull();
  });

  it("a request with the site's session cookie is not shareable, whatever the origin says", async () => {
    const r = await call(validatingOrigin("public, max-age=60", { "cdn-cache-control": "max-age=600" }).fetch, "/", { headers: { ...ANON, cookie: "session=alice" } });
    expect(r.res.headers.get("cdn-cache-control")).toBeNull();
    expect(r.res.headers.get("cache-control")).toBe("private, no-cache");
  });
});
