/**
 * Outbound hooks through the real visitor object, its alarm and the Worker's real outgoing fetch
 * (answered by the stand-in receiver, test/fixtures/hook-receiver.ts): a signed-in visitor's
 * abandoned cart and conversion reach the receiver once, signed so a Standard Webhooks library
 * verifies them, with the facts a message needs; a failing receiver is retried on the backoff's
 * schedule (the hooks' clock injected, never slept on) with the same id every time; and nothing
 * is ever sent for a visitor who said no (GPC, an opt-out, personalization refused, erasure),
 * nor for an anonymous one.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { beforeEach, describe, expect, it } from "vitest";
import { getConfig } from "../../src/config/config.ts";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { HOOK_MAX_ATTEMPTS } from "../../src/event-hooks/backoff.ts";
import type { HookPayload } from "../../src/event-hooks/payload.ts";
import type { VisitorEvent } from "../../src/visitor/events.ts";
import { VisitorHooks } from "../../src/visitor/store/hook-outbox.ts";
import { call } from "../fixtures/call.ts";
import { deliveriesFor, scriptReceiver, type Delivery } from "../fixtures/hook-receiver.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";
import { siteConsent, userTables } from "../fixtures/privacy.ts";
import { TEST_SECRETS } from "../fixtures/secrets.ts";
import { profileToken } from "../fixtures/tokens.ts";
import { sendServerEvents } from "../fixtures/server-events.ts";
import { beacon, eventId, newVisitor, visitorObject } from "../fixtures/visitor.ts";

const MINUTE = 60_000;
const origin = fixtureOrigin({ "/": () => html('<main><div data-p13n-slot="hero"><h1>Hi</h1></div></main>') });
const NAV = { "sec-fetch-dest": "document", "sec-fetch-mode": "navigate" };

beforeEach(async () => {
  invalidateManifest(env.CONTENT);
  await publish(env.CONTENT, manifest({ hero: [{ id: "all", html: "<h1>All</h1>" }] }, { goals: ["purchase"] } as never));
});

const fresh = (prefix: string) => `${prefix}-${crypto.randomUUID()}`;
const receiver = new Webhook(TEST_SECRETS.EVENT_HOOK_SECRET);

/** A delivery verified as any Standard Webhooks receiver would (signature, timestamp), and its payload. */
function verified(d: Delivery): HookPayload {
  return receiver.verify(d.body, d.headers) as HookPayload;
}

function cartAdd(sku: string, price: number, at: number, said: { name?: string; image?: string } = {}): VisitorEvent {
  return { type: "cart", id: eventId(), at, action: "add", sku, qty: 1, price, topics: [], ...said };
}

/** A signed-in visitor's web write, as the beacon route makes it (their consent noted). */
async function webWrite(sub: string, events: VisitorEvent[], now: number, personalize = true) {
  return visitorObject(`sub:${sub}`).record({ events, now, personalize });
}

/**
 * The visitor's hooks with an injected clock: what the alarm runs, at `now`. The object's own
 * alarm is taken out first, so the test's clock is the only one that sends.
 */
function hooksAt(sub: string, now: number): Promise<void> {
  const { eventHook, cartAbandonMs, interestHalfLifeMs: halfLifeMs } = getConfig(env);
  return runInDurableObject(visitorObject(`sub:${sub}`), async (_i, state) => {
    await state.storage.deleteAlarm();
    await new VisitorHooks(state.storage, sub, { hook: eventHook!, cartAbandonMs, halfLifeMs }).run(now);
  });
}

/** A signed-in visitor's browser after a first page under consent: their profile and our visitor cookie. */
async function signedInBrowser(sub: string): Promise<string> {
  const profile = `p13n_profile=${await profileToken({ claims: { sub } })}`;
  const first = await call(origin.fetch, "/", { headers: { ...NAV, cookie: profile } });
  const vid = /__Host-p13n_vid=[^;]+/.exec(first.res.headers.get("set-cookie") ?? "")?.[0];
  if (!vid) throw new Error("no visitor cookie issued");
  return `${profile}; ${vid}`;
}

