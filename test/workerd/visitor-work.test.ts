/**
 * Only pages do visitor work (issue 12, item 5): a returning visitor's stylesheets, scripts,
 * images, fonts and API calls carry the cookie but never reach their object; a request that
 * may be a page but is not a navigation reads the memory only once the origin's headers say
 * HTML; a navigation still reads it at once, beside the origin. (The visitors here have no copy of
 * their memory in the colo, src/visitor/edge-copy.ts: the object is what is asked.)
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { call } from "../fixtures/call.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";
import { countingNamespace, NAVIGATION, uncopiedVisitor } from "../fixtures/visitor.ts";

const PAGE = "<html><body><div data-p13n-slot='hero'>Default hero</div></body></html>";
const asset = (body: string, type: string) => () => new Response(body, { headers: { "content-type": type } });
const origin = () =>
  fixtureOrigin({
    "/": () => html(PAGE),
    "/app.css": asset("body{margin:0}", "text/css"),
    "/app.js": asset("console.log(1)", "text/javascript"),
    "/logo.png": asset("PNG", "image/png"),
    "/font.woff2": asset("wOF2", "font/woff2"),
    "/api/cart": asset('{"items":1}', "application/json"),
    "/partial": () => html("<div data-p13n-slot='hero'>Default hero</div>"),
  });

/** What a current browser sends for each kind of subresource (Chromium's Accept and Fetch Metadata). */
const SUBRESOURCES: Array<[string, Record<string, string>]> = [
  ["/app.css", { "sec-fetch-dest": "style", "sec-fetch-mode": "no-cors", "sec-fetch-site": "same-origin", accept: "text/css,*/*;q=0.1" }],
  ["/app.js", { "sec-fetch-dest": "script", "sec-fetch-mode": "no-cors", "sec-fetch-site": "same-origin", accept: "*/*" }],
  ["/logo.png", { "sec-fetch-dest": "image", "sec-fetch-mode": "no-cors", "sec-fetch-site": "same-origin", accept: "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8" }],
  ["/font.woff2", { "sec-fetch-dest": "font", "sec-fetch-mode": "cors", "sec-fetch-site": "same-origin", accept: "*/*" }],
  ["/api/cart", { "sec-fetch-dest": "empty", "sec-fetch-mode": "cors", "sec-fetch-site": "same-origin", accept: "*/*" }],
];

const stateOf = (res: Response) => /state;dur=[\d.]+;desc="(\w+)"/.exec(res.headers.get("server-timing") ?? "")?.[1];

beforeEach(async () => {
  invalidateManifest(env.CONTENT);
  await publish(env.CONTENT, manifest({ hero: [{ id: "bold", html: "<b>Bold hero</b>" }] }));
});

describe("a returning visitor's assets", () => {
  it("50 stylesheet, script, image, font and API requests with the cookie make no call to the visitor's object", async () => {
    const o = origin();
    const { cookie } = await uncopiedVisitor(o);
    const { ns, calls } = countingNamespace();
    for (let i = 0; i < 50; i++) {
      const [path, headers] = SUBRESOURCES[i % SUBRESOURCES.length]!;
      const { res, body } = await call(o.fetch, path, { headers: { ...headers, cookie } }, { VISITOR: ns });
      expect(res.status).toBe(200);
      expect(body.length).toBeGreaterThan(0);
      expect(res.headers.get("server-timing")).toBeNull();
      expect(res.headers.get("set-cookie")).toBeNull();
    }
    expect(calls.stubs).toBe(0);
    expect(calls.methods).toEqual({});

    // The navigation that follows still reads the memory (one snapshot), and is remembered.
    const page = await call(o.fetch, "/", { headers: { ...NAVIGATION, cookie } }, { VISITOR: ns });
    expect(stateOf(page.res)).toBe("hit");
    expect(page.body).toContain("Bold hero");
    expect(calls.methods).toEqual({ snapshot: 1, record: 1 });
  });

  it("without Fetch Metadata (curl, monitors), a request the origin answers with CSS, JS or JSON reaches no object", async () => {
    const o = origin();
    const { cookie } = await uncopiedVisitor(o);
    const { ns, calls } = countingNamespace();
    for (const path of ["/app.css", "/app.js", "/api/cart"]) {
      for (const accept of [undefined, "*/*"]) {
        const headers: Record<string, string> = { cookie };
        if (accept) headers.accept = accept;
        expect((await call(o.fetch, path, { headers }, { VISITOR: ns })).res.status).toBe(200);
      }
    }
    expect(calls.stubs).toBe(0);
    // An Accept that names only other types is not a page at all.
    await call(o.fetch, "/", { headers: { cookie, accept: "application/json" } }, { VISITOR: ns });
    expect(calls.stubs).toBe(0);
  });

  it("without Fetch Metadata, an HTML answer is still a page: memory read after the origin's headers, and used", async () => {
    const o = origin();
    const { cookie } = await uncopiedVisitor(o);
    const { ns, calls } = countingNamespace();
    const page = await call(o.fetch, "/", { headers: { cookie, accept: "*/*" } }, { VISITOR: ns });
    expect(stateOf(page.res)).toBe("hit");
    expect(page.body).toContain("Bold hero");
    expect(calls.methods.snapshot).toBe(1);
  });

  it("a fetch() that asks for HTML (Turbo, htmx) is a page; one that asks for anything is not", async () => {
    const o = origin();
    const { cookie } = await uncopiedVisitor(o);
    const fetchMeta = { "sec-fetch-dest": "empty", "sec-fetch-mode": "cors", "sec-fetch-site": "same-origin" };
    const { ns, calls } = countingNamespace();
    const plain = await call(o.fetch, "/partial", { headers: { ...fetchMeta, cookie, accept: "*/*" } }, { VISITOR: ns });
    expect(plain.body).toContain("Default hero");
    expect(calls.stubs).toBe(0);
    const turbo = await call(o.fetch, "/partial", { headers: { ...fetchMeta, cookie, accept: "text/vnd.turbo-stream.html, text/html, application/xhtml+xml" } }, { VISITOR: ns });
    expect(turbo.body).toContain("Bold hero");
    expect(calls.methods.snapshot).toBe(1);
  });

  it("a navigation reads the memory at once, while the origin has not answered yet", async () => {
    const { cookie } = await uncopiedVisitor(origin());
    const { ns, calls } = countingNamespace();
    // This origin answers only once the visitor's object has been asked: a Worker that waited
    // for the origin's headers first would never get an answer (and the test would time out).
    const o = fixtureOrigin({ "/": () => calls.called("snapshot").then(() => html(PAGE)) });
    const page = await call(o.fetch, "/", { headers: { ...NAVIGATION, cookie } }, { VISITOR: ns, STATE_BUDGET_MS: "1000" });
    expect(stateOf(page.res)).toBe("hit");
    expect(page.body).toContain("Bold hero");
  });
});
