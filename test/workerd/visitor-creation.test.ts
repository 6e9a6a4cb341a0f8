/**
 * Bounded visitor creation, tested as an attacker would (issue 12, item 4): a script that
 * sends a browser's Fetch Metadata, ignores cookies and floods pages, beacons and PUT /me
 * gets at most wrangler.toml's NEW_VISITORS limit of ids per address and period, and creates
 * no visitor object at all until a cookie comes back. A replayed cookie is one visitor.
 */
import { listDurableObjectIds } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { BASE, call, clientIp } from "../fixtures/call.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";
import { beacon, countingNamespace, eventId, issuedVisitor, limiterWindows, NAVIGATION, visitorObject } from "../fixtures/visitor.ts";

const { limit: LIMIT, period: PERIOD_S } = inject("newVisitorLimit");
const PAGE = "<html><body><div data-p13n-slot='hero'>Default hero</div></body></html>";
const origin = () => fixtureOrigin({ "/": () => html(PAGE), "/about": () => html("<html><body>About</body></html>") });
/** Everything a browser's navigation says, which any script can say too. */
const SPOOFED = { ...NAVIGATION, "sec-fetch-user": "?1", "upgrade-insecure-requests": "1", accept: "text/html,application/xhtml+xml,*/*;q=0.8" };


beforeEach(async () => {
  invalidateManifest(env.CONTENT);
  await publish(env.CONTENT, manifest({ hero: [{ id: "bold", html: "<b>Bold hero</b>" }] }));
});

describe("a script that never sends the cookie back", () => {
  it("1,000 spoofed navigations from one address: at most the limit's ids, no object, every page 200", { timeout: 120_000 }, async () => {
    const o = origin();
    const ip = clientIp();
    const { ns, calls } = countingNamespace();
    const objectsBefore = (await listDurableObjectIds(env.VISITOR)).length;
    const ids = new Set<string>();
    const started = Date.now();
    for (let batch = 0; batch < 20; batch++) {
      const pages = await Promise.all(
        Array.from({ length: 50 }, () => call(o.fetch, "/", { headers: { ...SPOOFED, "cf-connecting-ip": ip } }, { VISITOR: ns })),
      );
      for (const p of pages) {
        expect(p.res.status).toBe(200);
        expect(p.body).toContain("Bold hero");
        const issued = issuedVisitor(p.res);
        if (issued) ids.add(issued.id);
      }
    }
    const windows = limiterWindows(started, Date.now(), PERIOD_S);
    expect(ids.size).toBeGreaterThan(0);
    expect(ids.size).toBeLessThanOrEqual(LIMIT * windows);
    // Not one object touched, not one created: no storage, no 30-day alarm.
    expect(calls.stubs).toBe(0);
    expect((await listDurableObjectIds(env.VISITOR)).length).toBe(objectsBefore);
  });

  it("past the limit the page is still served, anonymous: no cookie, no client script", async () => {
    const o = origin();
    const ip = clientIp();
    let anonymous: Awaited<ReturnType<typeof call>> | null = null;
    for (let i = 0; i < LIMIT * 3 && !anonymous; i++) {
      const page = await call(o.fetch, "/", { headers: { ...SPOOFED, "cf-connecting-ip": ip } });
      if (!issuedVisitor(page.res)) anonymous = page;
    }
    expect(anonymous).not.toBeNull();
    expect(anonymous!.res.status).toBe(200);
    expect(anonymous!.body).toContain("Bold hero");
    expect(anonymous!.body).not.toContain("/__p13n/client.js");
  });

  it("another address is not held back by the first one's flood", async () => {
    const o = origin();
    const flooder = clientIp();
    for (let i = 0; i < LIMIT + 5; i++) await call(o.fetch, "/", { headers: { ...SPOOFED, "cf-connecting-ip": flooder } });
    const other = await call(o.fetch, "/", { headers: { ...SPOOFED, "cf-connecting-ip": clientIp() } });
    expect(issuedVisitor(other.res)).not.toBeNull();
  });

  it("IPv6 addresses in one /64 share the limit", async () => {
    const o = origin();
    const prefix = clientIp().split("::")[0]!;
    const ids = new Set<string>();
    const started = Date.now();
    for (let i = 0; i < LIMIT * 2; i++) {
      const page = await call(o.fetch, "/", { headers: { ...SPOOFED, "cf-connecting-ip": `${prefix}:${(i + 1).toString(16)}:0:0:1` } });
      const issued = issuedVisitor(page.res);
      if (issued) ids.add(issued.id);
    }
    expect(ids.size).toBeLessThanOrEqual(LIMIT * limiterWindows(started, Date.now(), PERIOD_S));
  });

  it("200 beacons without our cookie create nothing and spend none of the address's new ids", async () => {
    const ip = clientIp();
    const { ns, calls } = countingNamespace();
    for (let i = 0; i < 200; i++) {
      const r = await beacon({ events: [{ id: eventId(), type: "click", slot: "hero" }] }, null, { "cf-connecting-ip": ip }, { VISITOR: ns });
      expect(r.res.status).toBe(401);
      expect(r.res.headers.get("set-cookie")).toBeNull();
    }
    expect(calls.stubs).toBe(0);
    const page = await call(origin().fetch, "/", { headers: { ...SPOOFED, "cf-connecting-ip": ip } });
    expect(issuedVisitor(page.res)).not.toBeNull();
  });
});

