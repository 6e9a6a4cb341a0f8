/**
 * POST /__p13n/events/server as a backend uses it and as an attacker tries it, through the real
 * Worker and the visitor's real object: a help desk's open case suppresses the cross-sell on the
 * next decision (web and /decide alike) until it is closed; an offline order is a conversion and
 * takes its items out of the web cart; and every forgery fails with its own code while writing
 * nothing: a wrong key, a tampered body (another visitor), an unknown source, an old or future
 * timestamp, a replayed message id, an oversized body, a source sending what it may not, and a
 * visitor whose consent says no.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { call } from "../fixtures/call.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { getMe } from "../fixtures/me.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";
import { eventCount, siteConsent, userTables } from "../fixtures/privacy.ts";
import { SOURCE_KEYS } from "../fixtures/secrets.ts";
import { messageId, sendServerEvents, signedHeaders } from "../fixtures/server-events.ts";
import { profileToken } from "../fixtures/tokens.ts";
import { eventId, newVisitor, visitorObject } from "../fixtures/visitor.ts";

const PAGE = `<!doctype html><html><head><title>Shop</title></head><body>
<section data-p13n-slot="hero"><h1>New season</h1></section>
<aside data-p13n-slot="cross-sell">More for you</aside>
</body></html>`;
const origin = fixtureOrigin({ "/": () => html(PAGE) });

beforeEach(async () => {
  invalidateManifest(env.CONTENT);
  await publish(
    env.CONTENT,
    manifest({
      hero: [
        { id: "support", html: "<h1>We are on your case</h1>", priority: 10, audience: { attr: "visitor.openCases", gt: 0 } },
        { id: "premium", html: "<h1>Premium perks</h1>", priority: 5, audience: { attr: "visitor.subscription.plan", eq: "premium" } },
      ],
      "cross-sell": [{ id: "socks", html: "<p>Socks to match</p>", promotional: true }],
    }),
  );
});

const fresh = (prefix: string) => `${prefix}-${crypto.randomUUID()}`;

/** What /decide answers an app for this visitor: slot → variant. */
async function decided(sub: string): Promise<Record<string, string | null>> {
  const token = await profileToken({ claims: { sub } });
  const { body } = await call(origin.fetch, "/__p13n/decide?slots=hero,cross-sell&record=0", { headers: { "x-p13n-profile": token } });
  const json = JSON.parse(body) as { decisions: Array<{ slot: string; variant: string | null }> };
  return Object.fromEntries(json.decisions.map((d) => [d.slot, d.variant]));
}

/** A signed-in visitor's browser after a first page under consent: their profile and our visitor cookie. */
async function signedInBrowser(sub: string): Promise<string> {
  const profile = `p13n_profile=${await profileToken({ claims: { sub } })}`;
  const first = await call(origin.fetch, "/", { headers: { cookie: profile, "sec-fetch-dest": "document", "sec-fetch-mode": "navigate" } });
  const vid = /__Host-p13n_vid=[^;]+/.exec(first.res.headers.get("set-cookie") ?? "")?.[0];
  if (!vid) throw new Error("no visitor cookie issued");
  return `${profile}; ${vid}`;
}

const opened = (id: string, at?: string) => ({ id: `case-${id}-opened`, type: "case.opened", case: id, ...(at ? { at } : {}) });
const closed = (id: string, at?: string) => ({ id: `case-${id}-closed`, type: "case.closed", case: id, ...(at ? { at } : {}) });

