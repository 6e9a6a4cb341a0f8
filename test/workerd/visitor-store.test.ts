/**
 * The visitor object's store (src/visitor/store/) without its RPC shell: plain functions on the
 * object's own SqlStorage, run inside the object. A page view is folded into the one memory row
 * in a handful of statements; an object written before the one-row memory is read as it is and
 * folded on its next write; the experiment outbox adds a visitor's pages into one row until it
 * is offered, and a row once offered is never changed (counted once after a lost answer).
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ExperimentCounter } from "../../src/results-store/counter-object.ts";
import type { VisitorEvent } from "../../src/visitor/events.ts";
import { ExperimentTally } from "../../src/visitor/experiment-tally.ts";
import { DELIVERY_DELAY_MS, DELIVERY_SPREAD_MS } from "../../src/visitor/store/alarms.ts";
import { writeBatch } from "../../src/visitor/store/record.ts";
import { loadMemory } from "../../src/visitor/store/row.ts";
import { snapshotOf } from "../../src/visitor/store/snapshot.ts";
import { ensureSchema, readLayout } from "../../src/visitor/store/tables.ts";
import { eventId, visitorObject } from "../fixtures/visitor.ts";
import { userTables } from "../fixtures/privacy.ts";

const DAY = 86_400_000;
const HALF_LIFE = 7 * DAY;
const SETTINGS = { halfLifeMs: HALF_LIFE, cartAbandonMs: 30 * 60_000 };
const fresh = () => `vid:${crypto.randomUUID().replace(/-/g, "")}`;

/** A page view as the page path records it: the view, then a served impression per filled slot. */
function pageView(at: number, slots: number): VisitorEvent[] {
  const events: VisitorEvent[] = [{ type: "view", id: eventId("v"), at, path: "/p", category: "shoes", topics: ["running"] }];
  for (let i = 0; i < slots; i++) events.push({ type: "impression", id: eventId("i"), at, slot: `slot-${i}`, variant: "a", served: true });
  return events;
}

