/**
 * The visitor's Durable Object through its RPC methods: aggregates kept on write,
 * decay, visits, cart abandonment, caps, deduplication, bounds, rate limit, merge,
 * erasure and the retention alarm (checked inside the object).
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { VisitorEvent } from "../../src/visitor/events.ts";
import { MAX_EVENTS, SESSION_GAP_MS } from "../../src/visitor/schema.ts";
import { eventId, visitorObject } from "../fixtures/visitor.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse("2026-11-02T10:00:00Z");

const view = (at: number, topics: string[], category?: string): VisitorEvent =>
  category === undefined
    ? { type: "view", id: eventId("v"), at, path: "/p", topics }
    : { type: "view", id: eventId("v"), at, path: "/p", category, topics };
const custom = (at: number): VisitorEvent => ({ type: "custom", id: eventId("c"), at, name: "x" });
const cart = (at: number, action: "add" | "remove" | "clear" | "checkout", sku?: string, qty = 1, price?: number): VisitorEvent => {
  const e: VisitorEvent = { type: "cart", id: eventId("cart"), at, action, qty, topics: [] };
  if (sku !== undefined) e.sku = sku;
  if (price !== undefined) e.price = price;
  return e;
};

let n = 0;
const fresh = () => `vid:${(++n).toString(16).padStart(8, "0")}${crypto.randomUUID().replace(/-/g, "").slice(8)}`;

/** User tables in the object's SQLite database (the runtime's own `_cf_*` tables excluded). */
async function userTables(name: string): Promise<string[]> {
  return runInDurableObject(visitorObject(name), (_instance, state) =>
    state.storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'sqlite_%'")
      .toArray()
      .map((r) => r.name),
  );
}