describe("a backend records events for a signed-in visitor", () => {
  it("an open case suppresses the cross-sell and shows the support hero, on a page and in /decide, until it is closed", async () => {
    const sub = fresh("case");
    expect(await decided(sub)).toEqual({ hero: null, "cross-sell": "socks" });
    const sent = await sendServerEvents({ sub, events: [opened("4711")] }, { source: "helpdesk", key: SOURCE_KEYS.helpdeskNew });
    expect(sent.res.status).toBe(200);
    expect(sent.json).toMatchObject({ accepted: 1, duplicates: 0, refused: 0, replayed: false, results: [{ id: "case-4711-opened", status: "accepted" }] });
    expect(await decided(sub)).toEqual({ hero: "support", "cross-sell": null });
    const cookie = `p13n_profile=${await profileToken({ claims: { sub } })}`;
    const page = await call(origin.fetch, "/", { headers: { cookie, "sec-fetch-dest": "document", "sec-fetch-mode": "navigate" } });
    expect(page.body).toContain('data-p13n-variant="support"');
    expect(page.body).toContain("More for you");
    expect(await visitorObject(`sub:${sub}`).snapshot()).toMatchObject({ openCases: 1, openServiceCase: true });

    await sendServerEvents({ sub, events: [closed("4711")] }, { source: "helpdesk", key: SOURCE_KEYS.helpdeskOld });
    expect(await decided(sub)).toEqual({ hero: null, "cross-sell": "socks" });
  });

  it("cases are counted each, and a 'closed' that arrives before its 'opened' (by their times) leaves the case closed", async () => {
    const sub = fresh("cases");
    const t = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    await sendServerEvents({ sub, events: [opened("a", t(30)), opened("b", t(20))] });
    expect((await visitorObject(`sub:${sub}`).snapshot()).openCases).toBe(2);
    // b's "closed" (10 minutes ago) overtook its "opened" on a retry: the later event by time wins.
    await sendServerEvents({ sub, events: [closed("b", t(10))] });
    await sendServerEvents({ sub, events: [{ ...opened("b", t(20)), id: "case-b-opened-retry" }] });
    expect((await visitorObject(`sub:${sub}`).snapshot()).openCases).toBe(1);
  });

  it("an order placed by phone is a conversion (quiet hours for promotions) and takes its items out of the web cart", async () => {
    const sub = fresh("order");
    const o = visitorObject(`sub:${sub}`);
    const now = Date.now();
    await o.record({
      now,
      events: [
        { type: "cart", id: eventId(), at: now, action: "add", sku: "aero-leggings", qty: 1, price: 89, topics: [] },
        { type: "cart", id: eventId(), at: now, action: "add", sku: "trail-socks", qty: 2, price: 9, topics: [] },
      ],
    });
    const sent = await sendServerEvents({ sub, events: [{ id: "order-9001", type: "order.placed", channel: "phone", value: 89, skus: ["aero-leggings"], topics: ["leggings"] }] });
    expect(sent.json).toMatchObject({ accepted: 1 });
    const s = await o.snapshot();
    expect(s).toMatchObject({ conversions: 1, cart: { count: 2, skus: ["trail-socks"] } });
    expect(s.interests?.leggings).toBeGreaterThan(0);
    // Converted a moment ago: promotions rest for the policy's quiet hours.
    expect((await decided(sub))["cross-sell"]).toBeNull();
  });

  it("a subscription's plan and status are attributes rules can test", async () => {
    const sub = fresh("plan");
    await sendServerEvents({ sub, events: [{ id: "subscr-1", type: "subscription.changed", plan: "premium", status: "active" }] });
    expect((await visitorObject(`sub:${sub}`).snapshot()).subscription).toEqual({ plan: "premium", status: "active" });
    expect((await decided(sub)).hero).toBe("premium");
  });

  it("the visitor's preference centre says what backends and other channels recorded, in words", async () => {
    const sub = fresh("me");
    await sendServerEvents({
      sub,
      events: [opened("9"), { id: "order-7", type: "order.placed", channel: "phone", value: 40 }, { id: "subscr-2", type: "subscription.changed", plan: "premium", status: "paused" }],
    });
    const token = await profileToken({ claims: { sub } });
    await call(origin.fetch, "/__p13n/decide?slots=hero&channel=app", { headers: { "x-p13n-profile": token } });
    const { json } = await getMe(`p13n_profile=${token}`);
    const said = json!.recentInteractions.map((r) => r.summary);
    expect(said).toEqual(expect.arrayContaining(["Opened a support request", 'Completed "order" (phone)', "Subscription paused (premium)", 'Was shown "support" in hero (app)']));
    expect(json!.stored.what.join("\n")).toContain("support requests, orders and your subscription");
  });

  it("a mixed message keeps its valid events and says why each other one was refused", async () => {
    const sub = fresh("mixed");
    const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
    const sent = await sendServerEvents(
      { sub, events: [opened("1"), { id: "x", type: "case.opened" }, { id: "o-1", type: "order.placed", value: 1e9 }, opened("2", old)] },
    );
    expect(sent.res.status).toBe(200);
    expect(sent.json).toMatchObject({ accepted: 2, refused: 2 });
    const results = sent.json.results as Array<Record<string, unknown>>;
    expect(results[1]).toMatchObject({ id: "x", status: "refused", code: "INVALID_EVENT" });
    expect(String(results[1]!.message)).toContain("events.1.case");
    expect(results[2]).toMatchObject({ status: "accepted", notes: [{ code: "VALUE_CAPPED" }] });
    expect(results[3]).toMatchObject({ status: "refused", code: "INVALID_EVENT" });
    expect(String(results[3]!.message)).toContain("events.3.at");
  });

  it("a malformed envelope or body is refused with its code", async () => {
    const bad = await sendServerEvents({ sub: fresh("env"), events: [] });
    expect(bad.res.status).toBe(400);
    expect(bad.json).toMatchObject({ error: { code: "INVALID_EVENTS" } });
    const notJson = await sendServerEvents("{not json");
    expect(notJson.json).toMatchObject({ error: { code: "MALFORMED_JSON" } });
    const allBad = await sendServerEvents({ sub: fresh("env"), events: [{ id: "y", type: "nope" }] });
    expect(allBad.res.status).toBe(400);
    expect(allBad.json).toMatchObject({ error: { code: "INVALID_EVENTS" }, results: [{ id: "y", status: "refused" }] });
  });
});