function outbox(sub: string) {
  return runInDurableObject(visitorObject(`sub:${sub}`), (_i, state) =>
    state.storage.sql.exec<{ id: string; state: string; attempts: number; next_at: number | null }>("SELECT id, state, attempts, next_at FROM hook_outbox ORDER BY created_at").toArray(),
  );
}

describe("an abandoned cart", () => {
  it("reaches the receiver once, signed, naming the items and the visitor, after CART_ABANDON_MINUTES", async () => {
    const sub = fresh("cart");
    const at = Date.now() - 31 * MINUTE;
    await webWrite(sub, [cartAdd("aero-leggings", 89, at), cartAdd("trail-socks", 9, at)], at);
    await visitorObject(`sub:${sub}`).setPreferences({ channels: ["email"], frequency: "fewer" }, at);
    expect(await runDurableObjectAlarm(visitorObject(`sub:${sub}`))).toBe(true);
    const got = await deliveriesFor(sub);
    expect(got).toHaveLength(1);
    const payload = verified(got[0]!);
    expect(payload).toMatchObject({
      v: 1,
      type: "cart.abandoned",
      sub,
      id: got[0]!.headers["webhook-id"],
      occurredAt: new Date(at + 30 * MINUTE).toISOString(),
      cart: { items: [{ sku: "aero-leggings", qty: 1, price: 89 }, { sku: "trail-socks", qty: 1, price: 9 }], value: 98, updatedAt: new Date(at).toISOString() },
      prefs: { channels: ["email"], frequency: "fewer" },
    });
    expect(got[0]!.headers["content-type"]).toBe("application/json");
    // Alarms are at least once: run again (twice), nothing more is sent.
    await runDurableObjectAlarm(visitorObject(`sub:${sub}`));
    await hooksAt(sub, Date.now());
    expect(await deliveriesFor(sub)).toHaveLength(1);
  });

  it("carries every field the cart holds for a line (the shop's name and image)", async () => {
    const sub = fresh("named");
    const at = Date.now() - 40 * MINUTE;
    // The shop said the line's name and image in its cart event (data-p13n-name, data-p13n-image).
    await webWrite(sub, [cartAdd("aero-leggings", 89, at, { name: "Aero High-Rise Leggings", image: "/img/aero.jpg" })], at);
    await runDurableObjectAlarm(visitorObject(`sub:${sub}`));
    const [d] = await deliveriesFor(sub);
    expect(verified(d!)).toMatchObject({ cart: { items: [{ sku: "aero-leggings", name: "Aero High-Rise Leggings", image: "/img/aero.jpg" }] } });
  });

  it("a cart still changing, emptied, checked out, or bought by phone (a server event) is not abandoned", async () => {
    const sub = fresh("fresh-cart");
    const now = Date.now();
    await webWrite(sub, [cartAdd("aero-leggings", 89, now - 5 * MINUTE)], now - 5 * MINUTE);
    await hooksAt(sub, now);
    const emptied = fresh("emptied");
    await webWrite(emptied, [cartAdd("a", 1, now - 40 * MINUTE), { type: "cart", id: eventId(), at: now - 39 * MINUTE, action: "clear", qty: 1, topics: [] }], now - 39 * MINUTE);
    await hooksAt(emptied, now);
    const bought = fresh("bought");
    await webWrite(bought, [cartAdd("a", 1, now - 40 * MINUTE), { type: "cart", id: eventId(), at: now - 39 * MINUTE, action: "checkout", qty: 1, topics: [] }], now - 39 * MINUTE);
    await hooksAt(bought, now);
    const byPhone = fresh("by-phone");
    await webWrite(byPhone, [cartAdd("aero-leggings", 89, now - 40 * MINUTE)], now - 40 * MINUTE);
    expect((await sendServerEvents({ sub: byPhone, events: [{ id: "order-1", type: "order.placed", channel: "phone", skus: ["aero-leggings"] }] })).json).toMatchObject({ accepted: 1 });
    await hooksAt(byPhone, now);
    expect(await deliveriesFor(sub)).toEqual([]);
    expect(await deliveriesFor(emptied)).toEqual([]);
    expect((await deliveriesFor(bought)).map((d) => (JSON.parse(d.body) as HookPayload).type)).toEqual(["conversion"]);
    expect(await deliveriesFor(byPhone)).toEqual([]);
    // The first cart, once it is left long enough: sent.
    await hooksAt(sub, now + 26 * MINUTE);
    // (Signed 26 minutes ahead of the real clock: read, not verified, here.)
    expect((JSON.parse((await deliveriesFor(sub))[0]!.body) as HookPayload).type).toBe("cart.abandoned");
  });
});

