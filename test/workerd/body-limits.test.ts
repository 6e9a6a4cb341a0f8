/**
 * One body limit and one cross-site policy for every route that accepts a body: a chunked
 * body without Content-Length, far over the route's limit, is answered 413 after the Worker
 * pulled about the limit (never the whole stream); the same cross-site requests are refused
 * by every such route, and the same same-origin ones accepted.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { MAX_MANIFEST_BYTES, MAX_SMALL_BYTES } from "../../src/routes/admin/body.ts";
import { MAX_PREFERENCES_BYTES } from "../../src/routes/me/preferences.ts";
import { MAX_BEACON_BYTES } from "../../src/visitor/beacon.ts";
import { AUTH } from "../fixtures/admin.ts";
import { call } from "../fixtures/call.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";
import { newVisitor } from "../fixtures/visitor.ts";

const origin = () => fixtureOrigin({ "/": () => html("<html><body><div data-p13n-slot='hero'>Hi</div></body></html>") });

beforeEach(async () => {
  invalidateManifest(env.CONTENT);
  await publish(env.CONTENT, manifest({ hero: [{ id: "a", html: "<b>A</b>" }] }));
});

/**
 * A body that would go on for `total` bytes in `chunk`-byte pieces (valid JSON text so far,
 * so only its size can refuse it), recording how many bytes the Worker pulled.
 */
function endless(total: number, chunk = 1024): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let pulled = 0;
  const head = new TextEncoder().encode('{"pad":"');
  const piece = new TextEncoder().encode("x".repeat(chunk));
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(ctrl) {
        if (pulled >= total) return ctrl.close();
        const next = pulled === 0 ? head : piece;
        pulled += next.byteLength;
        ctrl.enqueue(next);
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => pulled };
}

interface BodyRoute {
  name: string;
  path: string;
  method: string;
  limit: number;
  type: string;
  code: string;
  headers: () => Promise<Record<string, string>>;
}

const visitorHeaders = async () => ({ cookie: (await newVisitor(origin())).cookie, "sec-fetch-site": "same-origin" });
const adminHeaders = async () => ({ ...AUTH });

const ROUTES: BodyRoute[] = [
  { name: "POST /__p13n/events", path: "/__p13n/events", method: "POST", limit: MAX_BEACON_BYTES, type: "text/plain;charset=UTF-8", code: "BEACON_TOO_LARGE", headers: visitorHeaders },
  { name: "PUT /__p13n/me", path: "/__p13n/me", method: "PUT", limit: MAX_PREFERENCES_BYTES, type: "application/json", code: "TOO_LARGE", headers: visitorHeaders },
  { name: "POST /__p13n/admin/validate", path: "/__p13n/admin/validate", method: "POST", limit: MAX_MANIFEST_BYTES, type: "application/json", code: "TOO_LARGE", headers: adminHeaders },
  { name: "POST /__p13n/admin/publish", path: "/__p13n/admin/publish", method: "POST", limit: MAX_MANIFEST_BYTES, type: "application/json", code: "TOO_LARGE", headers: adminHeaders },
  { name: "POST /__p13n/admin/rollback", path: "/__p13n/admin/rollback", method: "POST", limit: MAX_SMALL_BYTES, type: "application/json", code: "TOO_LARGE", headers: adminHeaders },
  { name: "POST /__p13n/admin/preview-link", path: "/__p13n/admin/preview-link", method: "POST", limit: MAX_SMALL_BYTES, type: "application/json", code: "TOO_LARGE", headers: adminHeaders },
];

describe("one body limit: a chunked body over the limit is refused as it arrives", () => {
  it.each(ROUTES)("$name: 413 $code after pulling about the limit, not the whole stream", async (route) => {
    // Ten times the limit (at least 1 MiB) would arrive; the Worker may read one chunk past the limit.
    const total = Math.max(10 * route.limit, 1024 * 1024);
    const chunk = Math.min(64 * 1024, Math.max(1024, route.limit / 16));
    const body = endless(total, chunk);
    const { res, body: text } = await call(origin().fetch, route.path, {
      method: route.method,
      headers: { "content-type": route.type, ...(await route.headers()) },
      body: body.stream,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect((JSON.parse(text) as { error: { code: string } }).error.code).toBe(route.code);
    expect(body.pulled()).toBeGreaterThan(route.limit);
    expect(body.pulled()).toBeLessThanOrEqual(route.limit + 2 * chunk);
    expect(body.pulled()).toBeLessThan(total);
  });

  it.each(ROUTES)("$name: a declared Content-Length over the limit is refused unread", async (route) => {
    const body = endless(route.limit + 1024 * 1024);
    const headers = new Headers({ "content-type": route.type, ...(await route.headers()), "content-length": String(route.limit + 1) });
    const { res } = await call(origin().fetch, route.path, { method: route.method, headers, body: body.stream, duplex: "half" } as RequestInit);
    expect(res.status).toBe(413);
    expect(body.pulled()).toBe(0);
  });
});

describe("one cross-site policy for every body route", () => {
  const refused: Array<[string, Record<string, string>]> = [
    ["Sec-Fetch-Site: cross-site", { "sec-fetch-site": "cross-site", origin: "https://evil.example" }],
    ["Sec-Fetch-Site: same-site (a sibling subdomain)", { "sec-fetch-site": "same-site", origin: "https://blog.shop.example" }],
    ["Sec-Fetch-Site: none on a write", { "sec-fetch-site": "none" }],
    ["a foreign Origin without Sec-Fetch-Site", { origin: "https://evil.example" }],
    ["Origin: null (a sandboxed frame)", { origin: "null" }],
    ["the same host over another scheme", { origin: "http://shop.example" }],
  ];
  const cases = ROUTES.flatMap((route) => refused.map(([label, h]) => [`${route.name}: ${label}`, route, h] as const));

  it.each(cases)("%s → 403 CROSS_SITE", async (_label, route, h) => {
    const base = await route.headers();
    delete (base as Record<string, string>)["sec-fetch-site"];
    const { res, body } = await call(origin().fetch, route.path, { method: route.method, headers: { "content-type": route.type, ...base, ...h }, body: "{}" });
    expect(res.status).toBe(403);
    expect((JSON.parse(body) as { error: { code: string } }).error.code).toBe("CROSS_SITE");
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  it.each(ROUTES)("$name: same-origin pages and non-browser clients get past the policy", async (route) => {
    const allowed: Array<Record<string, string>> = [{ "sec-fetch-site": "same-origin" }, { origin: "https://shop.example" }, {}];
    for (const h of allowed) {
      const base = await route.headers();
      delete (base as Record<string, string>)["sec-fetch-site"];
      const { res } = await call(origin().fetch, route.path, { method: route.method, headers: { "content-type": route.type, ...base, ...h }, body: "{}" });
      expect(res.status, JSON.stringify(h)).not.toBe(403);
    }
  });
});