describe("as an attacker: nothing is written without the source's signature", () => {
  it("a wrong key: 401 BAD_SIGNATURE, no object", async () => {
    const sub = fresh("wrongkey");
    const sent = await sendServerEvents({ sub, events: [opened("1")] }, { key: "whsec_" + btoa("an-attackers-guess-0123456789abcdef") });
    expect(sent.res.status).toBe(401);
    expect(sent.json).toMatchObject({ error: { code: "BAD_SIGNATURE" } });
    expect(await userTables(`sub:${sub}`)).toEqual([]);
  });

  it("another source's key, or the help desk's key claimed as the CRM: refused (a key names its source)", async () => {
    const sub = fresh("swap");
    const asCrm = await sendServerEvents({ sub, events: [opened("1")] }, { source: "crm", key: SOURCE_KEYS.helpdeskNew });
    expect(asCrm.json).toMatchObject({ error: { code: "BAD_SIGNATURE" } });
    expect(await userTables(`sub:${sub}`)).toEqual([]);
  });

  it("another visitor: a message signed for one sub and changed to another is refused; neither is written", async () => {
    const alice = fresh("alice");
    const mallory = fresh("mallory");
    const sent = await sendServerEvents({ sub: alice, events: [opened("1")] }, { tamper: (body) => body.replace(alice, mallory) });
    expect(sent.json).toMatchObject({ error: { code: "BAD_SIGNATURE" } });
    expect(await userTables(`sub:${alice}`)).toEqual([]);
    expect(await userTables(`sub:${mallory}`)).toEqual([]);
  });

  it("a sub that spells an anonymous object's name reaches only a profile's object", async () => {
    const { id } = await newVisitor(origin);
    const before = await eventCount(`vid:${id}`);
    const sent = await sendServerEvents({ sub: `vid:${id}`, events: [opened("1")] });
    expect(sent.json).toMatchObject({ accepted: 1 });
    expect(await eventCount(`vid:${id}`)).toBe(before);
    expect((await visitorObject(`sub:vid:${id}`).snapshot()).openCases).toBe(1);
  });

  it("an unknown source, or none: 401 UNKNOWN_SOURCE", async () => {
    const sub = fresh("unknown");
    const unknown = await sendServerEvents({ sub, events: [opened("1")] }, { source: "shop" });
    expect(unknown.res.status).toBe(401);
    expect(unknown.json).toMatchObject({ error: { code: "UNKNOWN_SOURCE" } });
    const none = await sendServerEvents({ sub, events: [opened("1")] }, { headers: { "p13n-source": "" } });
    expect(none.json).toMatchObject({ error: { code: "UNKNOWN_SOURCE" } });
    const proto = await sendServerEvents({ sub, events: [opened("1")] }, { source: "__proto__" });
    expect(proto.json).toMatchObject({ error: { code: "UNKNOWN_SOURCE" } });
    expect(await userTables(`sub:${sub}`)).toEqual([]);
  });

  it("missing or malformed signature headers: 401 BAD_SIGNATURE", async () => {
    const sub = fresh("headers");
    const broken: Array<Record<string, string>> = [{ "webhook-signature": "" }, { "webhook-id": "" }, { "webhook-timestamp": "soon" }, { "webhook-signature": "v1,not-base64!" }, { "webhook-signature": "v2,AAAA" }];
    for (const headers of broken) {
      const sent = await sendServerEvents({ sub, events: [opened("1")] }, { headers });
      expect(sent.json, JSON.stringify(headers)).toMatchObject({ error: { code: "BAD_SIGNATURE" } });
    }
    expect(await userTables(`sub:${sub}`)).toEqual([]);
  });

  it("a correctly signed message 6 minutes old, or 6 minutes ahead: 401 STALE_TIMESTAMP", async () => {
    const sub = fresh("stale");
    const now = Math.floor(Date.now() / 1000);
    for (const timestamp of [now - 360, now + 360]) {
      const sent = await sendServerEvents({ sub, events: [opened("1")] }, { timestamp });
      expect(sent.res.status).toBe(401);
      expect(sent.json).toMatchObject({ error: { code: "STALE_TIMESTAMP" } });
    }
    // Within the window (4 minutes old) it is taken.
    expect((await sendServerEvents({ sub, events: [opened("1")] }, { timestamp: now - 240 })).res.status).toBe(200);
  });

  it("a replayed message id records nothing again, whether re-signed or replayed byte for byte", async () => {
    const sub = fresh("replay");
    const id = messageId();
    const order = { id: "order-1", type: "order.placed", value: 20 };
    const first = await sendServerEvents({ sub, events: [opened("1"), order] }, { id });
    expect(first.json).toMatchObject({ accepted: 2, replayed: false });
    // The same message captured and replayed within the window.
    const body = JSON.stringify({ sub, events: [opened("1"), order] });
    const headers = await signedHeaders(body, { id });
    const noOrigin = () => Promise.reject(new Error("no origin"));
    for (let i = 0; i < 3; i++) {
      const again = await call(noOrigin, "/__p13n/events/server", { method: "POST", headers: { "content-type": "application/json", "p13n-source": "crm", ...headers }, body });
      expect(JSON.parse(again.body)).toMatchObject({ accepted: 0, duplicates: 2, replayed: true });
    }
    // A retry with a new message id but the same event ids: each event is a duplicate.
    const retry = await sendServerEvents({ sub, events: [opened("1"), order] });
    expect(retry.json).toMatchObject({ accepted: 0, duplicates: 2, replayed: false });
    expect(await visitorObject(`sub:${sub}`).snapshot()).toMatchObject({ openCases: 1, conversions: 1 });
    expect(await eventCount(`sub:${sub}`)).toBe(2);
  });

  it("message ids and event ids are kept apart: an event id that spells a message's is an event of its own", async () => {
    const sub = fresh("ids");
    const id = messageId();
    expect((await sendServerEvents({ sub, events: [opened("1")] }, { id })).json).toMatchObject({ accepted: 1 });
    // An event whose id is "msg:<that message's id>" is new; and a message whose id is an event's is not a replay.
    const spelled = await sendServerEvents({ sub, events: [{ ...opened("2"), id: `msg:${id}` }] });
    expect(spelled.json).toMatchObject({ accepted: 1, duplicates: 0, replayed: false });
    const named = await sendServerEvents({ sub, events: [opened("3")] }, { id: "case-1-opened" });
    expect(named.json).toMatchObject({ accepted: 1, replayed: false });
    expect((await visitorObject(`sub:${sub}`).snapshot()).openCases).toBe(3);
  });

  it("many events per message: at most 50, one visitor per message; 51 are refused whole and nothing is written", async () => {
    const sub = fresh("many");
    const events = (n: number) => Array.from({ length: n }, (_, i) => opened(String(i)));
    const over = await sendServerEvents({ sub, events: events(51) });
    expect(over.res.status).toBe(400);
    expect(over.json).toMatchObject({ error: { code: "INVALID_EVENTS" } });
    expect(await userTables(`sub:${sub}`)).toEqual([]);
    // A second visitor, or a list of them, is not part of the envelope: refused, not fanned out.
    const two = await sendServerEvents({ sub: [sub, fresh("other")], events: events(1) });
    expect(two.json).toMatchObject({ error: { code: "INVALID_EVENTS" } });
    expect(await userTables(`sub:${sub}`)).toEqual([]);
    // The same event 50 times over is one event.
    const same = await sendServerEvents({ sub, events: Array.from({ length: 50 }, () => opened("x")) });
    expect(same.json).toMatchObject({ accepted: 1, duplicates: 49 });
    expect(await eventCount(`sub:${sub}`)).toBe(1);
  });

  it("a sub that maps to no visitor: one object per message, its rows bounded, gone RETENTION_DAYS after its last message", async () => {
    const sub = fresh("stranger");
    const o = visitorObject(`sub:${sub}`);
    const DAY = 86_400_000;
    const then = Date.now() - 31 * DAY;
    const cases = (from: number) => Array.from({ length: 50 }, (_, i) => ({ type: "case.opened" as const, id: `c-${from + i}`, at: then + from + i, case: String(from + i) }));
    // A source (or a leaked key) naming a stranger 100 cases deep: the object keeps MAX_CASES (50), the newest.
    for (const from of [0, 50]) await o.serverEvents({ source: "crm", messageId: messageId(), now: then, personalize: true, events: cases(from) });
    const kept = await runInDurableObject(o, (_i, state) => state.storage.sql.exec<{ n: number; oldest: string }>("SELECT COUNT(*) AS n, MIN(CAST(id AS INTEGER)) AS oldest FROM srv_cases").one());
    expect(kept).toEqual({ n: 50, oldest: 50 });
    // The object set its own end: run, it erases everything (no visitor ever came to renew it).
    expect(await runInDurableObject(o, (_i, state) => state.storage.getAlarm())).not.toBeNull();
    expect(await runDurableObjectAlarm(o)).toBe(true);
    expect(await userTables(`sub:${sub}`)).toEqual([]);
    expect(await runInDurableObject(o, (_i, state) => state.storage.getAlarm())).toBeNull();
  });

  it("clock skew on an event's own time: up to 5 minutes ahead is taken, more is refused", async () => {
    const sub = fresh("skew");
    const ahead = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
    const sent = await sendServerEvents({ sub, events: [opened("near", ahead(4)), opened("far", ahead(10)), opened("year", "2999-01-01T00:00:00Z")] });
    expect(sent.json).toMatchObject({ accepted: 1, refused: 2, results: [{ status: "accepted" }, { status: "refused", code: "INVALID_EVENT" }, { status: "refused" }] });
    expect((await visitorObject(`sub:${sub}`).snapshot()).openCases).toBe(1);
  });

  it("an oversized body: 413 TOO_LARGE, declared or streamed, never read past the limit", async () => {
    const sub = fresh("big");
    const big = JSON.stringify({ sub, events: [opened("1")], pad: "x".repeat(70 * 1024) });
    const declared = await sendServerEvents(big);
    expect(declared.res.status).toBe(413);
    expect(declared.json).toMatchObject({ error: { code: "TOO_LARGE" } });
    let pulled = 0;
    const chunk = new TextEncoder().encode("x".repeat(16 * 1024));
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += chunk.byteLength;
        if (pulled > 1024 * 1024) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const headers = { "content-type": "application/json", "p13n-source": "crm", ...(await signedHeaders("{}")) };
    const streamed = await call(() => Promise.reject(new Error("no origin")), "/__p13n/events/server", { method: "POST", headers, body: stream, duplex: "half" } as RequestInit);
    expect(streamed.res.status).toBe(413);
    expect(pulled).toBeLessThan(160 * 1024);
    expect(await userTables(`sub:${sub}`)).toEqual([]);
  });

  it("a source sends only what it may: the help desk's order is refused, its case taken", async () => {
    const sub = fresh("scope");
    const sent = await sendServerEvents({ sub, events: [{ id: "o-1", type: "order.placed" }, opened("1")] }, { source: "helpdesk", key: SOURCE_KEYS.helpdeskOld });
    expect(sent.json).toMatchObject({ accepted: 1, refused: 1, results: [{ id: "o-1", status: "refused", code: "EVENT_NOT_ALLOWED" }, { status: "accepted" }] });
    expect((await visitorObject(`sub:${sub}`).snapshot()).conversions).toBe(0);
  });

  it("not JSON: 415", async () => {
    const sent = await sendServerEvents({ sub: fresh("type"), events: [opened("1")] }, { headers: { "content-type": "text/plain" } });
    expect(sent.res.status).toBe(415);
  });

  it("per source rate limit: counted only once authenticated, keyed by the source; past it 429, a missing limiter 503", async () => {
    const keys: string[] = [];
    let allow = true;
    const SERVER_EVENTS = { limit: async ({ key }: { key: string }) => (keys.push(key), { success: allow }) };
    const sub = fresh("limit");
    await sendServerEvents({ sub, events: [opened("1")] }, { key: SOURCE_KEYS.helpdeskNew, bindings: { SERVER_EVENTS } });
    expect(keys).toEqual([]);
    await sendServerEvents({ sub, events: [opened("1")] }, { bindings: { SERVER_EVENTS } });
    expect(keys).toEqual(["source:crm"]);
    allow = false;
    const over = await sendServerEvents({ sub, events: [opened("2")] }, { bindings: { SERVER_EVENTS } });
    expect(over.res.status).toBe(429);
    expect(over.res.headers.get("retry-after")).toBe("60");
    const none = await sendServerEvents({ sub, events: [opened("3")] }, { bindings: { SERVER_EVENTS: undefined } });
    expect(none.res.status).toBe(503);
    expect(none.json).toMatchObject({ error: { code: "LIMIT_UNAVAILABLE" } });
    expect((await visitorObject(`sub:${sub}`).snapshot()).openCases).toBe(1);
  });

  it("without SERVER_EVENT_SOURCES the route is off: 404", async () => {
    const sent = await sendServerEvents({ sub: fresh("off"), events: [opened("1")] }, { bindings: { SERVER_EVENT_SOURCES: "" } });
    expect(sent.res.status).toBe(404);
  });
});