describe("snapshot", () => {
  it("of a visitor never seen is a first visit, and creates no storage", async () => {
    const name = fresh();
    expect(await visitorObject(name).snapshot({ now: T0 })).toEqual({ visits: 1 });
    expect(await userTables(name)).toEqual([]);
  });

  it("turns page views into interests, recent views and visits", async () => {
    const name = fresh();
    const o = visitorObject(name);
    await o.record({ now: T0, events: [view(T0, ["running", "shoes"], "running-shoes")] });
    await o.record({ now: T0 + 60_000, events: [view(T0 + 60_000, ["running", "shoes"], "running-shoes")] });
    const s = await o.snapshot({ now: T0 + 120_000 });
    expect(s.visits).toBe(1);
    expect(s.recentViews).toEqual({ "running-shoes": 2, running: 2, shoes: 2 });
    expect(s.interests?.running).toBeGreaterThan(0.35);
    expect(s.interests?.running).toBeLessThan(0.5);
    expect(s.cart).toEqual({ count: 0, items: [], abandoned: false });
    expect(s.conversions).toBe(0);
    expect(s.openServiceCase).toBe(false);
  });

  it("crosses 0.5 interest with the third view, and halves the raw score every half-life", async () => {
    const o = visitorObject(fresh());
    for (let i = 0; i < 3; i++) await o.record({ now: T0 + i, events: [view(T0 + i, ["running"])] });
    const now = await o.snapshot({ now: T0 + 10 });
    expect(now.interests?.running).toBeGreaterThanOrEqual(0.5);
    // Raw score 3 → 1.5 after one 7-day half-life: 1 − e^(−1.5/4).
    const later = await o.snapshot({ now: T0 + 2 + 7 * DAY });
    expect(later.interests?.running).toBeCloseTo(1 - Math.exp(-1.5 / 4), 3);
    // Views older than the recent window no longer count as recent.
    expect((await o.snapshot({ now: T0 + 8 * DAY })).recentViews).toEqual({});
  });

  it("counts a new visit after a session gap and reports the previous one", async () => {
    const o = visitorObject(fresh());
    await o.record({ now: T0, events: [view(T0, [])] });
    await o.record({ now: T0 + 10 * 60_000, events: [view(T0 + 10 * 60_000, [])] });
    // Still inside visit 1: no previous visit.
    expect(await o.snapshot({ now: T0 + 20 * 60_000 })).toMatchObject({ visits: 1 });
    expect((await o.snapshot({ now: T0 + 20 * 60_000 })).lastVisitAt).toBeUndefined();
    // A day later this request starts visit 2; the previous one started at T0.
    const back = await o.snapshot({ now: T0 + DAY });
    expect(back.visits).toBe(2);
    expect(back.lastVisitAt).toBe(T0);
    await o.record({ now: T0 + DAY, events: [view(T0 + DAY, [])] });
    expect(await o.snapshot({ now: T0 + DAY + SESSION_GAP_MS / 2 })).toMatchObject({ visits: 2, lastVisitAt: T0 });
  });

  it("keeps the cart, marks it abandoned after CART_ABANDON_MINUTES, and a checkout converts", async () => {
    const o = visitorObject(fresh());
    await o.record({ now: T0, events: [cart(T0, "add", "LEG-1", 2, 88), cart(T0, "add", "SOCK-3", 1, 24), cart(T0, "remove", "LEG-1", 1)] });
    const soon = await o.snapshot({ now: T0 + 5 * 60_000 });
    expect(soon.cart).toEqual({
      count: 2,
      items: [{ sku: "LEG-1", qty: 1, price: 88 }, { sku: "SOCK-3", qty: 1, price: 24 }],
      value: 112,
      updatedAt: T0,
      abandoned: false,
      skus: ["LEG-1", "SOCK-3"],
      categories: [],
    });
    expect((await o.snapshot({ now: T0 + 31 * 60_000 })).cart?.abandoned).toBe(true);
    expect((await o.snapshot({ now: T0 + 5 * 60_000, cartAbandonMs: 60_000 })).cart?.abandoned).toBe(true);
    await o.record({ now: T0 + HOUR, events: [cart(T0 + HOUR, "checkout")] });
    const after = await o.snapshot({ now: T0 + 2 * HOUR });
    expect(after.cart).toEqual({ count: 0, items: [], abandoned: false });
    expect(after.conversions).toBe(1);
    expect(after.lastConversionAt).toBe(T0 + HOUR);
  });

  it("counts served impressions per variant and campaign for caps; viewable ones only in the history", async () => {
    const o = visitorObject(fresh());
    await o.record({
      now: T0,
      events: [
        { type: "impression", id: eventId(), at: T0, slot: "home-hero", variant: "cart-reminder", campaign: "recovery", served: true },
        { type: "impression", id: eventId(), at: T0 + 1, slot: "home-hero", variant: "cart-reminder", campaign: "recovery", served: true },
        { type: "impression", id: eventId(), at: T0 + 2, slot: "home-hero", variant: "cart-reminder", served: false },
      ],
    });
    const s = await o.snapshot({ now: T0 + 10 });
    expect(s.impressions).toEqual({ "home-hero/cart-reminder": [T0, T0 + 1], "campaign:recovery": [T0, T0 + 1] });
  });

  it("tracks an open service case until it is closed", async () => {
    const o = visitorObject(fresh());
    await o.record({ now: T0, events: [{ type: "service_case", id: eventId(), at: T0, open: true }] });
    expect((await o.snapshot({ now: T0 })).openServiceCase).toBe(true);
    await o.record({ now: T0 + 1, events: [{ type: "service_case", id: eventId(), at: T0 + 1, open: false }] });
    expect((await o.snapshot({ now: T0 + 2 })).openServiceCase).toBe(false);
  });
});

