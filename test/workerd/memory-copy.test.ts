/**
 * Memory at the edge (src/visitor/edge-copy.ts, README "Memory at the edge"): the colo's copy
 * of a visitor's memory decides a returning visitor's page without asking their object, so a
 * far or slow object costs freshness, not the page's time; every write through the Worker
 * refreshes it; a copy older than MEMORY_COPY_MAX_AGE_S is never used; and "respect the no"
 * and erasure stay exact: no copy is read for a visitor who says no on this request, and none
 * from before an erasure is used for the browser that erased, in this colo or another.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { getConfig } from "../../src/config/config.ts";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { copySettings, keepCopy, readCopy, type CopySettings } from "../../src/visitor/edge-copy.ts";
import type { MemoryCopy } from "../../src/visitor/store/memory.ts";
import { snapshotOf } from "../../src/visitor/store/snapshot.ts";
import { call } from "../fixtures/call.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { applySetCookies, deleteMe, putMe, setCookies } from "../fixtures/me.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";
import { siteConsent } from "../fixtures/privacy.ts";
import { profileToken } from "../fixtures/tokens.ts";
import { beacon, countingNamespace, eventId, fakeNamespace, newVisitor, visitorObject } from "../fixtures/visitor.ts";

const PAGE = "<html><body><section data-p13n-slot='hero'><h1>New season</h1></section></body></html>";
const THANKS = 'data-p13n-variant="thanks"';
const origin = () => fixtureOrigin({ "/": () => html(PAGE) });
const stateOf = (res: Response) => /state;dur=[\d.]+;desc="(\w+)"/.exec(res.headers.get("server-timing") ?? "")?.[1];
const copies = (): CopySettings => copySettings(getConfig(env))!;
const MAX_AGE_MS = Number(env.MEMORY_COPY_MAX_AGE_S) * 1000;

beforeEach(async () => {
  invalidateManifest(env.CONTENT);
  await publish(env.CONTENT, manifest({ hero: [{ id: "thanks", html: "<h1>Thanks for your order</h1>", audience: { attr: "visitor.conversions", gte: 1 } }] }));
});

/** A returning anonymous visitor who has converted (through the beacon), and their object's name. */
async function converted(): Promise<{ cookie: string; name: string }> {
  const o = origin();
  const { cookie, id } = await newVisitor(o);
  expect((await beacon({ events: [{ id: eventId(), type: "conversion", goal: "signup" }] }, cookie)).res.status).toBe(200);
  return { cookie, name: `vid:${id}` };
}

/** A signed-in visitor (the site keeps their profile cookie) who has converted, with the copy this colo keeps. */
async function signedInConverted(): Promise<{ cookie: string; name: string; copy: MemoryCopy }> {
  const sub = `copy-${crypto.randomUUID()}`;
  const cookie = `p13n_profile=${await profileToken({ claims: { sub } })}`;
  await call(origin().fetch, "/", { headers: { cookie } });
  expect((await beacon({ events: [{ id: eventId(), type: "conversion", goal: "signup" }] }, cookie)).res.status).toBe(200);
  const copy = await readCopy(copies(), `sub:${sub}`, Date.now(), null);
  expect(copy?.memory.conversions).toBe(1);
  return { cookie, name: `sub:${sub}`, copy: copy! };
}