describe("consent: a visitor whose consent says no gets nothing recorded", () => {
  it("the message says track: false → nothing written, no object", async () => {
    const sub = fresh("no");
    const sent = await sendServerEvents({ sub, consent: { track: false }, events: [opened("1")] });
    expect(sent.res.status).toBe(200);
    expect(sent.res.headers.get("p13n-ignored")).toBe("consent");
    expect(sent.json).toMatchObject({ ignored: "consent", accepted: 0, results: [{ status: "ignored" }] });
    expect(await userTables(`sub:${sub}`)).toEqual([]);
  });

  it("CONSENT_DEFAULT opt-in: only a message that says yes is recorded", async () => {
    const sub = fresh("optin");
    const silent = await sendServerEvents({ sub, events: [opened("1")] }, { bindings: { CONSENT_DEFAULT: "opt-in" } });
    expect(silent.json).toMatchObject({ ignored: "consent" });
    expect(await userTables(`sub:${sub}`)).toEqual([]);
    const yes = await sendServerEvents({ sub, consent: { track: true }, events: [opened("1")] }, { bindings: { CONSENT_DEFAULT: "opt-in" } });
    expect(yes.json).toMatchObject({ accepted: 1 });
  });

  it("a visitor seen on the web with GPC while signed in: later server events are ignored, until they browse with consent again", async () => {
    const sub = fresh("gpc");
    const cookie = await signedInBrowser(sub);
    const nav = { "sec-fetch-dest": "document", "sec-fetch-mode": "navigate" };
    const before = await eventCount(`sub:${sub}`);
    await call(origin.fetch, "/", { headers: { ...nav, cookie, "sec-gpc": "1" } });
    const ignored = await sendServerEvents({ sub, events: [opened("1")] });
    expect(ignored.json).toMatchObject({ ignored: "consent" });
    expect(await eventCount(`sub:${sub}`)).toBe(before);
    // Back without GPC: a page under consent lifts the withdrawal.
    await call(origin.fetch, "/", { headers: { ...nav, cookie } });
    expect((await sendServerEvents({ sub, events: [opened("1")] })).json).toMatchObject({ accepted: 1 });
  });

  it("the site's consent cookie saying no on a signed-in page withdraws too", async () => {
    const sub = fresh("cmp");
    const cookie = await signedInBrowser(sub);
    await call(origin.fetch, "/", { headers: { cookie: `${cookie}; ${siteConsent({ track: false })}` } });
    expect((await sendServerEvents({ sub, events: [opened("1")] })).json).toMatchObject({ ignored: "consent" });
  });

  it("memory turned off in the preference centre: erased, and server events stay out (a note of two dates is all that is kept)", async () => {
    const sub = fresh("memoff");
    const cookie = `p13n_profile=${await profileToken({ claims: { sub } })}`;
    await call(origin.fetch, "/", { headers: { cookie } });
    const off = await call(origin.fetch, "/__p13n/me", { method: "PUT", headers: { cookie, "content-type": "application/json", origin: "https://shop.example" }, body: JSON.stringify({ track: false }) });
    expect(off.res.status).toBe(200);
    expect(await userTables(`sub:${sub}`)).toEqual(["consent_state"]);
    expect((await sendServerEvents({ sub, events: [opened("1")] })).json).toMatchObject({ ignored: "consent" });
    expect(await userTables(`sub:${sub}`)).toEqual(["consent_state"]);
    // "Erase everything" while the choice still says no: the note stays (erasing never turns tracking back on).
    const erased = await call(origin.fetch, "/__p13n/me", { method: "DELETE", headers: { cookie: `${cookie}; __Host-p13n_consent=track=0`, origin: "https://shop.example" } });
    expect(erased.res.status).toBe(200);
    expect(await userTables(`sub:${sub}`)).toEqual(["consent_state"]);
    expect((await sendServerEvents({ sub, events: [opened("1")] })).json).toMatchObject({ ignored: "consent" });
  });

  it("a signed-in visitor who never allowed tracking gets no object from their pages' refusals", async () => {
    const sub = fresh("never");
    const cookie = `p13n_profile=${await profileToken({ claims: { sub, consent: { track: false } } })}`;
    await call(origin.fetch, "/", { headers: { cookie, "sec-fetch-dest": "document", "sec-fetch-mode": "navigate" } });
    expect(await userTables(`sub:${sub}`)).toEqual([]);
  });

  it("a GPC page without our visitor cookie (a browser we never remembered) does not reach the object", async () => {
    const sub = fresh("nocookie");
    await call(origin.fetch, "/", { headers: { cookie: `p13n_profile=${await profileToken({ claims: { sub } })}` } });
    await call(origin.fetch, "/", { headers: { cookie: `p13n_profile=${await profileToken({ claims: { sub } })}`, "sec-gpc": "1" } });
    // Not withdrawn: the backend's events are still recorded (its message carries the consent it knows).
    expect((await sendServerEvents({ sub, events: [opened("1")] })).json).toMatchObject({ accepted: 1 });
  });
});
