/**
 * Respect the no: every signal (Sec-GPC, the site's consent cookie, the profile's consent,
 * the visitor's own choice) and every policy (CONSENT_DEFAULT, NO_CONSENT_MODE), through
 * the real page path and beacon. "Nothing recorded" is checked inside the objects.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { call } from "../fixtures/call.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";
import { eventCount, objectCount, siteConsent, userTables } from "../fixtures/privacy.ts";
import { profileToken } from "../fixtures/tokens.ts";
import { beacon, eventId, newVisitor } from "../fixtures/visitor.ts";

const PAGE = `<!doctype html><html><head><title>Home</title></head><body>
<section data-p13n-slot="hero"><h1>New season</h1></section>
<aside data-p13n-slot="promo">Free returns</aside>
</body></html>`;
const origin = () => fixtureOrigin({ "/": () => html(PAGE), "/products/running-shoes": () => html(PAGE) });
const IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1";

beforeEach(async () => {
  invalidateManifest(env.CONTENT);
  await publish(
    env.CONTENT,
    manifest(
      {
        hero: [
          { id: "gold", html: "<h1>Gold</h1>", priority: 50, audience: { attr: "profile.tier", eq: "gold" } },
          { id: "yoga", html: "<h1>Yoga</h1>", priority: 10, topics: ["yoga"], audience: { attr: "prefs.topics", contains: "yoga" } },
          { id: "mobile", html: "<h1>Small screen</h1>", priority: 5, audience: { attr: "context.device", eq: "mobile" } },
        ],
        promo: [
          { id: "promo-a", html: "<b>A</b>", experimentOnly: true },
          { id: "promo-b", html: "<b>B</b>", experimentOnly: true },
        ],
      },
      {
        experiments: {
          "promo-test": {
            slots: ["promo"],
            salt: "promo-2026",
            traffic: 1,
            arms: [
              { id: "a", weight: 1, variants: { promo: "promo-a" } },
              { id: "b", weight: 1, variants: { promo: "promo-b" } },
            ],
          },
        },
        pages: [{ pattern: "/products/running-shoes*", category: "running-shoes", topics: ["running"] }],
      } as never,
    ),
  );
});

const heroOf = (body: string) => /data-p13n-slot="hero"(?: data-p13n-variant="([^"]+)")?/.exec(body)?.[1] ?? "default";
const stateOf = (res: Response) => /state;dur=[\d.]+;desc="(\w+)"/.exec(res.headers.get("server-timing") ?? "")?.[1];

/** Browses as a new visitor and says whether anything was remembered: cookie, script, objects. */
async function firstVisit(headers: Record<string, string>, bindings: Record<string, unknown> = {}) {
  const before = await objectCount();
  const o = origin();
  const first = await call(o.fetch, "/", { headers }, bindings);
  // The second page as a browser would send it: with whatever cookie the first one set.
  const issued = first.res.headers.get("set-cookie")?.split(";")[0];
  const cookie = [headers.cookie, issued].filter(Boolean).join("; ");
  await call(o.fetch, "/products/running-shoes", { headers: cookie ? { ...headers, cookie } : headers }, bindings);
  return { first, newObjects: (await objectCount()) - before };
}

describe("Sec-GPC: 1", () => {
  it("a new visitor: no cookie, no script, and no object is created", async () => {
    const { first, newObjects } = await firstVisit({ "sec-gpc": "1" });
    expect(first.res.status).toBe(200);
    expect(first.res.headers.get("set-cookie")).toBeNull();
    expect(first.body).not.toContain("/__p13n/client.js");
    expect(newObjects).toBe(0);
  });

  it("only exactly '1' counts", async () => {
    const { first, newObjects } = await firstVisit({ "sec-gpc": "yes" });
    expect(first.res.headers.get("set-cookie")).toMatch(/^__Host-p13n_vid=/);
    expect(newObjects).toBe(1);
  });

  it("a returning visitor's existing cookie is not used: nothing more reaches the object", async () => {
    const o = origin();
    const { cookie, id } = await newVisitor(o);
    const before = await eventCount(`vid:${id}`);
    expect(before).toBeGreaterThan(0);
    const { res, body } = await call(o.fetch, "/products/running-shoes", { headers: { cookie, "sec-gpc": "1" } });
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(body).not.toContain("/__p13n/client.js");
    expect(stateOf(res)).toBe("miss");
    expect(await eventCount(`vid:${id}`)).toBe(before);
    const sent = await beacon({ events: [{ id: eventId(), type: "conversion", goal: "signup" }] }, cookie, { "sec-gpc": "1" });
    expect(sent.res.status).toBe(204);
    expect(await eventCount(`vid:${id}`)).toBe(before);
  });

  it("a signed-in visitor: no memory, no experiment, no profile segmentation; stated preferences still count", async () => {
    const sub = `gpc-${crypto.randomUUID()}`;
    const cookie = `p13n_profile=${await profileToken({ claims: { sub, tier: "gold", prefs: { topics: ["yoga"] } } })}`;
    const plain = await call(origin().fetch, "/", { headers: { cookie: `p13n_profile=${await profileToken({ claims: { sub: `${sub}-x`, tier: "gold" } })}` } });
    expect(heroOf(plain.body)).toBe("gold");
    expect(plain.body).toContain("data-p13n-experiment=");
    const { body } = await call(origin().fetch, "/", { headers: { cookie, "sec-gpc": "1" } });
    expect(heroOf(body)).toBe("yoga");
    expect(body).not.toContain("data-p13n-experiment=");
    expect(await userTables(`sub:${sub}`)).toEqual([]);
  });
});