describe("record", () => {
  it("skips an event id it already has, within a batch and across batches", async () => {
    const name = fresh();
    const o = visitorObject(name);
    const e = view(T0, ["yoga"]);
    // Each event's status, in order (the beacon's per-event answer is built from it).
    expect(await o.record({ now: T0, events: [e, e] })).toEqual({ ok: true, accepted: 1, duplicates: 1, merged: false, statuses: ["accepted", "duplicate"] });
    expect(await o.record({ now: T0 + 1, events: [e] })).toEqual({ ok: true, accepted: 0, duplicates: 1, merged: false, statuses: ["duplicate"] });
    expect((await o.exportHistory()).events).toHaveLength(1);
    expect((await o.snapshot({ now: T0 + 2 })).recentViews).toEqual({ yoga: 1 });
  });

  it("keeps only the most recent events", async () => {
    const o = visitorObject(fresh());
    for (let b = 0; b < 5; b++) await o.record({ now: T0 + b, events: Array.from({ length: 50 }, () => custom(T0 + b)) });
    const h = await o.exportHistory();
    expect(h.events).toHaveLength(MAX_EVENTS);
    expect(h.events.at(-1)?.at).toBe(T0 + 4);
    expect(h.events[0]?.at).toBe(T0 + 1);
  });

  it("refuses a whole batch over the rate limit and writes none of it", async () => {
    const o = visitorObject(fresh());
    const rate = { perMinute: 120 };
    const batch = () => Array.from({ length: 50 }, () => custom(T0));
    expect(await o.record({ now: T0, rate, events: batch() })).toMatchObject({ ok: true, accepted: 50 });
    expect(await o.record({ now: T0, rate, events: batch() })).toMatchObject({ ok: true, accepted: 50 });
    const refused = await o.record({ now: T0, rate, events: batch() });
    expect(refused).toEqual({ ok: false, code: "RATE_LIMITED", retryAfterS: 15 });
    expect((await o.exportHistory()).events).toHaveLength(100);
    // The bucket refills: 30 s later 60 more tokens.
    expect(await o.record({ now: T0 + 30_000, rate, events: batch() })).toMatchObject({ ok: true, accepted: 50 });
    // Page-path writes carry no rate and are never refused.
    expect(await o.record({ now: T0 + 30_000, events: batch() })).toMatchObject({ ok: true, accepted: 50 });
  });
});

describe("the cart's details", () => {
  const added = (at: number, sku: string, extra: { name?: string; image?: string; category?: string; price?: number; qty?: number } = {}): VisitorEvent => ({
    type: "cart",
    id: eventId("cart"),
    at,
    action: "add",
    sku,
    qty: extra.qty ?? 1,
    topics: [],
    ...(extra.price !== undefined ? { price: extra.price } : {}),
    ...(extra.name !== undefined ? { name: extra.name } : {}),
    ...(extra.image !== undefined ? { image: extra.image } : {}),
    ...(extra.category !== undefined ? { category: extra.category } : {}),
  });

  it("keeps each line's name, image and category, the most recently added first; a later add without them keeps them", async () => {
    const o = visitorObject(fresh());
    await o.record({
      now: T0,
      events: [
        added(T0, "LEG-1", { name: "Aero High-Rise Leggings", image: "/img/leg.svg", category: "leggings", price: 88 }),
        added(T0 + 1, "SHOE-1", { name: "Tempo 3", category: "running-shoes", price: 140 }),
        // The same leggings again, without details: the quantity grows, the details stay, and it is the newest line now.
        added(T0 + 2, "LEG-1"),
      ],
    });
    const s = await o.snapshot({ now: T0 + 10 });
    expect(s.cart).toEqual({
      count: 3,
      items: [
        { sku: "LEG-1", qty: 2, price: 88, name: "Aero High-Rise Leggings", image: "/img/leg.svg", category: "leggings" },
        { sku: "SHOE-1", qty: 1, price: 140, name: "Tempo 3", category: "running-shoes" },
      ],
      value: 316,
      updatedAt: T0 + 2,
      abandoned: false,
      skus: ["LEG-1", "SHOE-1"],
      categories: ["leggings", "running-shoes"],
    });
    // The preference centre lists the lines with what is kept of them.
    expect((await o.describe({ now: T0 + 10 })).cart).toEqual([
      { sku: "LEG-1", qty: 2, price: 88, name: "Aero High-Rise Leggings", image: "/img/leg.svg", category: "leggings" },
      { sku: "SHOE-1", qty: 1, price: 140, name: "Tempo 3", category: "running-shoes" },
    ]);
  });

  it("describes the 10 most recent lines in the snapshot, and counts, prices and categorizes them all", async () => {
    const o = visitorObject(fresh());
    const events = Array.from({ length: 14 }, (_, i) => added(T0 + i, `SKU-${i}`, { name: `Item ${i}`, category: i < 4 ? "old" : "new", price: 1 }));
    await o.record({ now: T0, events });
    const c = (await o.snapshot({ now: T0 + 100 })).cart!;
    expect(c.count).toBe(14);
    expect(c.value).toBe(14);
    expect(c.items.map((i) => i.sku)).toEqual(Array.from({ length: 10 }, (_, i) => `SKU-${13 - i}`));
    expect(c.skus).toHaveLength(14);
    expect(c.categories).toEqual(["new", "old"]);
  });

  it("a signed-in visitor's object takes the anonymous cart's details", async () => {
    const anonId = crypto.randomUUID().replace(/-/g, "");
    await visitorObject(`vid:${anonId}`).record({ now: T0, events: [added(T0, "LEG-1", { name: "Aero High-Rise Leggings", category: "leggings" })] });
    const profile = visitorObject(`sub:cart-${anonId}`);
    await profile.record({ now: T0 + 5, events: [added(T0 + 5, "LEG-1")] });
    await profile.record({ now: T0 + 10, events: [custom(T0 + 10)], mergeFrom: anonId });
    expect((await profile.snapshot({ now: T0 + 20 })).cart).toMatchObject({ count: 1, items: [{ sku: "LEG-1", qty: 1, name: "Aero High-Rise Leggings", category: "leggings" }] });
  });
});