describe("a conversion", () => {
  it("through the real beacon: one signed message with the goal and value, however often the beacon is resent", async () => {
    const sub = fresh("convert");
    const cookie = `p13n_profile=${await profileToken({ claims: { sub } })}`;
    const id = eventId();
    for (let i = 0; i < 3; i++) {
      const sent = await beacon({ events: [{ id, type: "conversion", goal: "purchase", value: 120 }] }, cookie);
      expect(sent.res.status).toBe(200);
    }
    await runDurableObjectAlarm(visitorObject(`sub:${sub}`));
    const got = await deliveriesFor(sub);
    expect(got).toHaveLength(1);
    expect(verified(got[0]!)).toMatchObject({ type: "conversion", sub, conversion: { goal: "purchase", value: 120 } });
  });

  it("a checkout lists what was bought", async () => {
    const sub = fresh("checkout");
    const now = Date.now();
    await webWrite(sub, [cartAdd("aero-leggings", 89, now)], now);
    await webWrite(sub, [{ type: "cart", id: eventId(), at: now, action: "checkout", qty: 1, price: 89, topics: [] }], now);
    await runDurableObjectAlarm(visitorObject(`sub:${sub}`));
    const [d] = await deliveriesFor(sub);
    expect(verified(d!)).toMatchObject({ type: "conversion", conversion: { goal: "checkout", value: 89, items: [{ sku: "aero-leggings", qty: 1, price: 89 }] } });
    expect(await deliveriesFor(sub)).toHaveLength(1);
  });
});