/** The object's SqlStorage, counting the statements run through it. */
function counting(sql: SqlStorage): { sql: SqlStorage; statements: string[] } {
  const statements: string[] = [];
  const wrapped = new Proxy(sql, {
    get(target, key) {
      if (key === "exec") return (query: string, ...args: SqlStorageValue[]) => (statements.push(query), target.exec(query, ...args));
      const value = Reflect.get(target, key) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { sql: wrapped, statements };
}

describe("the store, on the object's SqlStorage", () => {
  it("folds a page view into the memory row in five statements, whatever the number of slots", async () => {
    const now = Date.parse("2026-11-02T10:00:00Z");
    const counts = await runInDurableObject(visitorObject(fresh()), (_o, state) => {
      ensureSchema(state.storage.sql, readLayout(state.storage.sql), HALF_LIFE);
      const tally = new ExperimentTally(state.storage, "store-test");
      const run = (slots: number, at: number) => {
        const { sql, statements } = counting(state.storage.sql);
        const loaded = loadMemory(sql, readLayout(state.storage.sql), HALF_LIFE);
        const before = statements.length;
        const lastPage = { path: "/p", at, slots: [] };
        state.storage.transactionSync(() => writeBatch({ sql, tally, halfLifeMs: HALF_LIFE, trimIds: false }, loaded?.memory ?? null, { events: pageView(at, slots), lastPage }, at));
        return statements.length - before;
      };
      const counts = [run(1, now), run(5, now + 1000), run(20, now + 2000)];
      const snap = snapshotOf(loadMemory(state.storage.sql, readLayout(state.storage.sql), HALF_LIFE)!.memory, now + 3000, SETTINGS);
      return { counts, snap };
    });
    // Which ids are new, the row, the history, the last page, the history's bound.
    expect(counts.counts).toEqual([5, 5, 5]);
    expect(counts.snap.recentViews).toEqual({ shoes: 3, running: 3 });
    expect(counts.snap.impressions?.["slot-0/a"]).toEqual([now, now + 1000, now + 2000]);
    expect(Object.keys(counts.snap.impressions ?? {})).toHaveLength(20);
  });

  it("reads an object from before the one-row memory as it is, and folds its tables into the row on its next write", async () => {
    const name = fresh();
    const o = visitorObject(name);
    const t = Date.now() - 60_000;
    await runInDurableObject(o, (_i, state) => {
      const sql = state.storage.sql;
      // The schema as it was (src/visitor/schema.ts before the one-row memory).
      sql.exec(`CREATE TABLE visitor (id INTEGER PRIMARY KEY CHECK (id = 1), visits INTEGER NOT NULL DEFAULT 0, visit_start INTEGER, prev_visit_start INTEGER,
        last_view INTEGER, last_active INTEGER NOT NULL, conversions INTEGER NOT NULL DEFAULT 0, last_conversion_at INTEGER, open_case INTEGER NOT NULL DEFAULT 0, cart_updated_at INTEGER)`);
      sql.exec("CREATE TABLE interests (topic TEXT PRIMARY KEY, score REAL NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID");
      sql.exec("CREATE TABLE views (key TEXT NOT NULL, at INTEGER NOT NULL)");
      sql.exec("CREATE TABLE impressions (key TEXT NOT NULL, at INTEGER NOT NULL)");
      sql.exec("CREATE TABLE cart (sku TEXT PRIMARY KEY, qty INTEGER NOT NULL, price REAL) WITHOUT ROWID");
      sql.exec("CREATE TABLE events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, type TEXT NOT NULL, at INTEGER NOT NULL, data TEXT NOT NULL)");
      sql.exec("CREATE TABLE seen (id TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID");
      sql.exec("CREATE TABLE merged (vid TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID");
      sql.exec("CREATE TABLE prefs (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL, at INTEGER NOT NULL)");
      sql.exec("INSERT INTO visitor (id, visits, visit_start, last_view, last_active, conversions, open_case, cart_updated_at) VALUES (1, 2, ?, ?, ?, 1, 1, ?)", t, t, t, t);
      sql.exec("INSERT INTO interests VALUES ('running', 3, ?)", t);
      sql.exec("INSERT INTO views VALUES ('shoes', ?), ('shoes', ?)", t - 1, t);
      sql.exec("INSERT INTO impressions VALUES ('hero/a', ?)", t);
      sql.exec("INSERT INTO cart VALUES ('LEG-1', 2, 44)");
      sql.exec("INSERT INTO prefs VALUES (1, '{\"topics\":[\"yoga\"]}', ?)", t);
    });
    const expected = {
      visits: 2,
      conversions: 1,
      openServiceCase: true,
      recentViews: { shoes: 2 },
      impressions: { "hero/a": [t] },
      cart: { count: 2, items: [{ sku: "LEG-1", qty: 2, price: 44 }], value: 88, updatedAt: t, abandoned: false, skus: ["LEG-1"] },
      statedPrefs: { topics: ["yoga"] },
    };
    expect(await o.snapshot({ now: t + 1000 })).toMatchObject(expected);
    // Reads never write: the old tables are all still there.
    expect(await userTables(name)).toEqual(expect.arrayContaining(["interests", "views", "impressions", "cart"]));
    await o.record({ now: t + 2000, events: [{ type: "view", id: eventId(), at: t + 2000, path: "/", category: "shoes", topics: [] }] });
    expect((await userTables(name)).filter((n) => ["interests", "views", "impressions", "cart"].includes(n))).toEqual([]);
    expect(await o.snapshot({ now: t + 3000 })).toMatchObject({ ...expected, recentViews: { shoes: 3 } });
    expect((await o.snapshot({ now: t + 3000 })).interests?.running).toBeCloseTo(1 - Math.exp(-3 / 4), 3);
  });
});

describe("the experiment outbox", () => {
  const exposure = (experiment: string) => [{ experiment, arm: "a", slots: ["hero"], shares: { a: 1 } }];
  const counter = (experiment: string): DurableObjectStub<ExperimentCounter> => env.EXPERIMENT_COUNTER.get(env.EXPERIMENT_COUNTER.idFromName(experiment));

  it("adds a visitor's pages into one row until it is offered; a row once offered is never changed, so a lost answer still counts once", async () => {
    const id = `coalesce-${crypto.randomUUID().slice(0, 8)}`;
    // The counter takes the delivery, then the answer is lost on the way back.
    const lossy = {
      idFromName: (n: string) => env.EXPERIMENT_COUNTER.idFromName(n),
      get: (oid: DurableObjectId) => ({
        add: async (d: Parameters<ExperimentCounter["add"]>[0]) => {
          await env.EXPERIMENT_COUNTER.get(oid).add(d);
          throw new Error("network: answer lost");
        },
      }),
    } as unknown as Env["EXPERIMENT_COUNTER"];
    const rows = await runInDurableObject(visitorObject(fresh()), async (_o, state) => {
      const tally = new ExperimentTally(state.storage, `coalesce-${id}`);
      const at = Date.now();
      const outbox = () => state.storage.sql.exec<{ impressions: number; sent: number }>("SELECT impressions, sent FROM xp_outbox ORDER BY seq").toArray();
      for (let i = 0; i < 3; i++) state.storage.transactionSync(() => tally.expose(exposure(id), at));
      const added = outbox();
      const lost = await tally.deliver(lossy, 2000);
      state.storage.transactionSync(() => tally.expose(exposure(id), at));
      const afterLoss = outbox();
      const again = await tally.deliver(env.EXPERIMENT_COUNTER, 2000);
      return { added, lost: lost.left, afterLoss, left: again.left };
    });
    expect(rows.added).toEqual([{ impressions: 3, sent: 0 }]);
    expect(rows.lost).toBe(1);
    expect(rows.afterLoss).toEqual([
      { impressions: 3, sent: 1 },
      { impressions: 1, sent: 0 },
    ]);
    expect(rows.left).toBe(0);
    const counted = await counter(id).unflushed();
    expect(counted.reduce((n, r) => n + r.impressions, 0)).toBe(4);
    expect(counted.reduce((n, r) => n + r.unitsExposed, 0)).toBe(1);
  });

  it("is offered DELIVERY_DELAY_MS after a write, plus a random part of DELIVERY_SPREAD_MS", async () => {
    const o = visitorObject(fresh());
    const at = Date.now();
    await o.record({ now: at, events: pageView(at, 1), exposures: exposure(`spread-${crypto.randomUUID().slice(0, 8)}`) });
    const alarm = await runInDurableObject(o, (_i, state) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThanOrEqual(at + DELIVERY_DELAY_MS);
    expect(alarm).toBeLessThan(Date.now() + DELIVERY_DELAY_MS + DELIVERY_SPREAD_MS);
  });
});
