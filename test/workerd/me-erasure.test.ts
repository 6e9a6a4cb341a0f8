/**
 * DELETE /__p13n/me: everything the visitor's objects hold is gone (checked inside each
 * object: no tables, no alarm), our cookies are cleared, later reads come back empty and
 * the next page is a new anonymous visitor. Only from the site's own pages, only for the
 * visitor the verified cookies name.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import type { Manifest } from "../../src/engine/types.ts";
import type { ExperimentReport } from "../../src/results/report.ts";
import { admin } from "../fixtures/admin.ts";
import { call } from "../fixtures/call.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { applySetCookies, deleteMe, getMe, PREFERENCES_PAGE, preferencesManifest, putMe, setCookies, variantOf } from "../fixtures/me.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";
import { alarmOf, eventCount, userTables } from "../fixtures/privacy.ts";
import { profileToken } from "../fixtures/tokens.ts";
import { beacon, eventId, newVisitor, visitorObject } from "../fixtures/visitor.ts";

const origin = () => fixtureOrigin({ "/": () => html(PREFERENCES_PAGE), "/products/running-shoes": () => html(PREFERENCES_PAGE) });

beforeEach(async () => {
  invalidateManifest(env.CONTENT);
  await publish(env.CONTENT, preferencesManifest());
});

describe("DELETE /__p13n/me", () => {
  it("leaves nothing behind: storage and alarm gone, cookie cleared, reads empty, next page anonymous", async () => {
    const o = origin();
    const { cookie, id } = await newVisitor(o);
    const name = `vid:${id}`;
    for (let i = 0; i < 3; i++) await call(o.fetch, "/products/running-shoes", { headers: { cookie } });
    await putMe(cookie, { topics: ["yoga"] });
    await beacon({ events: [{ id: eventId(), type: "cart", action: "add", sku: "SHOE-1" }] }, cookie);
    expect(variantOf((await call(o.fetch, "/", { headers: { cookie } })).body, "hero")).toBe("yoga");
    expect(await alarmOf(name)).not.toBeNull();

    const del = await deleteMe(cookie);
    expect(del.res.status).toBe(200);
    expect(del.res.headers.get("cache-control")).toBe("private, no-store");
    expect(JSON.parse(del.body)).toMatchObject({ erased: ["anonymous"], cleared: ["__Host-p13n_vid"] });
    expect(setCookies(del.res)).toContainEqual("__Host-p13n_vid=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax");

    // Inside the object: no tables, no alarm.
    expect(await userTables(name)).toEqual([]);
    expect(await alarmOf(name)).toBeNull();
    // Reads come back empty, even through the old cookie.
    expect(await visitorObject(name).snapshot()).toEqual({ visits: 1 });
    const me = (await getMe(cookie)).json!;
    expect(me.stored.anything).toBe(false);
    expect(me.inferredInterests).toEqual([]);
    expect(me.recentInteractions).toEqual([]);
    expect(me.statedPreferences.yours).toBeNull();
    expect(me.lastPage).toBeNull();

    // The browser dropped the cookie: the next page is a new, anonymous visitor with none of it.
    const after = applySetCookies(cookie, del.res);
    expect(after).toBe("");
    const next = await call(o.fetch, "/", {});
    expect(variantOf(next.body, "hero")).toBe("running");
    const issued = next.res.headers.get("set-cookie") ?? "";
    expect(issued).toMatch(/^__Host-p13n_vid=/);
    expect(issued).not.toContain(id);
  });

  it("a signed-in visitor: the profile's object and the anonymous one are both erased", async () => {
    const o = origin();
    const { cookie, id } = await newVisitor(o);
    const sub = `erase-${crypto.randomUUID()}`;
    const token = `p13n_profile=${await profileToken({ claims: { sub } })}`;
    await call(o.fetch, "/products/running-shoes", { headers: { cookie: `${cookie}; ${token}` } });
    await putMe(`${cookie}; ${token}`, { topics: ["yoga"] });
    // The anonymous object may have been merged already; give it something of its own again.
    await visitorObject(`vid:${id}`).record({ events: [{ type: "view", id: eventId(), at: Date.now(), path: "/x", topics: [] }] });
    expect(await eventCount(`sub:${sub}`)).toBeGreaterThan(0);
    expect(await eventCount(`vid:${id}`)).toBeGreaterThan(0);

    const del = await deleteMe(`${cookie}; ${token}`);
    expect(JSON.parse(del.body)).toMatchObject({ erased: ["profile", "anonymous"] });
    expect(JSON.parse(del.body).note).toContain("p13n_profile");
    for (const name of [`sub:${sub}`, `vid:${id}`]) {
      expect(await userTables(name)).toEqual([]);
      expect(await alarmOf(name)).toBeNull();
    }
    expect((await getMe(token)).json!.stored.anything).toBe(false);
  });

  it("keeps a refusal the visitor made (erasing never turns memory back on), clears a neutral choice", async () => {
    const refusing = await deleteMe("__Host-p13n_consent=track=0");
    expect(JSON.parse(refusing.body)).toMatchObject({ kept: ["__Host-p13n_consent"] });
    expect(setCookies(refusing.res).some((c) => c.startsWith("__Host-p13n_consent="))).toBe(false);
    const neutral = await deleteMe("__Host-p13n_consent=personalize=1");
    expect(setCookies(neutral.res)).toContainEqual(expect.stringMatching(/^__Host-p13n_consent=; Max-Age=0;/));
  });

  it("a GPC visitor with nothing stored is told so", async () => {
    const del = await deleteMe(null, { "sec-gpc": "1" });
    expect(del.res.status).toBe(200);
    expect(JSON.parse(del.body)).toMatchObject({ erased: [] });
  });

  it("cross-site → 403 and everything stays", async () => {
    const o = origin();
    const { cookie, id } = await newVisitor(o);
    const before = await eventCount(`vid:${id}`);
    const attempts: Array<Record<string, string>> = [{ "sec-fetch-site": "cross-site" }, { origin: "https://evil.example" }];
    for (const headers of attempts) {
      const del = await call(o.fetch, "/__p13n/me", { method: "DELETE", headers: { cookie, ...headers } });
      expect(del.res.status).toBe(403);
      expect(JSON.parse(del.body).error.code).toBe("CROSS_SITE");
    }
    expect(await eventCount(`vid:${id}`)).toBe(before);
  });

  it("erases only the visitor the verified cookies name: a forged id erases nothing", async () => {
    const o = origin();
    const victim = await newVisitor(o);
    const before = await eventCount(`vid:${victim.id}`);
    // Same id, signature not ours.
    const forged = `__Host-p13n_vid=${victim.id}.${"A".repeat(43)}`;
    const del = await deleteMe(forged);
    expect(JSON.parse(del.body)).toMatchObject({ erased: [] });
    expect(await eventCount(`vid:${victim.id}`)).toBe(before);
  });
});

describe("erasure and the experiment outbox (README \"Erasure and the experiment outbox\")", () => {
  const EXPERIMENT_PAGE = "<html><body><div data-p13n-slot='hero'>Default hero</div></body></html>";

  /** Makes this visitor object's counters unreachable (or reachable again), as a counter outage would. */
  async function counters(name: string, up: boolean): Promise<void> {
    const down = { idFromName: (n: string) => n, get: () => ({ add: () => Promise.reject(new Error("counter unavailable")) }) };
    await runInDurableObject(visitorObject(name), (instance) => {
      (instance as unknown as { env: Env }).env = { ...env, EXPERIMENT_COUNTER: up ? env.EXPERIMENT_COUNTER : (down as unknown as Env["EXPERIMENT_COUNTER"]) };
    });
  }

  it("erases personal data at once while a counter is down; the acknowledged counts reach the results afterwards, then nothing is left", async () => {
    const id = `erase-${crypto.randomUUID().slice(0, 8)}`;
    await publish(
      env.CONTENT,
      manifest({ hero: [{ id: "bold", html: "<b>Bold</b>", experimentOnly: true }] }, {
        version: `v-${id}`,
        experiments: { [id]: { slots: ["hero"], salt: id, status: "running", traffic: 1, holdout: 0, bandit: false, goal: "purchase", arms: [{ id: "a", weight: 1, variants: { hero: null } }, { id: "b", weight: 1, variants: { hero: "bold" } }] } },
      } as Partial<Manifest>),
    );
    invalidateManifest(env.CONTENT);
    const o = fixtureOrigin({ "/": () => html(EXPERIMENT_PAGE) });
    const { cookie, id: vid } = await newVisitor(o); // exposed: a unit of the experiment
    const name = `vid:${vid}`;
    await counters(name, false);
    const bought = await beacon({ events: [{ id: eventId(), type: "conversion", goal: "purchase", value: 30 }] }, cookie);
    expect(bought.res.status).toBe(200); // acknowledged: the count must not be lost

    const del = await deleteMe(cookie);
    expect(del.res.status).toBe(200);
    // Personal data is gone now: only the anonymous outbox (and its numbering) waits, with the retry alarm.
    expect((await userTables(name)).sort()).toEqual(["xp_meta", "xp_outbox"]);
    expect(await alarmOf(name)).not.toBeNull();
    expect(await visitorObject(name).snapshot()).toEqual({ visits: 1 });
    expect((await getMe(cookie)).json!.stored.anything).toBe(false);
    expect((await visitorObject(name).exportHistory()).events).toEqual([]);

    // The counter is back: the alarm hands the outbox on, and the object is then empty.
    await counters(name, true);
    await runDurableObjectAlarm(visitorObject(name));
    expect(await userTables(name)).toEqual([]);
    expect(await alarmOf(name)).toBeNull();
    await runDurableObjectAlarm(env.EXPERIMENT_COUNTER.get(env.EXPERIMENT_COUNTER.idFromName(id)));
    const r = (await admin("GET", `/experiments/${id}/results`)).json as unknown as ExperimentReport;
    expect(r.arms.reduce((n, a) => n + a.rate.units, 0)).toBe(1);
    expect(r.arms.reduce((n, a) => n + a.rate.converted, 0)).toBe(1);
    expect(r.arms.reduce((n, a) => n + (a.value?.mean ?? 0) * a.rate.units, 0)).toBeCloseTo(30, 9);
  });
});