describe("a returning visitor's page from the colo's copy", () => {
  it("is decided from memory without asking the object; the page view still goes to it, and refreshes the copy", async () => {
    const { cookie, name } = await converted();
    const before = await readCopy(copies(), name, Date.now(), null);
    const { ns, calls } = countingNamespace();
    const page = await call(origin().fetch, "/", { headers: { cookie } }, { VISITOR: ns });
    expect(page.body).toContain(THANKS);
    expect(stateOf(page.res)).toBe("copy");
    expect(calls.methods).toEqual({ record: 1 });
    const after = await readCopy(copies(), name, Date.now(), null);
    expect(after!.gen).toBe(before!.gen);
    expect(after!.version).toBe(before!.version + 1);
    expect(after!.memory.visits).toBeGreaterThanOrEqual(1);
  });

  it("an object far away or slow (over STATE_BUDGET_MS, never answering) still gives the page its memory", async () => {
    const { cookie } = await converted();
    // The object answers only after the test is done: the page must not need it.
    let answer: (value: unknown) => void = () => {};
    const { ns, calls } = fakeNamespace(() => new Promise((resolve) => (answer = resolve)));
    const page = await call(origin().fetch, "/", { headers: { cookie } }, { VISITOR: ns, STATE_BUDGET_MS: "5" });
    answer({});
    expect(page.body).toContain(THANKS);
    expect(stateOf(page.res)).toBe("copy");
    expect(calls.snapshots).toBe(0);
    expect(calls.records).toHaveLength(1);
  });

  it("the copy's snapshot is the object's own, at any time (decay, cart abandonment and the cart's details as the object gives them)", async () => {
    const { cookie, name } = await converted();
    const at = Date.now();
    const leggings = { sku: "LEG-1", qty: 2, price: 88, name: "Aero Leggings", image: "/assets/products/leggings.svg", category: "leggings" };
    await beacon({ events: [{ id: eventId(), type: "cart", action: "add", ...leggings }, { id: eventId(), type: "click", slot: "hero", variant: "thanks" }] }, cookie);
    const copy = (await readCopy(copies(), name, Date.now(), null))!;
    const config = getConfig(env);
    const settings = { halfLifeMs: config.interestHalfLifeMs, cartAbandonMs: config.cartAbandonMs };
    // What placeholders read: the lines in full, and the categories.
    expect(snapshotOf(copy.memory, at, settings).cart).toMatchObject({ count: 2, items: [leggings], categories: ["leggings"], skus: ["LEG-1"] });
    for (const now of [at, at + 3_600_000, at + 9 * 86_400_000]) {
      const { copy: _, ...fromObject } = await visitorObject(name).snapshot({ now });
      expect(snapshotOf(copy.memory, now, settings)).toEqual(fromObject);
    }
  });

  it("with MEMORY_COPY_MAX_AGE_S=0 there are no copies: the object is asked", async () => {
    const { cookie } = await converted();
    const { ns, calls } = countingNamespace();
    const page = await call(origin().fetch, "/", { headers: { cookie } }, { VISITOR: ns, MEMORY_COPY_MAX_AGE_S: "0" });
    expect(page.body).toContain(THANKS);
    expect(stateOf(page.res)).toBe("hit");
    expect(calls.methods).toEqual({ snapshot: 1, record: 1 });
  });
});

describe("what can be stale, and for how long", () => {
  it("a copy older than MEMORY_COPY_MAX_AGE_S is never used, even while the cache still holds it; one younger is", async () => {
    const { cookie, name } = await converted();
    const held = (await readCopy(copies(), name, Date.now(), null))!;
    // A copy that says the visitor never converted, as a colo could hold it from before the conversion.
    const stale = (at: number, version: number): MemoryCopy => ({ gen: held.gen, version, at, memory: { ...held.memory, conversions: 0 } });
    await keepCopy(copies(), name, stale(Date.now() - MAX_AGE_MS - 1000, held.version + 10));
    expect((await readCopy(copies(), name, Date.now(), null)) === null).toBe(true);
    const tooOld = await call(origin().fetch, "/", { headers: { cookie } });
    expect(stateOf(tooOld.res)).toBe("hit");
    expect(tooOld.body).toContain(THANKS);

    // Within the bound, the copy decides, stale as it is: what the README says may be stale.
    await keepCopy(copies(), name, stale(Date.now() - MAX_AGE_MS + 10_000, held.version + 100));
    const young = await call(origin().fetch, "/", { headers: { cookie } });
    expect(stateOf(young.res)).toBe("copy");
    expect(young.body).not.toContain(THANKS);
  });

  it("an answer older than the copy kept (a lower write counter) does not replace it", async () => {
    const { name } = await converted();
    const held = (await readCopy(copies(), name, Date.now(), null))!;
    await keepCopy(copies(), name, { ...held, version: held.version - 1, memory: { ...held.memory, conversions: 0 } });
    expect((await readCopy(copies(), name, Date.now(), null))!.memory.conversions).toBe(1);
  });
});

describe("respect the no: a copy is never read for a visitor who says no on this request", () => {
  for (const [why, extra] of [
    ["Sec-GPC: 1", { "sec-gpc": "1" }],
    ["the site's consent cookie", { cookie: siteConsent({ track: false }) }],
    ["their own choice on the preference page", { cookie: "__Host-p13n_consent=track=0" }],
  ] as const) {
    it(`${why}: no copy, no object, the page without memory`, async () => {
      const { cookie } = await converted();
      const { ns, calls } = countingNamespace();
      const headers = "cookie" in extra ? { cookie: `${cookie}; ${extra.cookie}` } : { cookie, ...extra };
      const page = await call(origin().fetch, "/", { headers }, { VISITOR: ns });
      expect(page.res.status).toBe(200);
      expect(page.body).not.toContain(THANKS);
      expect(stateOf(page.res)).toBe("miss");
      expect(calls.stubs).toBe(0);
    });
  }

  it("a profile whose consent says no: the same", async () => {
    const { cookie } = await signedInConverted();
    const sub = JSON.parse(atob(cookie.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))).sub as string;
    const no = `p13n_profile=${await profileToken({ claims: { sub, consent: { track: false } } })}`;
    const page = await call(origin().fetch, "/", { headers: { cookie: no } });
    expect(page.body).not.toContain(THANKS);
    expect(stateOf(page.res)).toBe("miss");
  });
});

