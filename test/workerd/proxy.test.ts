/**
 * The proxy: what the origin says reaches the visitor untouched unless it is
 * a page we may personalize; the origin hears what the visitor sent.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createApp } from "../../src/app.ts";
import { clientScriptTag } from "../../src/routes/client-script.ts";
import { beforeEach, describe, expect, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { call } from "../fixtures/call.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";
import { TEST_SECRETS } from "../fixtures/secrets.ts";
import { PREVIEW_COOKIE } from "../../src/preview/link.ts";
import { signPreview } from "../../src/preview/token.ts";

const SLOT_PAGE = '<div data-p13n-slot="hero">Default</div>';
/** Everyone gets this variant, so any page that is rewritten shows it. */
const EVERYONE = manifest({ hero: [{ id: "all", html: "Personal" }] });

beforeEach(async () => {
  invalidateManifest(env.CONTENT);
  await publish(env.CONTENT, EVERYONE);
});

describe("responses that pass through untouched", () => {
  const cases: Array<[string, () => Response, RequestInit?]> = [
    ["a 500", () => html(SLOT_PAGE, { "cache-control": "max-age=5" }, 500)],
    ["a 503", () => html(SLOT_PAGE, {}, 503)],
    ["a 404", () => html(SLOT_PAGE, {}, 404)],
    ["JSON", () => new Response(`{"html":"${'<div data-p13n-slot=\\"hero\\">x</div>'}"}`, { headers: { "content-type": "application/json" } })],
    ["an image", () => new Response(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x3c, 0x64]), { headers: { "content-type": "image/png" } })],
    ["text/plain that looks like HTML", () => new Response(SLOT_PAGE, { headers: { "content-type": "text/plain" } })],
    ["HTML with no content type", () => new Response(SLOT_PAGE)],
    ["a 206 range", () => html(SLOT_PAGE, { "content-range": "bytes 0-39/100" }, 206)],
    ["a zstd body", () => new Response(SLOT_PAGE, { headers: { "content-type": "text/html", "content-encoding": "zstd" } })],
    ["a deflate body", () => new Response(SLOT_PAGE, { headers: { "content-type": "text/html", "content-encoding": "deflate" } })],
    ["a windows-1252 page", () => new Response(SLOT_PAGE, { headers: { "content-type": "text/html; charset=windows-1252" } })],
    ["a page over the size limit", () => html(SLOT_PAGE, { "content-length": String(10 * 1024 * 1024) })],
    ["a POST answer", () => html(SLOT_PAGE), { method: "POST", body: "a=1" }],
  ];

  for (const [name, make, init] of cases) {
    it(`passes ${name} through`, async () => {
      const sent = make();
      const status = sent.status;
      const origin = fixtureOrigin({ "/": () => make() });
      const { res, body } = await call(origin.fetch, "/", init ?? {});
      expect(res.status).toBe(status);
      expect(body).not.toContain("Personal");
      expect(res.headers.get("cache-control")).not.toBe("private, no-store");
      expect(res.headers.get("content-type")).toBe(sent.headers.get("content-type"));
    });
  }

  it("passes a 304 through with its validators", async () => {
    const origin = fixtureOrigin({ "/": () => new Response(null, { status: 304, headers: { etag: '"v1"', "cache-control": "max-age=60" } }) });
    const { res } = await call(origin.fetch, "/", { headers: { "if-none-match": '"v1"' } });
    expect(res.status).toBe(304);
    expect(res.headers.get("etag")).toBe('"v1"');
    expect(origin.seen[0]!.headers.get("if-none-match")).toBe('"v1"');
  });

  it("answers HEAD from the origin, without personalization", async () => {
    const origin = fixtureOrigin({ "/": () => html("", { "content-length": "42", etag: '"v"' }) });
    const { res } = await call(origin.fetch, "/", { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBe('"v"');
    expect(origin.seen[0]!.method).toBe("HEAD");
  });

  it("returns redirects without following them, on the public host", async () => {
    const origin = fixtureOrigin({
      "/old": () => new Response(null, { status: 301, headers: { location: "https://origin.internal/new?x=1" } }),
      "/rel": () => new Response(null, { status: 302, headers: { location: "/login" } }),
    });
    const bindings = { ORIGIN_URL: "https://origin.internal" };
    const a = await call(origin.fetch, "/old", { redirect: "manual" }, bindings);
    expect(a.res.status).toBe(301);
    expect(a.res.headers.get("location")).toBe("https://shop.example/new?x=1");
    const b = await call(origin.fetch, "/rel", { redirect: "manual" }, bindings);
    expect(b.res.status).toBe(302);
    expect(b.res.headers.get("location")).toBe("/login");
    expect(origin.seen).toHaveLength(2);
  });

  it("keeps several Set-Cookie headers several, on a personalized page too", async () => {
    const origin = fixtureOrigin({
      "/": () => {
        const h = new Headers({ "content-type": "text/html" });
        h.append("set-cookie", "a=1; Path=/");
        h.append("set-cookie", "b=2; Path=/; HttpOnly");
        return new Response(SLOT_PAGE, { headers: h });
      },
    });
    const { res, body } = await call(origin.fetch, "/", { headers: { "sec-gpc": "1" } });
    expect(body).toContain("Personal");
    expect(res.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2; Path=/; HttpOnly"]);
  });

  it("strips hop-by-hop response headers", async () => {
    const origin = fixtureOrigin({ "/": () => html(SLOT_PAGE, { "keep-alive": "timeout=5", "x-kept": "yes", connection: "x-drop", "x-drop": "1" }) });
    const { res } = await call(origin.fetch, "/");
    expect(res.headers.get("keep-alive")).toBeNull();
    expect(res.headers.get("x-drop")).toBeNull();
    expect(res.headers.get("x-kept")).toBe("yes");
  });
});

describe("what the origin receives", () => {
  it("gets method, body, path, query and end-to-end headers; GPC forwarded; hop-by-hop stripped", async () => {
    const origin = fixtureOrigin({ "/form": async (req) => html(`got ${await req.text()}`) });
    await call(origin.fetch, "/form?q=1", {
      method: "PUT",
      body: "payload=yes",
      headers: { "sec-gpc": "1", "x-custom": "v", "keep-alive": "timeout=5", te: "trailers", "proxy-authorization": "secret" },
    }, { ORIGIN_URL: "https://origin.internal" });
    const seen = origin.seen[0]!;
    expect(seen.method).toBe("PUT");
    expect(new URL(seen.url).toString()).toBe("https://origin.internal/form?q=1");
    expect(seen.headers.get("sec-gpc")).toBe("1");
    expect(seen.headers.get("x-custom")).toBe("v");
    expect(seen.headers.get("x-forwarded-host")).toBe("shop.example");
    for (const h of ["keep-alive", "te", "proxy-authorization"]) expect(seen.headers.get(h)).toBeNull();
    expect(seen.redirect).toBe("manual");
  });

  describe("the preview cookie never reaches the origin", () => {
    const cases: Array<[string, string, string | null]> = [
      ["beside the site's own cookies", `session=1; ${PREVIEW_COOKIE}=not-a-valid-token; theme=dark`, "session=1; theme=dark"],
      ["alone", `${PREVIEW_COOKIE}=not-a-valid-token`, null],
    ];
    for (const [name, cookie, forwarded] of cases) {
      it(`on the visitor's page path, ${name}`, async () => {
        const origin = fixtureOrigin({ "/": () => html(SLOT_PAGE) });
        await call(origin.fetch, "/", { headers: { cookie } });
        expect(origin.seen[0]!.headers.get("cookie")).toBe(forwarded);
      });
    }

    it("on an editor's preview page", async () => {
      const { token } = await signPreview({ profile: { tier: "gold" } }, TEST_SECRETS.ADMIN_TOKEN, { ttlS: 600 });
      const origin = fixtureOrigin({ "/": () => html(SLOT_PAGE) });
      const { res } = await call(origin.fetch, "/", { headers: { cookie: `session=1; ${PREVIEW_COOKIE}=${token}` } });
      expect(res.headers.get("x-p13n-explain")).not.toBeNull();
      expect(origin.seen[0]!.headers.get("cookie")).toBe("session=1");
    });
  });

  it("keeps Upgrade and Connection on a WebSocket handshake", async () => {
    const origin = fixtureOrigin({ "/ws": () => new Response("no upgrade here", { status: 426 }) });
    const { res } = await call(origin.fetch, "/ws", { headers: { upgrade: "websocket", connection: "Upgrade", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version": "13" } });
    expect(res.status).toBe(426);
    expect(origin.seen[0]!.headers.get("upgrade")).toBe("websocket");
    expect(origin.seen[0]!.headers.get("sec-websocket-key")).toBe("dGhlIHNhbXBsZSBub25jZQ==");
  });

  it("starts the origin fetch before personalization finishes", async () => {
    // KV that never answers: the page is still served, with its default, within the manifest budget.
    const hanging = { get: () => new Promise(() => {}) } as unknown as KVNamespace;
    const origin = fixtureOrigin({ "/": () => html(SLOT_PAGE) });
    const { res, body } = await call(origin.fetch, "/", {}, { CONTENT: hanging, MANIFEST_BUDGET_MS: "40" });
    expect(origin.seen).toHaveLength(1);
    expect(res.status).toBe(200);
    expect(body).toContain("Default");
    expect(res.headers.get("server-timing")).toContain('manifest;dur=');
    expect(res.headers.get("server-timing")).toContain('desc="timeout"');
  });

  it("asks the origin while the manifest read is still pending (no clock: KV answers only once the origin is asked)", async () => {
    // Were the origin fetched after the manifest, neither would answer until the 2 s budget
    // gave up on KV: the page would say `timeout` and show the default.
    let originAsked!: () => void;
    const asked = new Promise<void>((resolve) => (originAsked = resolve));
    const order: string[] = [];
    const gated = {
      get: async (...args: Parameters<KVNamespace["get"]>) => {
        order.push("kv asked");
        await asked;
        order.push("kv answers");
        return (env.CONTENT as unknown as { get(...a: unknown[]): Promise<unknown> }).get(...args);
      },
    } as unknown as KVNamespace;
    const origin = fixtureOrigin({
      "/": () => {
        order.push("origin asked");
        originAsked();
        return html(SLOT_PAGE);
      },
    });
    const { res, body } = await call(origin.fetch, "/", {}, { CONTENT: gated, MANIFEST_BUDGET_MS: "2000" });
    expect(order.indexOf("origin asked")).toBeGreaterThan(-1);
    expect(order.indexOf("origin asked")).toBeLessThan(order.indexOf("kv answers"));
    expect(res.headers.get("server-timing")).not.toContain('desc="timeout"');
    expect(body).toContain("Personal");
  });
});

describe("origin failures", () => {
  it("gives a clear 502 page when the origin cannot be reached", async () => {
    const { res, body } = await call(async () => { throw new TypeError("Network connection lost"); }, "/");
    expect(res.status).toBe(502);
    expect(body).toContain("The site cannot be reached");
    expect(body).not.toMatch(/TypeError|at \w+ \(/);
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("gives a 504 page when the origin sends no headers within its timeout", async () => {
    const { res } = await call(() => new Promise(() => {}), "/", {}, { ORIGIN_TIMEOUT_MS: "100" });
    expect(res.status).toBe(504);
  });

  it("streams a slow origin body as it comes: the first bytes arrive before the origin has finished", async () => {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const origin = fixtureOrigin({ "/": () => new Response(readable, { headers: { "content-type": "text/html" } }) });
    const w = writable.getWriter();
    const enc = new TextEncoder();
    void w.write(enc.encode("<html><body><p>first</p>"));
    const app = createApp({ originFetch: origin.fetch });
    const ctx = createExecutionContext();
    const res = await app.fetch(new Request("https://shop.example/"), env, ctx);
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let seen = "";
    // The origin has not sent the slot or closed yet; the head must already be here.
    while (!seen.includes("<p>first</p>")) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += dec.decode(value, { stream: true });
    }
    expect(seen).toContain("<p>first</p>");
    await w.write(enc.encode('<div data-p13n-slot="hero">Default</div></body></html>'));
    await w.close();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += dec.decode(value, { stream: true });
    }
    await waitOnExecutionContext(ctx);
    expect(seen).toBe(`<html><body><p>first</p><div data-p13n-slot="hero" data-p13n-variant="all">Personal</div>${clientScriptTag()}</body></html>`);
  });
});