describe("merge", () => {
  it("moves an anonymous visitor's history into the profile's object, once, and empties the anonymous one", async () => {
    const anonId = crypto.randomUUID().replace(/-/g, "");
    const anon = visitorObject(`vid:${anonId}`);
    await anon.record({ now: T0, events: [view(T0, ["running"]), view(T0 + 1, ["running"]), cart(T0 + 2, "add", "SHOE-1", 1, 120)] });
    const profile = visitorObject(`sub:merge-${anonId}`);
    await profile.record({ now: T0 + 10, events: [view(T0 + 10, ["running"])] });
    const r = await profile.record({ now: T0 + 20, events: [view(T0 + 20, ["running"])], mergeFrom: anonId });
    expect(r).toMatchObject({ ok: true, accepted: 1, merged: true });
    const s = await profile.snapshot({ now: T0 + 30 });
    // 4 running views in all (2 anonymous, 2 signed in).
    expect(s.recentViews).toEqual({ running: 4 });
    expect(s.interests?.running).toBeCloseTo(1 - Math.exp(-4 / 4), 3);
    expect(s.cart).toMatchObject({ count: 1, skus: ["SHOE-1"] });
    expect(await userTables(`vid:${anonId}`)).toEqual([]);
    expect(await anon.snapshot({ now: T0 + 30 })).toEqual({ visits: 1 });
    // Within the same visit the merge is not tried again.
    expect(await profile.record({ now: T0 + 40, events: [custom(T0 + 40)], mergeFrom: anonId })).toMatchObject({ merged: false });
  });
});

