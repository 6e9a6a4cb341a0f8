/**
 * The origin is the only host the worker ever fetches for a page (issue 12, item 0): whatever
 * the path looks like — scheme-relative (`//host/`), triple slash, backslash, userinfo,
 * percent-encoded, 8 KB long, or naming our own prefix (`//__p13n/…`) — the request goes to
 * ORIGIN_URL's scheme, host and port, with the visitor's path kept as a path. Through the
 * Worker's own origin fetch (global `fetch`), with the network faked and watched.
 */
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { call } from "../fixtures/call.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { fakeNetwork, type FakeNetwork } from "../fixtures/network.ts";
import { html } from "../fixtures/origin.ts";

const ORIGIN = "https://origin.internal:8443";
const SITE = "https://shop.example";
const PAGE = '<html><body><div data-p13n-slot="hero">Default</div><p>origin page</p></body></html>';
const bindings = { ORIGIN_URL: ORIGIN };

let net: FakeNetwork;
beforeEach(async () => {
  invalidateManifest(env.CONTENT);
  await publish(env.CONTENT, manifest({ hero: [{ id: "all", html: "Personal" }] }));
  net = fakeNetwork(() => html(PAGE));
});
afterEach(() => net.restore());

/** Sends `rawPath` exactly as a client would put it on the request line, with the visitor's cookie. */
async function ask(rawPath: string) {
  return call(undefined, `${SITE}${rawPath}`, { headers: { cookie: "session=SECRET123", "sec-gpc": "1" } }, bindings);
}

function expectOnlyTheOrigin(publicPath: string) {
  expect(net.seen.length).toBeGreaterThan(0);
  for (const req of net.seen) {
    const url = new URL(req.url);
    expect(url.origin, `fetched ${req.url}`).toBe(ORIGIN);
    expect(url.username).toBe("");
    expect(url.password).toBe("");
    // The visitor's path reaches the origin as a path, not as a host.
    expect(url.pathname).toBe(publicPath);
  }
}

describe("the origin request keeps ORIGIN_URL's scheme, host and port", () => {
  const forms: Array<[string, string]> = [
    ["//host/", "//evil.example/anything"],
    ["//host:port/", "//127.0.0.1:9102/anything"],
    ["///host/", "///evil.example/anything"],
    ["/\\host/", "/\\evil.example/anything"],
    ["/\\\\host/", "/\\\\evil.example/anything"],
    ["//user:pw@host/", "//user:pw@evil.example/anything"],
    ["/%2F%2Fhost/", "/%2F%2Fevil.example/anything"],
    ["/%5Chost/", "/%5Cevil.example/anything"],
    ["//%65vil.example/ (encoded host)", "//%65vil.example/anything"],
    ["an 8 KB path after //host/", `//evil.example/${"a".repeat(8 * 1024)}`],
  ];
  for (const [name, rawPath] of forms) {
    it(`${name}: only the origin is fetched, the path stays a path, the page is the origin's`, async () => {
      const { res, body } = await ask(rawPath);
      const publicPath = new URL(`${SITE}${rawPath}`).pathname;
      expectOnlyTheOrigin(publicPath);
      expect(net.seen).toHaveLength(1);
      expect(res.status).toBe(200);
      expect(body).toContain("origin page");
    });
  }

  it("keeps the query, and tells the origin the public host", async () => {
    await ask("//evil.example/x?next=//evil.example/");
    expect(net.seen).toHaveLength(1);
    const url = new URL(net.seen[0]!.url);
    expect(url.origin).toBe(ORIGIN);
    expect(url.search).toBe("?next=//evil.example/");
    expect(net.seen[0]!.headers.get("x-forwarded-host")).toBe("shop.example");
  });
});

describe("//__p13n/… is a page path, not our prefix, and not a host", () => {
  for (const rawPath of ["//__p13n/admin/versions", "//__p13n/console", "//__p13n/healthz", "//__p13n/admin/publish"]) {
    it(`${rawPath}: no admin or console route answers, and only the origin is asked`, async () => {
      const { res, body } = await ask(rawPath);
      expectOnlyTheOrigin(rawPath);
      expect(res.status).toBe(200);
      expect(body).toContain("origin page");
      expect(body).not.toMatch(/"versions"|"contentVersion"|UNAUTHORIZED|p13n console/i);
    });
  }
});