describe("a receiver that fails", () => {
  it("is retried with backoff (30 s, then 60 s, each +≤20 %), the same id and body every time, until it takes it", async () => {
    const sub = fresh("retry");
    await scriptReceiver(sub, [500, 503, 200]);
    const t0 = Date.now();
    await webWrite(sub, [{ type: "conversion", id: eventId(), at: t0, goal: "purchase", topics: [] }], t0);
    await hooksAt(sub, t0);
    let [row] = await outbox(sub);
    expect(row).toMatchObject({ state: "pending", attempts: 1 });
    const first = row!.next_at! - t0;
    expect(first).toBeGreaterThanOrEqual(30_000);
    expect(first).toBeLessThanOrEqual(36_000);
    // Not yet due: nothing is sent.
    await hooksAt(sub, t0 + first - 1);
    expect(await deliveriesFor(sub)).toHaveLength(1);
    await hooksAt(sub, t0 + first);
    [row] = await outbox(sub);
    const second = row!.next_at! - (t0 + first);
    expect(second).toBeGreaterThanOrEqual(60_000);
    expect(second).toBeLessThanOrEqual(72_000);
    await hooksAt(sub, t0 + first + second);
    expect((await outbox(sub))[0]).toMatchObject({ state: "sent", attempts: 3, next_at: null });
    const got = await deliveriesFor(sub);
    expect(got.map((d) => d.status)).toEqual([500, 503, 200]);
    expect(new Set(got.map((d) => d.headers["webhook-id"])).size).toBe(1);
    expect(new Set(got.map((d) => d.body)).size).toBe(1);
    expect(got.map((d) => Number(d.headers["webhook-timestamp"]))).toEqual([t0, t0 + first, t0 + first + second].map((t) => Math.floor(t / 1000)));
    // A receiver that does its work once per webhook-id does it once.
    expect(new Set(got.filter((d) => d.status < 300).map((d) => d.headers["webhook-id"])).size).toBe(1);
    await hooksAt(sub, t0 + 86_400_000);
    expect(await deliveriesFor(sub)).toHaveLength(3);
  });

  it("the object's alarm is set for the retry", async () => {
    const sub = fresh("alarm");
    await scriptReceiver(sub, [500]);
    const now = Date.now();
    await webWrite(sub, [{ type: "conversion", id: eventId(), at: now, goal: "purchase", topics: [] }], now);
    await runDurableObjectAlarm(visitorObject(`sub:${sub}`));
    const [row] = await outbox(sub);
    const alarm = await runInDurableObject(visitorObject(`sub:${sub}`), (_i, state) => state.storage.getAlarm());
    expect(alarm).toBe(row!.next_at);
  });

  it("a 429's Retry-After is honoured; a 400 is not retried, nor a redirect followed; after the last attempt it is dropped", async () => {
    const limited = fresh("429");
    await scriptReceiver(limited, [429]);
    const now = Date.now();
    await webWrite(limited, [{ type: "conversion", id: eventId(), at: now, goal: "purchase", topics: [] }], now);
    await hooksAt(limited, now);
    expect((await outbox(limited))[0]!.next_at! - now).toBe(120_000);

    const refused = fresh("400");
    await scriptReceiver(refused, [400]);
    await webWrite(refused, [{ type: "conversion", id: eventId(), at: now, goal: "purchase", topics: [] }], now);
    await hooksAt(refused, now);
    expect((await outbox(refused))[0]).toMatchObject({ state: "dropped", attempts: 1 });

    // A redirect is not followed (the visitor's data goes to EVENT_HOOK_URL or nowhere), nor retried.
    const moved = fresh("307");
    await scriptReceiver(moved, [307]);
    await webWrite(moved, [{ type: "conversion", id: eventId(), at: now, goal: "purchase", topics: [] }], now);
    await hooksAt(moved, now);
    expect((await deliveriesFor(moved)).map((d) => d.status)).toEqual([307]);
    expect((await outbox(moved))[0]).toMatchObject({ state: "dropped", attempts: 1 });

    const down = fresh("down");
    await scriptReceiver(down, Array<number>(HOOK_MAX_ATTEMPTS + 2).fill(503));
    await webWrite(down, [{ type: "conversion", id: eventId(), at: now, goal: "purchase", topics: [] }], now);
    let t = now;
    for (let i = 0; i < HOOK_MAX_ATTEMPTS + 2; i++) {
      await hooksAt(down, t);
      const [row] = await outbox(down);
      if (row!.next_at === null) break;
      t = row!.next_at;
    }
    expect((await outbox(down))[0]).toMatchObject({ state: "dropped", attempts: HOOK_MAX_ATTEMPTS });
    expect(await deliveriesFor(down)).toHaveLength(HOOK_MAX_ATTEMPTS);
    // 14.5–16.2 hours of trying: the doubling from 30 s, capped at 6 h, with jitter.
    expect(t - now).toBeGreaterThanOrEqual(52_290_000);
    expect(t - now).toBeLessThanOrEqual(58_428_000);
  });
});