describe("erasure and retention", () => {
  it("forget() leaves nothing: no tables, no keys, no alarm", async () => {
    const name = fresh();
    const o = visitorObject(name);
    await o.record({ events: [view(Date.now(), ["running"]), cart(Date.now(), "add", "X")] });
    expect(await runInDurableObject(o, (_i, state) => state.storage.getAlarm())).not.toBeNull();
    await o.forget();
    await runInDurableObject(o, async (_instance, state) => {
      expect(await state.storage.getAlarm()).toBeNull();
      expect((await state.storage.list()).size).toBe(0);
      const tables = state.storage.sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE name NOT LIKE '_cf_%' AND name NOT LIKE 'sqlite_%'")
        .toArray();
      expect(tables).toEqual([]);
    });
    expect(await o.snapshot()).toEqual({ visits: 1 });
    // It works again afterwards, from nothing.
    await o.record({ events: [view(Date.now(), ["yoga"])] });
    expect((await o.snapshot()).recentViews).toEqual({ yoga: 1 });
  });

  it("the alarm erases a visitor inactive for RETENTION_DAYS, and running it again is harmless", async () => {
    const name = fresh();
    const o = visitorObject(name);
    const longAgo = Date.now() - 31 * DAY;
    await o.record({ now: longAgo, events: [view(longAgo, ["running"])] });
    // The alarm is never set in the past: it fires only when run (or an hour from now).
    const at = await runInDurableObject(o, (_i, state) => state.storage.getAlarm());
    expect(at).toBeGreaterThan(Date.now() + 59 * 60_000);
    expect(await runDurableObjectAlarm(o)).toBe(true);
    expect(await userTables(name)).toEqual([]);
    expect(await runInDurableObject(o, (_i, state) => state.storage.getAlarm())).toBeNull();
    // At-least-once: a second run finds nothing to do and nothing scheduled.
    expect(await runDurableObjectAlarm(o)).toBe(false);
    expect(await userTables(name)).toEqual([]);
  });

  it("the alarm keeps an active visitor and moves itself to the new deadline", async () => {
    const name = fresh();
    const o = visitorObject(name);
    const recently = Date.now() - 2 * DAY;
    await o.record({ now: recently, events: [view(recently, ["running"])] });
    expect(await runDurableObjectAlarm(o)).toBe(true);
    expect((await o.snapshot()).recentViews).toEqual({ running: 1 });
    const next = await runInDurableObject(o, (_i, state) => state.storage.getAlarm());
    expect(next).toBe(recently + 30 * DAY);
    // Idempotent: running it again changes nothing.
    expect(await runDurableObjectAlarm(o)).toBe(true);
    expect(await runInDurableObject(o, (_i, state) => state.storage.getAlarm())).toBe(recently + 30 * DAY);
    expect((await o.snapshot()).recentViews).toEqual({ running: 1 });
  });
});

describe("what an object holds between writes (its memory row, the consent it noted, its experiments) is never older than its storage", () => {
  it("a page view after preferences, a backend's events and an erasure writes onto what they left, not onto what it held before", async () => {
    const o = visitorObject(`sub:held-${crypto.randomUUID()}`);
    const page = (at: number) => o.record({ events: [view(at, ["yoga"])], now: at, personalize: true, madeIds: true });
    await page(T0);
    await o.setPreferences({ topics: ["running"] }, T0 + 1);
    await page(T0 + 2);
    await o.serverEvents({ source: "crm", messageId: `m-${crypto.randomUUID()}`, now: T0 + 3, personalize: true, events: [{ type: "case.opened", id: "case-1-opened", at: T0 + 3, case: "1" }] });
    await page(T0 + 4);
    const snap = await o.snapshot({ now: T0 + 5, copy: true });
    expect(snap).toMatchObject({ statedPrefs: { topics: ["running"] }, openCases: 1, openServiceCase: true });
    expect(snap.copy!.version).toBe(5);
    await o.forget();
    await page(T0 + 6);
    const after = await o.snapshot({ now: T0 + 7, copy: true });
    expect(after.statedPrefs).toBeUndefined();
    expect(after.openCases).toBe(0);
    expect(after.copy!.version).toBe(1);
    expect(after.copy!.gen).not.toBe(snap.copy!.gen);
  });

  it("a page's own event ids are not kept among the seen ones; a client's are", async () => {
    const name = fresh();
    const o = visitorObject(name);
    await o.record({ events: [view(T0, []), view(T0, [])], now: T0, madeIds: true });
    await o.record({ events: [custom(T0)], now: T0 });
    const seen = await runInDurableObject(o, (_i, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM seen").one().n);
    expect(seen).toBe(1);
    expect((await o.snapshot({ now: T0 + 1 })).recentViews).toEqual({});
    expect((await o.exportHistory()).events).toHaveLength(3);
  });
});
