/**
 * The two-way loop through the page path: what a visitor does changes what they see
 * next; the memory read stays inside its budget and falls back on a miss, overload or
 * error; interleaved visitors never see each other's state; a visitor who said no is
 * neither read nor written.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { clientScriptTag } from "../../src/routes/client-script.ts";
import type { VisitorHistory } from "../../src/visitor/schema.ts";
import { call } from "../fixtures/call.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";
import { profileToken } from "../fixtures/tokens.ts";
import { beacon, dropColoCopy, eventId, fakeNamespace, NAVIGATION, newVisitor, objectError, storedEvents, uncopiedVisitor, visitorObject } from "../fixtures/visitor.ts";

const page = (title: string, head = "") => `<!doctype html><html><head><title>${title}</title>${head}</head><body>
<section data-p13n-slot="home-hero"><h1>New season</h1></section>
<aside data-p13n-slot="cross-sell">Complete the look</aside>
</body></html>`;

const origin = () =>
  fixtureOrigin({
    "/": () => html(page("Home")),
    "/products/running-shoes": () => html(page("Running shoes")),
    "/products/leggings": () => html(page("Leggings")),
    "/journal/trail-running": () => html(page("Trail running", '<meta name="p13n:category" content="journal"><meta name="p13n:topics" content="running, trail">')),
  });

const HERO_DEFAULT = "<h1>New season</h1>";
const RUNNING_HERO = '<section data-p13n-slot="home-hero" data-p13n-variant="running-hero"><h1>Built for your next run</h1></section>';
const CART_REMINDER = 'data-p13n-variant="cart-reminder"><h1>Your leggings are waiting</h1>';

beforeEach(async () => {
  invalidateManifest(env.CONTENT);
  await publish(
    env.CONTENT,
    manifest(
      {
        "home-hero": [
          {
            id: "cart-reminder",
            html: "<h1>Your leggings are waiting</h1>",
            priority: 80,
            audience: { attr: "visitor.cart.abandoned", eq: true },
            campaign: "cart-recovery",
            cap: { max: 5, periodHours: 24, scope: "campaign" },
          },
          { id: "thanks", html: "<h1>Thanks for your order</h1>", priority: 50, audience: { attr: "visitor.conversions", gte: 1 } },
          { id: "running-hero", html: "<h1>Built for your next run</h1>", priority: 20, topics: ["running"], audience: { attr: "visitor.interest.running", gte: 0.5 } },
        ],
        "cross-sell": [{ id: "runner-picks", html: "<p>Runner picks</p>", priority: 1, topics: ["running"] }],
      },
      {
        pages: [
          { pattern: "/products/running-shoes*", category: "running-shoes", topics: ["running", "shoes"] },
          { pattern: "/products/leggings*", category: "leggings", topics: ["leggings", "yoga"] },
          { pattern: "/", category: "home", topics: [] },
        ],
      },
    ),
  );
});

const stateOf = (res: Response) => /state;dur=([\d.]+);desc="(\w+)"/.exec(res.headers.get("server-timing") ?? "");

describe("a visitor's actions change the next page", () => {
  it("viewing running shoes three times makes the running hero win", async () => {
    const o = origin();
    const { cookie } = await newVisitor(o);
    for (let i = 0; i < 2; i++) await call(o.fetch, "/products/running-shoes", { headers: { cookie } });
    const twice = await call(o.fetch, "/", { headers: { cookie } });
    expect(twice.body).toContain(HERO_DEFAULT);
    await call(o.fetch, "/products/running-shoes", { headers: { cookie } });
    const home = await call(o.fetch, "/", { headers: { cookie } });
    expect(home.body).toContain(RUNNING_HERO);
    // Contract changed (issue 17, item 2): every page view here was recorded through this colo, whose
    // copy of the memory (src/visitor/edge-copy.ts) decided the page; the object was not asked.
    expect(stateOf(home.res)?.[2]).toBe("copy");
  });

  it("a click on running content, through the beacon, tips the next decision", async () => {
    const o = origin();
    const { cookie, id } = await newVisitor(o);
    await call(o.fetch, "/products/running-shoes", { headers: { cookie } });
    expect((await call(o.fetch, "/", { headers: { cookie } })).body).toContain(HERO_DEFAULT);
    const sent = await beacon({ page: { path: "/" }, events: [{ id: eventId(), type: "click", slot: "cross-sell", variant: "runner-picks" }] }, cookie);
    expect(sent.res.status).toBe(200);
    // One view (1) + one click on a running variant (2): raw 3, interest 0.53.
    const next = await call(o.fetch, "/", { headers: { cookie } });
    expect(next.body).toContain(RUNNING_HERO);
    expect((await storedEvents(`vid:${id}`)).map((e) => e.type)).toContain("click");
  });

  it("a conversion changes the next page", async () => {
    const o = origin();
    const { cookie } = await newVisitor(o);
    expect((await call(o.fetch, "/", { headers: { cookie } })).body).not.toContain("Thanks for your order");
    await beacon({ page: { path: "/products/leggings" }, events: [{ id: eventId(), type: "conversion", goal: "signup" }] }, cookie);
    expect((await call(o.fetch, "/", { headers: { cookie } })).body).toContain('data-p13n-variant="thanks"><h1>Thanks for your order</h1>');
  });

  it("a cart just filled is not abandoned yet", async () => {
    const o = origin();
    const { cookie, id } = await newVisitor(o);
    const added = await beacon({ page: { path: "/products/leggings" }, events: [{ id: eventId(), type: "cart", action: "add", sku: "LEG-1", price: 88 }] }, cookie);
    expect(added.res.status).toBe(200);
    expect((await visitorObject(`vid:${id}`).snapshot()).cart).toMatchObject({ count: 1, abandoned: false, skus: ["LEG-1"] });
    expect((await call(o.fetch, "/", { headers: { cookie } })).body).toContain(HERO_DEFAULT);
  });

  it("an abandoned cart shows the leggings reminder, capped per campaign", async () => {
    const o = origin();
    const { cookie, id } = await newVisitor(o);
    // The cart was last touched two hours ago (past CART_ABANDON_MINUTES): written with the object's RPC.
    const twoHoursAgo = Date.now() - 2 * 3_600_000;
    await visitorObject(`vid:${id}`).record({
      now: twoHoursAgo,
      events: [{ type: "cart", id: eventId(), at: twoHoursAgo, action: "add", sku: "LEG-1", qty: 1, price: 88, topics: ["leggings"] }],
    });
    // Written behind the Worker's back: the colo's copy from the first page has not seen it (two hours on, it would have expired).
    await dropColoCopy(`vid:${id}`);
    for (let shown = 0; shown < 5; shown++) {
      expect((await call(o.fetch, "/", { headers: { cookie } })).body).toContain(CART_REMINDER);
    }
    // Five served impressions of the campaign in 24 h: the cap holds it back.
    expect((await call(o.fetch, "/", { headers: { cookie } })).body).not.toContain(CART_REMINDER);
  });

  it("records the page view with the manifest's mapping, else the page's own meta", async () => {
    const o = origin();
    const { cookie, id } = await newVisitor(o);
    await call(o.fetch, "/products/leggings", { headers: { cookie } });
    await call(o.fetch, "/journal/trail-running", { headers: { cookie } });
    const views = (await storedEvents(`vid:${id}`)).filter((e) => e.type === "view");
    expect(views.map((v) => v.data)).toEqual([
      { path: "/", category: "home", topics: [] },
      { path: "/products/leggings", category: "leggings", topics: ["leggings", "yoga"] },
      { path: "/journal/trail-running", category: "journal", topics: ["running", "trail"] },
    ]);
    const snapshot = await visitorObject(`vid:${id}`).snapshot();
    expect(snapshot.recentViews).toMatchObject({ journal: 1, running: 1, trail: 1, leggings: 1 });
  });

  it("records served impressions of the rendered slots, with their campaign", async () => {
    const o = origin();
    const { cookie, id } = await newVisitor(o);
    await call(o.fetch, "/", { headers: { cookie } });
    const served = (await storedEvents(`vid:${id}`)).filter((e) => e.type === "impression");
    expect(served.map((e) => e.data)).toEqual([{ slot: "cross-sell", variant: "runner-picks", served: true }, { slot: "cross-sell", variant: "runner-picks", served: true }]);
  });
});

describe("the client script tag", () => {
  it("goes before </body> of a personalized page, and not when CLIENT_SCRIPT is off", async () => {
    const o = origin();
    const { cookie } = await newVisitor(o);
    const on = await call(o.fetch, "/", { headers: { cookie } });
    expect(on.body).toContain(`${clientScriptTag()}</body>`);
    const off = await call(o.fetch, "/", { headers: { cookie } }, { CLIENT_SCRIPT: "off" });
    expect(off.body).not.toContain("/__p13n/client.js");
  });
});

describe("within the budget", () => {
  it("a snapshot over STATE_BUDGET_MS is dropped: the page is decided without it, not delayed", async () => {
    const o = origin();
    const { cookie } = await uncopiedVisitor(o);
    // A snapshot that answers only after the page is complete (no clock): were the page, or the
    // record call() also waits for (waitUntil), to wait for the read, call() would never return.
    let answer: (snapshot: unknown) => void = () => {};
    const { ns, calls } = fakeNamespace(() => new Promise((resolve) => (answer = resolve)));
    const { res, body } = await call(o.fetch, "/", { headers: { cookie } }, { VISITOR: ns, STATE_BUDGET_MS: "20" });
    answer({ conversions: 3 });
    expect(res.status).toBe(200);
    expect(body).not.toContain("Thanks for your order");
    expect(stateOf(res)?.[2]).toBe("timeout");
    // The time it reports is the budget's: the read had not ended when the page was answered.
    expect(Number.isFinite(Number(stateOf(res)?.[1]))).toBe(true);
    expect(calls.snapshots).toBe(1);
    expect(calls.records).toHaveLength(1);
  });

  it("an overloaded object is asked once, never retried, and not written to", async () => {
    const o = origin();
    const { cookie } = await uncopiedVisitor(o);
    const { ns, calls } = fakeNamespace(() => Promise.reject(objectError("Durable Object is overloaded", { overloaded: true, retryable: true })));
    const { res, body } = await call(o.fetch, "/", { headers: { cookie } }, { VISITOR: ns });
    expect(res.status).toBe(200);
    expect(body).toContain(HERO_DEFAULT);
    expect(stateOf(res)?.[2]).toBe("overload");
    expect(calls.snapshots).toBe(1);
    expect(calls.records).toHaveLength(0);
  });

  it("a retryable error is retried once on a fresh stub (a read is idempotent)", async () => {
    const o = origin();
    const { cookie } = await uncopiedVisitor(o);
    const { ns, calls } = fakeNamespace((attempt) =>
      attempt === 1 ? Promise.reject(objectError("Network connection lost", { retryable: true })) : Promise.resolve({ conversions: 1 }),
    );
    const { res, body } = await call(o.fetch, "/", { headers: { cookie } }, { VISITOR: ns, STATE_BUDGET_MS: "200" });
    expect(stateOf(res)?.[2]).toBe("hit");
    expect(body).toContain("Thanks for your order");
    expect(calls.snapshots).toBe(2);
    expect(calls.stubs).toBe(3); // two reads, one write: a stub each
  });

  it("any other error falls back and says so", async () => {
    const o = origin();
    const { cookie } = await uncopiedVisitor(o);
    const { ns, calls } = fakeNamespace(() => Promise.reject(new Error("boom")));
    const { res, body } = await call(o.fetch, "/", { headers: { cookie } }, { VISITOR: ns });
    expect(res.status).toBe(200);
    expect(body).toContain(HERO_DEFAULT);
    expect(stateOf(res)?.[2]).toBe("error");
    expect(calls.snapshots).toBe(1);
  });

  // Contract changed (issue 12, item 4): the request that issues the id writes nothing either.
  it("a new visitor is neither asked for nor written to (nothing exists until the cookie comes back): miss", async () => {
    const { ns, calls } = fakeNamespace(() => Promise.resolve({}));
    const { res } = await call(origin().fetch, "/", { headers: NAVIGATION }, { VISITOR: ns });
    expect(stateOf(res)?.[2]).toBe("miss");
    expect(calls.snapshots).toBe(0);
    expect(calls.records).toHaveLength(0);
  });
});

describe("visitors never see each other's state", () => {
  it("interleaved visitors over slowed I/O each get their own decision", async () => {
    let k = 0;
    const slow = fixtureOrigin({
      "/": async () => {
        await new Promise((r) => setTimeout(r, k++ % 3 === 0 ? 25 : 1));
        return html(page("Home"));
      },
      "/products/running-shoes": async () => {
        await new Promise((r) => setTimeout(r, k++ % 2 === 0 ? 15 : 1));
        return html(page("Running shoes"));
      },
    });
    const visitors = await Promise.all(Array.from({ length: 10 }, () => newVisitor(slow)));
    const runners = new Set([0, 3, 4, 7, 9]);
    await Promise.all(
      visitors.map(async (v, i) => {
        if (!runners.has(i)) return;
        for (let j = 0; j < 3; j++) await call(slow.fetch, "/products/running-shoes", { headers: { cookie: v.cookie } });
      }),
    );
    const homes = await Promise.all(visitors.map((v) => call(slow.fetch, "/", { headers: { cookie: v.cookie } }, { STATE_BUDGET_MS: "1000" })));
    homes.forEach((h, i) => expect(h.body.includes(RUNNING_HERO), `visitor ${i}`).toBe(runners.has(i)));
  });
});

describe("signing in", () => {
  it("merges the anonymous history into the profile's object", async () => {
    const o = origin();
    const { cookie, id } = await newVisitor(o);
    for (let i = 0; i < 3; i++) await call(o.fetch, "/products/running-shoes", { headers: { cookie } });
    const sub = `merge-${id}`;
    const both = `${cookie}; p13n_profile=${await profileToken({ claims: { sub } })}`;
    // The first signed-in page reads the (empty) profile object; the merge runs after it.
    await call(o.fetch, "/products/leggings", { headers: { cookie: both } });
    const next = await call(o.fetch, "/", { headers: { cookie: both } });
    expect(next.body).toContain(RUNNING_HERO);
    expect(await visitorObject(`vid:${id}`).exportHistory()).toMatchObject({ visitor: null, events: [] });
  });
});

describe("signing in, several pages at once", () => {
  // Issue 12, item 7: the "merged" mark used to be written after the awaited export, so page
  // views arriving together each imported the same anonymous history.
  it("five simultaneous first page views after sign-in import the anonymous history once", async () => {
    const o = origin();
    const { cookie, id } = await newVisitor(o);
    for (let i = 0; i < 3; i++) await call(o.fetch, "/products/running-shoes", { headers: { cookie } });
    const anonymous = await visitorObject(`vid:${id}`).exportHistory();
    const views = (h: VisitorHistory, key: string) => h.views.filter((v) => v.key === key).length;
    expect(views(anonymous, "running-shoes")).toBe(3);

    const sub = `merge-race-${id}`;
    const both = `${cookie}; p13n_profile=${await profileToken({ claims: { sub } })}`;
    const pages = await Promise.all(Array.from({ length: 5 }, () => call(o.fetch, "/products/leggings", { headers: { cookie: both } })));
    expect(pages.every((p) => p.res.status === 200)).toBe(true);

    const merged = await visitorObject(`sub:${sub}`).exportHistory();
    expect(views(merged, "running-shoes")).toBe(3);
    expect(views(merged, "leggings")).toBe(5);
    expect(merged.events.filter((e) => e.type === "view")).toHaveLength(anonymous.events.filter((e) => e.type === "view").length + 5);
    expect(await visitorObject(`vid:${id}`).exportHistory()).toMatchObject({ visitor: null, events: [] });
  });
});

describe("respecting the no", () => {
  it("a profile whose consent says track: false is neither read nor written, and gets no script", async () => {
    const o = origin();
    const sub = `no-track-${crypto.randomUUID()}`;
    const cookie = `p13n_profile=${await profileToken({ claims: { sub, consent: { track: false } } })}`;
    for (let i = 0; i < 3; i++) await call(o.fetch, "/products/running-shoes", { headers: { cookie } });
    const home = await call(o.fetch, "/", { headers: { cookie } });
    expect(home.body).toContain(HERO_DEFAULT);
    expect(home.body).not.toContain("/__p13n/client.js");
    expect(stateOf(home.res)?.[2]).toBe("miss");
    expect(await visitorObject(`sub:${sub}`).exportHistory()).toMatchObject({ visitor: null, events: [] });
  });

  it("a crawler is not remembered and gets no script", async () => {
    const o = origin();
    const { cookie, id } = await newVisitor(o);
    const before = (await storedEvents(`vid:${id}`)).length;
    const { body } = await call(o.fetch, "/products/running-shoes", { headers: { cookie, "user-agent": "Mozilla/5.0 (compatible; Googlebot/2.1)" } });
    expect(body).not.toContain("/__p13n/client.js");
    expect((await storedEvents(`vid:${id}`)).length).toBe(before);
  });

  it("Sec-GPC: 1 gets no script and no memory", async () => {
    const { res, body } = await call(origin().fetch, "/", { headers: { "sec-gpc": "1" } });
    expect(body).not.toContain("/__p13n/client.js");
    expect(stateOf(res)?.[2]).toBe("miss");
  });
});

describe("a visitor's first request", () => {
  it("creates no memory for a client that is not a browser navigating (it may never send the cookie back)", async () => {
    const o = origin();
    const first = await call(o.fetch, "/products/running-shoes", { headers: { "user-agent": "curl/8.5.0" } });
    const id = /__Host-p13n_vid=([0-9a-f]{32})\./.exec(first.res.headers.get("set-cookie") ?? "")?.[1];
    expect(id).toBeDefined();
    expect(await storedEvents(`vid:${id}`)).toEqual([]);
  });

  // Contract changed (issue 12, item 4): Sec-Fetch-Dest is a header any script can send, so a
  // browser's first navigation is not remembered either; the cookie coming back is the proof.
  it("remembers a browser from the request that brings the cookie back, not before", async () => {
    const o = origin();
    const first = await call(o.fetch, "/products/running-shoes", { headers: NAVIGATION });
    const id = /__Host-p13n_vid=([0-9a-f]{32})\./.exec(first.res.headers.get("set-cookie") ?? "")?.[1];
    expect(id).toBeDefined();
    expect(await storedEvents(`vid:${id}`)).toEqual([]);
    const cookie = first.res.headers.get("set-cookie")!.split(";")[0]!;
    await call(o.fetch, "/products/leggings", { headers: { ...NAVIGATION, cookie } });
    const events = await storedEvents(`vid:${id}`);
    expect(events.filter((e) => e.type === "view").map((e) => e.data.path)).toEqual(["/products/leggings"]);
  });
});