describe("the cookie coming back", () => {
  it("a replayed cookie is one visitor: one object, every page counted in it", async () => {
    const o = origin();
    const first = await call(o.fetch, "/", { headers: SPOOFED });
    const issued = issuedVisitor(first.res)!;
    expect(issued).not.toBeNull();
    const objectsBefore = (await listDurableObjectIds(env.VISITOR)).length;
    const { ns, calls } = countingNamespace();
    for (let i = 0; i < 10; i++) {
      const page = await call(o.fetch, "/about", { headers: { ...SPOOFED, cookie: issued.cookie } }, { VISITOR: ns });
      expect(page.res.headers.get("set-cookie")).toBeNull();
    }
    expect(new Set(calls.names)).toEqual(new Set([`vid:${issued.id}`]));
    expect((await listDurableObjectIds(env.VISITOR)).length).toBe(objectsBefore + 1);
    const history = await visitorObject(`vid:${issued.id}`).exportHistory();
    expect(history.events.filter((e) => e.type === "view")).toHaveLength(10);
  });

  it("a beacon with the cookie from the first page is proof too: it starts the visitor's memory", async () => {
    const first = await call(origin().fetch, "/", { headers: SPOOFED });
    const issued = issuedVisitor(first.res)!;
    const r = await beacon({ events: [{ id: eventId(), type: "click", slot: "hero" }] }, issued.cookie);
    expect(r.res.status).toBe(200);
    expect((await visitorObject(`vid:${issued.id}`).exportHistory()).events.map((e) => e.type)).toEqual(["click"]);
  });
});

describe("PUT /__p13n/me without a visitor cookie", () => {
  const put = (ip: string, bindings: Record<string, unknown> = {}) =>
    call(
      origin().fetch,
      "/__p13n/me",
      {
        method: "PUT",
        headers: { "content-type": "application/json", origin: BASE, "sec-fetch-site": "same-origin", "cf-connecting-ip": ip },
        body: JSON.stringify({ topics: ["running"] }),
      },
      bindings,
    );

  it("goes through the same limit as pages: past it, 429 and nothing created", async () => {
    const o = origin();
    const { ns, calls } = countingNamespace();
    // The limit is per fixed window: use up an address's ids, then ask within the same window.
    for (let attempt = 0; attempt < 3; attempt++) {
      const ip = clientIp();
      const window = Math.floor(Date.now() / (PERIOD_S * 1000));
      let spent = false;
      for (let i = 0; i < LIMIT * 3 && !spent; i++) {
        spent = issuedVisitor((await call(o.fetch, "/", { headers: { ...SPOOFED, "cf-connecting-ip": ip } })).res) === null;
      }
      expect(spent).toBe(true);
      const r = await put(ip, { VISITOR: ns });
      if (Math.floor(Date.now() / (PERIOD_S * 1000)) !== window) continue; // the window rolled over meanwhile
      expect(r.res.status).toBe(429);
      expect((JSON.parse(r.body) as { error: { code: string } }).error.code).toBe("RATE_LIMITED");
      expect(r.res.headers.get("retry-after")).not.toBeNull();
      expect(r.res.headers.get("set-cookie")).toBeNull();
      expect(calls.stubs).toBe(0);
      return;
    }
    throw new Error("the limiter's window rolled over three times in a row");
  });

  it("within the limit, it issues the id and stores the preferences (one object)", async () => {
    const r = await put(clientIp());
    expect(r.res.status).toBe(200);
    const issued = issuedVisitor(r.res)!;
    expect(issued).not.toBeNull();
    const described = await visitorObject(`vid:${issued.id}`).describe({ now: Date.now() });
    expect(described.statedPrefs).toEqual({ topics: ["running"] });
  });
});
