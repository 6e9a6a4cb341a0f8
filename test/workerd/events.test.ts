/**
 * POST /__p13n/events and GET /__p13n/client.js: good beacons are written before they
 * are acknowledged; bad ones (oversized, malformed, off-schema, forged visitor, flood,
 * duplicates, cross-site, no consent) are refused with a clear code and lose nothing.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { CLIENT_SCRIPT_VERSION } from "../../src/routes/client-script.ts";
import { MAX_BEACON_BYTES } from "../../src/visitor/beacon.ts";
import { call } from "../fixtures/call.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";
import { profileToken } from "../fixtures/tokens.ts";
import { beacon, eventId, newVisitor, storedEvents, visitorObject } from "../fixtures/visitor.ts";

const origin = () => fixtureOrigin({ "/": () => html("<html><body><div data-p13n-slot='hero'>Hi</div></body></html>") });

beforeEach(async () => {
  invalidateManifest(env.CONTENT);
  await publish(
    env.CONTENT,
    manifest(
      { hero: [{ id: "trail", html: "<b>Trail</b>", topics: ["trail", "running"], audience: { attr: "context.path", eq: "/nowhere" } }] },
      { pages: [{ pattern: "/products/running-shoes*", category: "running-shoes", topics: ["running"] }] },
    ),
  );
});

const click = (extra: Record<string, unknown> = {}) => ({ id: eventId(), type: "click", slot: "hero", variant: "trail", ...extra });
const errorOf = (called: { body: string }) => (JSON.parse(called.body) as { error: { code: string; message: string } }).error;

describe("a good beacon", () => {
  it("is written, then acknowledged with what was taken", async () => {
    const { cookie, id } = await newVisitor(origin());
    const events = [
      click(),
      { id: eventId(), type: "impression", slot: "hero", variant: "trail" },
      { id: eventId(), type: "conversion", goal: "signup", value: 12.5 },
      { id: eventId(), type: "cart", action: "add", sku: "SHOE-1", qty: 2, price: 120 },
      { id: eventId(), type: "service_case", open: true },
      { id: eventId(), type: "custom", name: "video.play", props: { seconds: 12, autoplay: false } },
    ];
    const { res, body } = await beacon({ v: 1, page: { path: "/products/running-shoes" }, events }, cookie);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    // One result per event, in the order sent (the contract since beacons answer per event).
    const answer = JSON.parse(body) as { accepted: number; duplicates: number; refused: number; results: Array<{ id: string; status: string }> };
    expect(answer).toMatchObject({ accepted: 6, duplicates: 0, refused: 0 });
    expect(answer.results.map((r) => [r.id, r.status])).toEqual(events.map((e) => [e.id, "accepted"]));
    const stored = await storedEvents(`vid:${id}`);
    expect(stored.filter((e) => e.type !== "view" && e.type !== "impression" || e.data.served === false).map((e) => e.id)).toEqual(events.map((e) => e.id));
    // Topics come from the manifest: the click its variant's, the conversion and cart add the page's.
    expect(stored.find((e) => e.type === "click")?.data.topics).toEqual(["trail", "running"]);
    expect(stored.find((e) => e.type === "conversion")?.data).toEqual({ goal: "signup", value: 12.5, topics: ["running"] });
    const s = await visitorObject(`vid:${id}`).snapshot();
    expect(s).toMatchObject({ conversions: 1, openServiceCase: true, cart: { count: 2, value: 240, abandoned: false, categories: ["running-shoes"] } });
    expect(s.interests?.running).toBeGreaterThan(0.8);
  });

  it("from a signed-in visitor goes to the profile's object", async () => {
    const sub = `beacon-${crypto.randomUUID()}`;
    const cookie = `p13n_profile=${await profileToken({ claims: { sub } })}`;
    const { res } = await beacon({ events: [click()] }, cookie);
    expect(res.status).toBe(200);
    expect((await storedEvents(`sub:${sub}`)).map((e) => e.type)).toEqual(["click"]);
  });

  it("sent twice counts once: event ids are deduplicated", async () => {
    const { cookie, id } = await newVisitor(origin());
    const body = { events: [click(), click()] };
    expect(JSON.parse((await beacon(body, cookie)).body)).toMatchObject({ accepted: 2, duplicates: 0, refused: 0 });
    const again = JSON.parse((await beacon(body, cookie)).body) as { results: Array<{ status: string }> };
    expect(again).toMatchObject({ accepted: 0, duplicates: 2, refused: 0 });
    expect(again.results.map((r) => r.status)).toEqual(["duplicate", "duplicate"]);
    expect((await storedEvents(`vid:${id}`)).filter((e) => e.type === "click")).toHaveLength(2);
  });
});

describe("bad beacons are refused and lose nothing", () => {
  it("over 64 KiB: 413, by Content-Length and by counting a body without one", async () => {
    const { cookie, id } = await newVisitor(origin());
    const big = JSON.stringify({ events: [click({ pad: "x".repeat(MAX_BEACON_BYTES) })] });
    const declared = await beacon(big, cookie);
    expect(declared.res.status).toBe(413);
    expect(errorOf(declared)).toMatchObject({ code: "BEACON_TOO_LARGE" });
    // A streamed body (no Content-Length) is counted as it is read.
    const enc = new TextEncoder().encode(big);
    const stream = new ReadableStream<Uint8Array>({
      start(ctrl) {
        for (let i = 0; i < enc.length; i += 8192) ctrl.enqueue(enc.slice(i, i + 8192));
        ctrl.close();
      },
    });
    const streamed = await call(origin().fetch, "/__p13n/events", {
      method: "POST",
      headers: { "content-type": "text/plain", cookie },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(streamed.res.status).toBe(413);
    // Just under the limit is fine.
    const fits = JSON.stringify({ events: [click({ pad: "x".repeat(MAX_BEACON_BYTES - 200) })] });
    expect(new TextEncoder().encode(fits).length).toBeLessThanOrEqual(MAX_BEACON_BYTES);
    expect((await beacon(fits, cookie)).res.status).toBe(200);
    expect((await storedEvents(`vid:${id}`)).filter((e) => e.type === "click")).toHaveLength(1);
  });

  it.each([
    ["not JSON", "{events:[", 400, "MALFORMED_JSON"],
    ["no events", { events: [] }, 400, "INVALID_BEACON"],
    ["an unknown type", { events: [{ id: "abcdefgh1", type: "purchase" }] }, 400, "INVALID_BEACON"],
    ["a page view (the Worker records those itself)", { events: [{ id: "abcdefgh1", type: "view", path: "/" }] }, 400, "INVALID_BEACON"],
    ["a bad event id", { events: [{ id: "x", type: "click", slot: "hero" }] }, 400, "INVALID_BEACON"],
    ["a bad slot id", { events: [{ id: "abcdefgh1", type: "click", slot: "<script>" }] }, 400, "INVALID_BEACON"],
    ["too many events", { events: Array.from({ length: 51 }, (_, i) => ({ id: `abcdefgh${i}`, type: "click", slot: "hero" })) }, 400, "INVALID_BEACON"],
    ["a negative price", { events: [{ id: "abcdefgh1", type: "cart", action: "add", price: -1 }] }, 400, "INVALID_BEACON"],
    ["too many props", { events: [{ id: "abcdefgh1", type: "custom", name: "x", props: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, i])) }] }, 400, "INVALID_BEACON"],
  ])("%s: refused, nothing written", async (_label, body, status, code) => {
    const { cookie, id } = await newVisitor(origin());
    const before = (await storedEvents(`vid:${id}`)).length;
    const sent = await beacon(body, cookie);
    expect(sent.res.status).toBe(status);
    const err = errorOf(sent);
    expect(err.code).toBe(code);
    expect(err.message.length).toBeGreaterThan(0);
    expect((await storedEvents(`vid:${id}`)).length).toBe(before);
  });

  it("names the field that failed", async () => {
    const { cookie } = await newVisitor(origin());
    const sent = await beacon({ events: [{ id: "abcdefgh1", type: "cart", action: "steal" }] }, cookie);
    expect(errorOf(sent).message).toMatch(/^events\.0\.action: /);
  });

  it("a visitor id in the body is ignored: the events go to the cookie's visitor", async () => {
    const o = origin();
    const me = await newVisitor(o);
    const victim = await newVisitor(o);
    const before = (await storedEvents(`vid:${victim.id}`)).length;
    const { res } = await beacon({ visitorId: victim.id, vid: victim.id, sub: "someone", events: [click()] }, me.cookie);
    expect(res.status).toBe(200);
    expect((await storedEvents(`vid:${victim.id}`)).length).toBe(before);
    expect((await storedEvents(`vid:${me.id}`)).filter((e) => e.type === "click")).toHaveLength(1);
  });

  it("no cookie, or a forged one: 401 NO_VISITOR, and no cookie issued", async () => {
    const victim = await newVisitor(origin());
    const none = await beacon({ visitorId: victim.id, events: [click()] }, null);
    expect(none.res.status).toBe(401);
    expect(errorOf(none)).toMatchObject({ code: "NO_VISITOR" });
    expect(none.res.headers.get("set-cookie")).toBeNull();
    const forged = await beacon({ events: [click()] }, `__Host-p13n_vid=${victim.id}.${"A".repeat(43)}`);
    expect(forged.res.status).toBe(401);
    expect((await storedEvents(`vid:${victim.id}`)).filter((e) => e.type === "click")).toHaveLength(0);
  });

  it("a flood beyond the rate limit: 429 with Retry-After; what was accepted stays, what was refused was not half-written", async () => {
    const { cookie, id } = await newVisitor(origin());
    const batch = () => ({ events: Array.from({ length: 40 }, () => click()) });
    const rate = { BEACON_RATE_PER_MIN: "100" };
    const first = await beacon(batch(), cookie, {}, rate);
    const second = await beacon(batch(), cookie, {}, rate);
    const third = await beacon(batch(), cookie, {}, rate);
    expect([first.res.status, second.res.status, third.res.status]).toEqual([200, 200, 429]);
    expect(errorOf(third)).toMatchObject({ code: "RATE_LIMITED" });
    expect(Number(third.res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const clicks = (await storedEvents(`vid:${id}`)).filter((e) => e.type === "click");
    expect(clicks).toHaveLength(80);
    // A smaller batch still fits in what is left (20).
    expect((await beacon({ events: Array.from({ length: 20 }, () => click()) }, cookie, {}, rate)).res.status).toBe(200);
    expect((await storedEvents(`vid:${id}`)).filter((e) => e.type === "click")).toHaveLength(100);
  });

  it.each([
    ["another origin", { origin: "https://evil.example" }],
    ["a cross-site fetch", { "sec-fetch-site": "cross-site" }],
    ["a same-site (other subdomain) fetch", { "sec-fetch-site": "same-site", origin: "https://blog.shop.example" }],
  ])("from %s: 403 CROSS_SITE", async (_label, headers) => {
    const { cookie, id } = await newVisitor(origin());
    const sent = await beacon({ events: [click()] }, cookie, headers);
    expect(sent.res.status).toBe(403);
    expect(errorOf(sent)).toMatchObject({ code: "CROSS_SITE" });
    expect((await storedEvents(`vid:${id}`)).filter((e) => e.type === "click")).toHaveLength(0);
  });

  it("not text/plain or application/json: 415", async () => {
    const { cookie } = await newVisitor(origin());
    const sent = await beacon({ events: [click()] }, cookie, { "content-type": "application/x-www-form-urlencoded" });
    expect(sent.res.status).toBe(415);
    expect(errorOf(sent)).toMatchObject({ code: "UNSUPPORTED_MEDIA_TYPE" });
  });

  it("accepts application/json as well as sendBeacon's text/plain", async () => {
    const { cookie } = await newVisitor(origin());
    expect((await beacon({ events: [click()] }, cookie, { "content-type": "application/json" })).res.status).toBe(200);
  });
});

describe("a visitor who said no", () => {
  it("with Sec-GPC: 1 gets 204 and nothing is written", async () => {
    const { cookie, id } = await newVisitor(origin());
    const before = (await storedEvents(`vid:${id}`)).length;
    const { res } = await beacon({ events: [click()] }, cookie, { "sec-gpc": "1" });
    expect(res.status).toBe(204);
    expect(res.headers.get("p13n-ignored")).toBe("consent");
    expect((await storedEvents(`vid:${id}`)).length).toBe(before);
  });

  it("with profile consent track: false gets 204 and nothing is written", async () => {
    const sub = `no-track-${crypto.randomUUID()}`;
    const cookie = `p13n_profile=${await profileToken({ claims: { sub, consent: { track: false } } })}`;
    const { res } = await beacon({ events: [click()] }, cookie);
    expect(res.status).toBe(204);
    expect(await visitorObject(`sub:${sub}`).exportHistory()).toMatchObject({ visitor: null, events: [] });
  });
});

describe("GET /__p13n/client.js", () => {
  it("serves the script, immutable under its current version", async () => {
    const o = origin();
    const current = await call(o.fetch, `/__p13n/client.js?v=${CLIENT_SCRIPT_VERSION}`);
    expect(current.res.status).toBe(200);
    expect(current.res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(current.res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(current.res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(current.body).toContain("sendBeacon");
    expect(current.body).toContain("IntersectionObserver");
    expect(current.body).toContain("globalPrivacyControl");
    expect(o.seen).toHaveLength(0);
    const old = await call(o.fetch, "/__p13n/client.js?v=00000000");
    expect(old.res.headers.get("cache-control")).toBe("public, max-age=300");
    const revalidated = await call(o.fetch, "/__p13n/client.js", { headers: { "if-none-match": `"${CLIENT_SCRIPT_VERSION}"` } });
    expect(revalidated.res.status).toBe(304);
  });

  it("is small: under 3 KB gzipped", async () => {
    const { bytes } = await call(origin().fetch, "/__p13n/client.js");
    const gz = await new Response(new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer();
    expect(gz.byteLength).toBeLessThan(3 * 1024);
  });
});