describe("respect the no: never sent under GPC or an opt-out", () => {
  it("a cart left, then a GPC page while signed in: the abandonment is never sent", async () => {
    const sub = fresh("gpc");
    const cookie = await signedInBrowser(sub);
    const at = Date.now() - 31 * MINUTE;
    await webWrite(sub, [cartAdd("aero-leggings", 89, at)], at);
    await call(origin.fetch, "/", { headers: { ...NAV, cookie, "sec-gpc": "1" } });
    await runDurableObjectAlarm(visitorObject(`sub:${sub}`));
    await hooksAt(sub, Date.now() + 3_600_000);
    expect(await deliveriesFor(sub)).toEqual([]);
  });

  it("a message waiting for a retry is dropped when the visitor opts out (their profile's consent, or the site's consent cookie)", async () => {
    for (const optOut of ["profile", "site"] as const) {
      const sub = fresh(`optout-${optOut}`);
      await scriptReceiver(sub, [503]);
      const now = Date.now();
      await webWrite(sub, [{ type: "conversion", id: eventId(), at: now, goal: "purchase", topics: [] }], now);
      await hooksAt(sub, now);
      const vid = (await signedInBrowser(sub)).split("; ")[1]!;
      const token = await profileToken({ claims: { sub, ...(optOut === "profile" ? { consent: { track: false } } : {}) } });
      const cookie = optOut === "profile" ? `p13n_profile=${token}; ${vid}` : `p13n_profile=${token}; ${vid}; ${siteConsent({ track: false })}`;
      await call(origin.fetch, "/", { headers: { ...NAV, cookie } });
      expect((await outbox(sub))[0]).toMatchObject({ state: "dropped" });
      await hooksAt(sub, now + 86_400_000);
      expect(await deliveriesFor(sub)).toHaveLength(1);
    }
  });

  it("with GPC the beacon records nothing, so there is nothing to send", async () => {
    const sub = fresh("gpc-beacon");
    const cookie = `p13n_profile=${await profileToken({ claims: { sub } })}`;
    const sent = await beacon({ events: [{ id: eventId(), type: "conversion", goal: "purchase" }] }, cookie, { "sec-gpc": "1" });
    expect(sent.res.status).toBe(204);
    expect(await userTables(`sub:${sub}`)).toEqual([]);
    expect(await deliveriesFor(sub)).toEqual([]);
  });

  it("personalization refused (tracking allowed): remembered, never messaged", async () => {
    const sub = fresh("nopers");
    const cookie = `p13n_profile=${await profileToken({ claims: { sub, consent: { personalize: false } } })}`;
    const sent = await beacon({ events: [{ id: eventId(), type: "conversion", goal: "purchase" }] }, cookie);
    expect(sent.res.status).toBe(200);
    const at = Date.now() - 31 * MINUTE;
    await webWrite(sub, [cartAdd("aero-leggings", 89, at)], at, false);
    await runDurableObjectAlarm(visitorObject(`sub:${sub}`));
    await hooksAt(sub, Date.now() + 3_600_000);
    expect(await deliveriesFor(sub)).toEqual([]);
  });

  it("erasure takes the messages still waiting with it", async () => {
    const sub = fresh("erase");
    await scriptReceiver(sub, [503]);
    const now = Date.now();
    await webWrite(sub, [{ type: "conversion", id: eventId(), at: now, goal: "purchase", topics: [] }], now);
    await hooksAt(sub, now);
    const cookie = `p13n_profile=${await profileToken({ claims: { sub } })}`;
    const erased = await call(origin.fetch, "/__p13n/me", { method: "DELETE", headers: { cookie, origin: "https://shop.example" } });
    expect(erased.res.status).toBe(200);
    expect(await userTables(`sub:${sub}`)).not.toContain("hook_outbox");
    expect(await deliveriesFor(sub)).toHaveLength(1);
  });

  it("an anonymous visitor has no sub to write to: nothing is queued", async () => {
    const { cookie, id } = await newVisitor(origin);
    await beacon({ events: [{ id: eventId(), type: "conversion", goal: "purchase" }] }, cookie);
    expect(await userTables(`vid:${id}`)).not.toContain("hook_outbox");
  });
});
