/**
 * What the visitor's object keeps for the preference centre: stated preferences (set,
 * cleared, carried over on sign-in with the newer one winning), the last page's reasons
 * (bounded), the summary it gives its visitor, and objects made before these tables
 * existed getting them on their next write.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SCHEMA } from "../../src/visitor/schema.ts";
import { eventId, visitorObject } from "../fixtures/visitor.ts";

const fresh = (prefix: string) => `${prefix}:${crypto.randomUUID().replace(/-/g, "")}`;

describe("stated preferences in the object", () => {
  it("are set, read back by snapshot() and describe(), and cleared with null", async () => {
    const o = visitorObject(fresh("vid"));
    const before = Date.now();
    const set = await o.setPreferences({ topics: ["yoga"], frequency: "fewer" }, before);
    // When it was done, by the object's clock (the preferences cookie's time: a copy from before is older).
    expect(set).toEqual({ statedPrefs: { topics: ["yoga"], frequency: "fewer" }, at: expect.any(Number) });
    expect(set.at).toBeGreaterThanOrEqual(before);
    expect((await o.snapshot()).statedPrefs).toEqual({ topics: ["yoga"], frequency: "fewer" });
    const d = await o.describe();
    expect(d).toMatchObject({ stored: true, statedPrefs: { topics: ["yoga"], frequency: "fewer" } });
    expect(d.deleteAt).not.toBeNull();
    await o.setPreferences(null, Date.now());
    expect((await o.snapshot()).statedPrefs).toBeUndefined();
  });

  it("move to the profile on sign-in; the newer statement wins", async () => {
    const vid = crypto.randomUUID().replace(/-/g, "");
    const anon = visitorObject(`vid:${vid}`);
    const profile = visitorObject(fresh("sub"));
    const now = Date.now();
    await profile.setPreferences({ topics: ["running"] }, now - 60_000);
    await anon.record({ events: [{ type: "view", id: eventId(), at: now, path: "/", topics: [] }], now });
    await anon.setPreferences({ topics: ["yoga"] }, now);
    await profile.record({ events: [{ type: "view", id: eventId(), at: now, path: "/", topics: [] }], now, mergeFrom: vid });
    expect((await profile.snapshot()).statedPrefs).toEqual({ topics: ["yoga"] });
    expect((await anon.describe()).stored).toBe(false);
  });
});

describe("the last page's reasons", () => {
  it("are replaced by each page and kept within bounds", async () => {
    const o = visitorObject(fresh("vid"));
    const slots = Array.from({ length: 50 }, (_, i) => ({ slot: `s${i}`, variant: null, why: Array.from({ length: 10 }, () => "x".repeat(1000)) }));
    await o.record({ events: [{ type: "view", id: eventId(), at: Date.now(), path: "/a", topics: [] }], lastPage: { path: "/a", at: 1, slots } });
    await o.record({ events: [{ type: "view", id: eventId(), at: Date.now(), path: "/b", topics: [] }], lastPage: { path: "/b", at: 2, slots } });
    const last = (await o.describe()).lastPage!;
    expect(last.path).toBe("/b");
    expect(last.slots).toHaveLength(30);
    expect(last.slots[0]!.why).toHaveLength(6);
    expect(last.slots[0]!.why[0]).toHaveLength(300);
  });
});

describe("an object from before the preference centre", () => {
  it("gets the new tables on its next write and keeps its history", async () => {
    const name = fresh("vid");
    const o = visitorObject(name);
    const now = Date.now();
    // The schema as it was: everything but the newest tables, and the cart table before names (sku, qty, price).
    await runInDurableObject(o, (_i, state) => {
      for (const statement of SCHEMA.filter((s) => !/\b(prefs|last_page|cart_items)\b/.test(s))) state.storage.sql.exec(statement);
      state.storage.sql.exec("CREATE TABLE cart (sku TEXT PRIMARY KEY, qty INTEGER NOT NULL, price REAL) WITHOUT ROWID");
      state.storage.sql.exec("INSERT INTO cart (sku, qty, price) VALUES ('LEG-1', 2, 88)");
      state.storage.sql.exec("INSERT INTO visitor (id, visits, last_active, cart_updated_at) VALUES (1, 3, ?, ?)", now, now);
    });
    expect((await o.describe()).statedPrefs).toBeNull();
    // Read before any write: the old table's lines.
    expect((await o.snapshot({ now })).cart).toMatchObject({ count: 2, items: [{ sku: "LEG-1", qty: 2, price: 88 }], value: 176 });
    expect((await o.snapshot()).statedPrefs).toBeUndefined();
    await o.setPreferences({ frequency: "fewer" }, now);
    expect(await o.describe()).toMatchObject({ visits: 3, statedPrefs: { frequency: "fewer" }, cart: [{ sku: "LEG-1", qty: 2, price: 88 }], counts: { cartLines: 1 } });
    // The lines moved into the memory row, the old table is gone, and new lines carry their names.
    await o.record({ events: [{ type: "cart", id: eventId(), at: now + 1, action: "add", sku: "SHOE-1", qty: 1, name: "Tempo 3", category: "running-shoes", topics: [] }] });
    expect((await o.snapshot({ now: now + 2 })).cart).toMatchObject({ count: 3, skus: ["SHOE-1", "LEG-1"], categories: ["running-shoes"], items: [{ sku: "SHOE-1", name: "Tempo 3" }, { sku: "LEG-1", qty: 2 }] });
    await runInDurableObject(o, (_i, state) => {
      expect(state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'cart'").toArray()).toEqual([]);
    });
  });
});