describe("the site's consent cookie (CONSENT_COOKIE)", () => {
  it('json {"track":false}: no cookie, no script, no object', async () => {
    const { first, newObjects } = await firstVisit({ cookie: siteConsent({ personalize: true, track: false }) });
    expect(first.res.headers.get("set-cookie")).toBeNull();
    expect(first.body).not.toContain("/__p13n/client.js");
    expect(newObjects).toBe(0);
  });

  it('binary "0" under CONSENT_COOKIE_FORMAT=binary: the same', async () => {
    const { first, newObjects } = await firstVisit({ cookie: "cmp=0" }, { CONSENT_COOKIE: "cmp", CONSENT_COOKIE_FORMAT: "binary" });
    expect(first.res.headers.get("set-cookie")).toBeNull();
    expect(newObjects).toBe(0);
  });

  it("an unreadable cookie is 'not said': the default policy decides", async () => {
    const optOut = await firstVisit({ cookie: "p13n_consent={broken" });
    expect(optOut.newObjects).toBe(1);
    const optIn = await firstVisit({ cookie: "p13n_consent={broken" }, { CONSENT_DEFAULT: "opt-in" });
    expect(optIn.newObjects).toBe(0);
  });

  it("consent withdrawn mid-session stops recording at once (page and beacon)", async () => {
    const o = origin();
    const yes = siteConsent({ personalize: true, track: true });
    const { cookie, id } = await newVisitor(o);
    await call(o.fetch, "/products/running-shoes", { headers: { cookie: `${cookie}; ${yes}` } });
    const ok = await beacon({ events: [{ id: eventId(), type: "click", slot: "hero" }] }, `${cookie}; ${yes}`);
    expect(ok.res.status).toBe(200);
    const before = await eventCount(`vid:${id}`);
    // The consent manager now says no: the very next request records nothing.
    const no = `${cookie}; ${siteConsent({ personalize: false, track: false })}`;
    const page = await call(o.fetch, "/products/running-shoes", { headers: { cookie: no } });
    expect(page.body).not.toContain("/__p13n/client.js");
    expect(page.res.headers.get("set-cookie")).toBeNull();
    const refused = await beacon({ events: [{ id: eventId(), type: "click", slot: "hero" }] }, no);
    expect(refused.res.status).toBe(204);
    expect(refused.res.headers.get("p13n-ignored")).toBe("consent");
    expect(await eventCount(`vid:${id}`)).toBe(before);
  });
});

describe("the profile's consent claims", () => {
  it("track: false → nothing reaches the profile's object, no cookie", async () => {
    const sub = `notrack-${crypto.randomUUID()}`;
    const { first, newObjects } = await firstVisit({ cookie: `p13n_profile=${await profileToken({ claims: { sub, consent: { track: false } } })}` });
    expect(first.res.headers.get("set-cookie")).toBeNull();
    expect(newObjects).toBe(0);
    expect(await userTables(`sub:${sub}`)).toEqual([]);
  });

  it("personalize: false → remembered, but the profile's tier does not shape the page", async () => {
    const sub = `nopers-${crypto.randomUUID()}`;
    const cookie = `p13n_profile=${await profileToken({ claims: { sub, tier: "gold", consent: { personalize: false } } })}`;
    const { body } = await call(origin().fetch, "/", { headers: { cookie } });
    expect(heroOf(body)).toBe("default");
    expect(await eventCount(`sub:${sub}`)).toBeGreaterThan(0);
  });
});