describe("erasure: no copy from before it is used", () => {
  it("an anonymous visitor's erasure deletes the copy in this colo; their next page is a new visitor's", async () => {
    const { cookie, name } = await converted();
    const del = await deleteMe(cookie);
    expect(del.res.status).toBe(200);
    expect(await readCopy(copies(), name, Date.now(), null)).toBeNull();
    const next = await call(origin().fetch, "/", { headers: { cookie: applySetCookies(cookie, del.res) } });
    expect(next.body).not.toContain(THANKS);
  });

  it("a signed-in visitor (the site keeps the profile cookie): this colo's copy is deleted, and the next page asks the emptied object", async () => {
    const { cookie, name } = await signedInConverted();
    const del = await deleteMe(cookie);
    expect(JSON.parse(del.body)).toMatchObject({ erased: ["profile"] });
    expect(await readCopy(copies(), name, Date.now(), null)).toBeNull();
    const after = applySetCookies(cookie, del.res);
    const next = await call(origin().fetch, "/", { headers: { cookie: after } });
    expect(stateOf(next.res)).toBe("hit");
    expect(next.body).not.toContain(THANKS);
  });

  it("a copy from before the erasure, as another colo keeps it (or a page view racing the erasure put back), is never used for the browser that erased", async () => {
    const { cookie, name, copy } = await signedInConverted();
    const del = await deleteMe(cookie);
    expect(setCookies(del.res)).toContainEqual(expect.stringMatching(/^__Host-p13n_erased=\d+; Max-Age=\d+; Path=\/; Secure; HttpOnly; SameSite=Lax$/));
    // The copy another colo made before the erasure (the same Cache API stands in for it here).
    await keepCopy(copies(), name, copy);
    expect((await readCopy(copies(), name, Date.now(), null))?.memory.conversions).toBe(1);
    const next = await call(origin().fetch, "/", { headers: { cookie: applySetCookies(cookie, del.res) } });
    expect(stateOf(next.res)).toBe("hit");
    expect(next.body).not.toContain(THANKS);
  });

  it("turning memory off and on again within the copy's life uses no copy from before", async () => {
    const { cookie, name, copy } = await signedInConverted();
    const off = await putMe(cookie, { track: false });
    expect(off.res.status).toBe(200);
    let jar = applySetCookies(cookie, off.res);
    expect(jar).toContain("__Host-p13n_erased=");
    await keepCopy(copies(), name, copy);
    const on = await putMe(jar, { track: true });
    jar = applySetCookies(jar, on.res);
    const next = await call(origin().fetch, "/", { headers: { cookie: jar } });
    expect(next.body).not.toContain(THANKS);
    expect(stateOf(next.res)).toBe("hit");
  });

  it("stated preferences: no copy from before the change decides this browser's next page, whichever isolate or colo kept it", async () => {
    const { cookie, name, copy } = await signedInConverted();
    const put = await putMe(cookie, { topics: ["yoga"] });
    expect(put.res.status).toBe(200);
    expect(setCookies(put.res)).toContainEqual(expect.stringMatching(/^__Host-p13n_erased=\d+;/));
    // The copy another isolate or colo kept before the change.
    await keepCopy(copies(), name, copy);
    const next = await call(origin().fetch, "/", { headers: { cookie: applySetCookies(cookie, put.res) } });
    expect(stateOf(next.res)).toBe("hit");
    expect((await readCopy(copies(), name, Date.now(), null))?.memory.statedPrefs).toEqual({ topics: ["yoga"] });
  });

  it("an anonymous history merged into the profile on sign-in loses its copy here", async () => {
    const { cookie, name } = await converted();
    const token = `p13n_profile=${await profileToken({ claims: { sub: `merge-${crypto.randomUUID()}` } })}`;
    // The sign-in page's record takes the anonymous history over (and erases it there).
    await call(origin().fetch, "/", { headers: { cookie: `${cookie}; ${token}` } });
    expect(await readCopy(copies(), name, Date.now(), null)).toBeNull();
    expect((await call(origin().fetch, "/", { headers: { cookie: `${cookie}; ${token}` } })).body).toContain(THANKS);
  });
});