describe("CONSENT_DEFAULT = opt-in", () => {
  const OPT_IN = { CONSENT_DEFAULT: "opt-in" };

  it("without a yes: nothing recorded, no cookie, no script, no experiment", async () => {
    const { first, newObjects } = await firstVisit({}, OPT_IN);
    expect(first.res.headers.get("set-cookie")).toBeNull();
    expect(first.body).not.toContain("/__p13n/client.js");
    expect(first.body).not.toContain("data-p13n-experiment=");
    expect(newObjects).toBe(0);
  });

  it("a beacon with a visitor cookie but no yes is not written", async () => {
    const o = origin();
    const { cookie, id } = await newVisitor(o);
    const before = await eventCount(`vid:${id}`);
    const sent = await beacon({ events: [{ id: eventId(), type: "click", slot: "hero" }] }, cookie, {}, OPT_IN);
    expect(sent.res.status).toBe(204);
    expect(await eventCount(`vid:${id}`)).toBe(before);
  });

  it("a yes from the site's consent cookie, or from the profile, turns memory on", async () => {
    const viaSite = await firstVisit({ cookie: siteConsent({ personalize: true, track: true }) }, OPT_IN);
    expect(viaSite.first.res.headers.get("set-cookie")).toMatch(/^__Host-p13n_vid=/);
    expect(viaSite.newObjects).toBe(1);
    const sub = `optin-${crypto.randomUUID()}`;
    const profile = `p13n_profile=${await profileToken({ claims: { sub, tier: "gold", consent: { track: true, personalize: true } } })}`;
    const { body } = await call(origin().fetch, "/", { headers: { cookie: profile } }, OPT_IN);
    expect(heroOf(body)).toBe("gold");
    expect(await eventCount(`sub:${sub}`)).toBeGreaterThan(0);
  });

  it("a yes never outvotes a no: GPC wins over the site cookie's yes", async () => {
    const { first, newObjects } = await firstVisit({ cookie: siteConsent({ personalize: true, track: true }), "sec-gpc": "1" }, OPT_IN);
    expect(first.res.headers.get("set-cookie")).toBeNull();
    expect(newObjects).toBe(0);
  });
});

describe("NO_CONSENT_MODE", () => {
  it("context: the request context still personalizes a GPC visitor", async () => {
    const { body } = await call(origin().fetch, "/", { headers: { "sec-gpc": "1", "user-agent": IPHONE } });
    expect(heroOf(body)).toBe("mobile");
  });

  it("none: without consent to track, nothing is personalized at all", async () => {
    const { res, body } = await call(origin().fetch, "/", { headers: { "sec-gpc": "1", "user-agent": IPHONE } }, { NO_CONSENT_MODE: "none" });
    expect(heroOf(body)).toBe("default");
    expect(body).toBe(PAGE);
    expect(res.headers.get("set-cookie")).toBeNull();
    // With consent, NO_CONSENT_MODE changes nothing.
    const tracked = await call(origin().fetch, "/", { headers: { "user-agent": IPHONE } }, { NO_CONSENT_MODE: "none" });
    expect(heroOf(tracked.body)).toBe("mobile");
  });

  it("a bad policy value is a configuration error named by its variable", async () => {
    const { res, body } = await call(origin().fetch, "/__p13n/me", { headers: { accept: "application/json" } }, { CONSENT_DEFAULT: "maybe" });
    expect(res.status).toBe(500);
    expect(body).toContain("CONFIG_INVALID");
  });
});

describe("the visitor's own choice (__Host-p13n_consent)", () => {
  it("track=0: nothing recorded, no cookie, even under opt-out", async () => {
    const { first, newObjects } = await firstVisit({ cookie: "__Host-p13n_consent=track=0" });
    expect(first.res.headers.get("set-cookie")).toBeNull();
    expect(newObjects).toBe(0);
  });

  it("decide agrees with the page: no experiment assignment without consent to track", async () => {
    const token = await profileToken({ claims: { sub: `decide-${crypto.randomUUID()}` } });
    const on = await call(origin().fetch, "/__p13n/decide?path=/&slots=promo", { headers: { "x-p13n-profile": token } });
    expect(JSON.parse(on.body).decisions[0].experiment).toBeDefined();
    const off = await call(origin().fetch, "/__p13n/decide?path=/&slots=promo", { headers: { "x-p13n-profile": token, "sec-gpc": "1" } });
    expect(JSON.parse(off.body).decisions[0].experiment).toBeUndefined();
    expect(off.res.headers.get("set-cookie")).toBeNull();
  });
});
