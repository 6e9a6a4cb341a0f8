/**
 * GET /__p13n/me: what is known, as JSON or as the preference page (HTML for a browser
 * that asks for it). Honest for every visitor (GPC: nothing stored), only their own data,
 * escaped, never cached, and a broken store answers 503 here while pages still serve.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { call } from "../fixtures/call.ts";
import type { Manifest } from "../../src/engine/types.ts";
import { publish } from "../fixtures/manifest.ts";
import { getMe, PREFERENCES_PAGE, preferencesManifest, putMe } from "../fixtures/me.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";
import { profileToken } from "../fixtures/tokens.ts";
import { fakeNamespace, newVisitor } from "../fixtures/visitor.ts";

const origin = () => fixtureOrigin({ "/": () => html(PREFERENCES_PAGE), "/products/running-shoes": () => html(PREFERENCES_PAGE), "/about": () => html(PREFERENCES_PAGE) });
const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

beforeEach(async () => {
  invalidateManifest(env.CONTENT);
  await publish(env.CONTENT, preferencesManifest());
});

describe("GET /__p13n/me as JSON", () => {
  it("a new visitor: nothing stored, and no visitor id is issued by the read", async () => {
    const { res, json } = await getMe(null);
    expect(res.status).toBe(200);
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(res.headers.get("vary")).toBe("Accept, Cookie");
    expect(json).toMatchObject({ signedIn: false, profile: null, stored: { anything: false, retentionDays: 30 }, lastPage: null });
    expect(json!.consent).toMatchObject({ track: true, trackBecause: "the site allows it unless you say no" });
    expect(json!.topics).toEqual(["running", "yoga"]);
  });

  it("a GPC visitor is told the truth: memory off because of GPC, nothing stored", async () => {
    const { json } = await getMe(null, { "sec-gpc": "1" });
    expect(json!.consent).toMatchObject({ track: false, personalize: false, mode: "context", signals: { gpc: true } });
    expect(json!.consent.trackBecause).toContain("Global Privacy Control");
    expect(json!.stored.anything).toBe(false);
  });

  it("what the visitor did: interests with scores, recent interactions, and why each slot showed what it did", async () => {
    const o = origin();
    const { cookie } = await newVisitor(o);
    for (let i = 0; i < 3; i++) await call(o.fetch, "/products/running-shoes", { headers: { cookie } });
    await putMe(cookie, { topics: ["yoga"], frequency: "fewer" });
    await call(o.fetch, "/about", { headers: { cookie } });
    const me = (await getMe(cookie)).json!;
    expect(me.inferredInterests[0]).toMatchObject({ topic: "running" });
    expect(me.inferredInterests[0]!.score).toBeGreaterThan(0.4);
    expect(me.recentInteractions.map((r) => r.summary)).toContain("Viewed /products/running-shoes");
    expect(me.recentInteractions[0]!.summary).toMatch(/^(Viewed \/about|Was shown)/);
    // Each with the event as recorded, in JSON (the HTML says the summary).
    expect(me.recentInteractions.find((r) => r.summary === "Viewed /about")?.data).toMatchObject({ path: "/about" });
    expect(me.statedPreferences).toMatchObject({ yours: { topics: ["yoga"], frequency: "fewer" }, effective: { topics: ["yoga"], frequency: "fewer" } });
    expect(me.lastPage!.path).toBe("/about");
    const hero = me.lastPage!.slots.find((s) => s.slot === "hero")!;
    expect(hero).toMatchObject({ variant: "yoga" });
    expect(hero.why).toContain("You said you are interested in yoga.");
    const member = me.lastPage!.slots.find((s) => s.slot === "member")!;
    expect(member).toMatchObject({ variant: null });
    expect(member.why[0]).toContain("standard content");
    expect(me.stored.parts).toHaveLength(1);
    expect(Date.parse(me.stored.parts[0]!.deleteAt!)).toBeGreaterThan(Date.now() + 29 * 86_400_000);
  });

  it("the profile claims received, and the profile's preferences beside the visitor's", async () => {
    const token = await profileToken({ claims: { sub: `claims-${crypto.randomUUID()}`, tier: "gold", prefs: { topics: ["running"] }, attrs: { plan: "pro" } } });
    const me = (await getMe(`p13n_profile=${token}`)).json!;
    expect(me.signedIn).toBe(true);
    expect(me.profile).toMatchObject({ tier: "gold", attrs: { plan: "pro" } });
    expect(me.statedPreferences).toMatchObject({ fromProfile: { topics: ["running"] }, yours: null, effective: { topics: ["running"] } });
  });

  it("?format=json answers JSON even to a browser's Accept", async () => {
    const { res } = await getMe(null, { accept: BROWSER_ACCEPT }, {});
    expect(res.headers.get("content-type")).toContain("text/html");
    const json = await call(() => Promise.reject(new Error("no origin")), "/__p13n/me?format=json", { headers: { accept: BROWSER_ACCEPT } });
    expect(json.res.headers.get("content-type")).toContain("application/json");
  });
});

describe("the last page and the deletion time", () => {
  it("the deletion time is RETENTION_DAYS after the last activity, also while experiment counts wait for their delivery", async () => {
    const id = `me-x-${crypto.randomUUID().slice(0, 8)}`;
    const arms = [{ id: "a", weight: 1, variants: { hero: null } }, { id: "b", weight: 1, variants: { hero: "running" } }];
    await publish(env.CONTENT, { ...preferencesManifest(), experiments: { [id]: { slots: ["hero"], salt: id, status: "running", traffic: 1, holdout: 0, bandit: false, goal: "purchase", arms } } } as Manifest);
    invalidateManifest(env.CONTENT);
    const o = origin();
    const { cookie } = await newVisitor(o);
    await call(o.fetch, "/about", { headers: { cookie } });
    const parts = (await getMe(cookie)).json!.stored.parts;
    expect(parts).toHaveLength(1);
    expect(Date.parse(parts[0]!.deleteAt!)).toBeGreaterThan(Date.now() + 29 * 86_400_000);
  });

  it("names only the slots the last page had, not every slot the content has", async () => {
    const o = fixtureOrigin({ "/": () => html(PREFERENCES_PAGE), "/hero-only": () => html("<html><body><section data-p13n-slot='hero'>Hi</section></body></html>") });
    const { cookie } = await newVisitor(o);
    await call(o.fetch, "/hero-only", { headers: { cookie } });
    const last = (await getMe(cookie)).json!.lastPage!;
    expect(last.path).toBe("/hero-only");
    expect(last.slots.map((s) => s.slot)).toEqual(["hero"]);
  });
});

describe("visitors only ever see their own data", () => {
  it("A's cookie shows A's pages, B's shows B's; a forged id shows nothing", async () => {
    const o = origin();
    const a = await newVisitor(o);
    const b = await newVisitor(o);
    await call(o.fetch, "/products/running-shoes", { headers: { cookie: a.cookie } });
    await call(o.fetch, "/about", { headers: { cookie: b.cookie } });
    const summaries = async (cookie: string) => (await getMe(cookie)).json!.recentInteractions.map((r) => r.summary);
    expect(await summaries(a.cookie)).toContain("Viewed /products/running-shoes");
    expect(await summaries(a.cookie)).not.toContain("Viewed /about");
    expect(await summaries(b.cookie)).toContain("Viewed /about");
    expect(await summaries(b.cookie)).not.toContain("Viewed /products/running-shoes");
    const forged = (await getMe(`__Host-p13n_vid=${a.id}.${"A".repeat(43)}`)).json!;
    expect(forged.stored.anything).toBe(false);
    expect(forged.recentInteractions).toEqual([]);
  });
});

describe("the preference page (HTML)", () => {
  it("a browser asking for HTML gets an accessible page with retention, choices and no inline script", async () => {
    const o = origin();
    const { cookie } = await newVisitor(o);
    await call(o.fetch, "/products/running-shoes", { headers: { cookie } });
    const { res, body } = await getMe(cookie, { accept: BROWSER_ACCEPT });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(body).toContain('<html lang="en">');
    expect(body).toContain("<h1>Your data and preferences</h1>");
    expect(body).toContain("<strong>30 days</strong> after your last visit");
    expect(body).toContain('<legend>Topics you want to see more of</legend>');
    expect(body).toMatch(/<label for="topics-yoga"><input type="checkbox" id="topics-yoga" name="topics" value="yoga">/);
    expect(body).toContain('<button type="button" id="erase" class="danger">Erase my data</button>');
    expect(body).not.toMatch(/<script>(?!<)/);
    expect(body).toContain('<script src="/__p13n/me/app.js" defer></script>');
  });

  it("escapes everything from the profile and the content", async () => {
    const token = await profileToken({ claims: { sub: `xss-${crypto.randomUUID()}`, tier: '<img src=x onerror="alert(1)">', attrs: { note: "</td><script>alert(2)</script>" } } });
    const { body } = await getMe(`p13n_profile=${token}`, { accept: BROWSER_ACCEPT });
    expect(body).not.toContain("<img src=x");
    expect(body).not.toContain("<script>alert(2)");
    expect(body).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
  });

  it("GPC: says memory is off and nothing is stored, and disables what would need storing", async () => {
    const { body } = await getMe(null, { accept: BROWSER_ACCEPT, "sec-gpc": "1" });
    expect(body).toContain("<strong>Memory is off</strong> (your browser sends Global Privacy Control (Sec-GPC: 1))");
    expect(body).toContain("<strong>Nothing about you is stored.</strong>");
    expect(body).toMatch(/id="track-1" name="track" value="1" disabled>/);
  });

  it("serves its script and stylesheet", async () => {
    const noOrigin = () => Promise.reject(new Error("no origin"));
    const js = await call(noOrigin, "/__p13n/me/app.js");
    expect(js.res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(js.body).toContain('send("PUT", body)');
    const css = await call(noOrigin, "/__p13n/me/style.css");
    expect(css.res.headers.get("content-type")).toBe("text/css; charset=utf-8");
  });
});

describe("failures", () => {
  it("a store that fails: /me answers 503 with a code, the page path still serves (fails open)", async () => {
    const { cookie } = await newVisitor(origin());
    const { ns: base } = fakeNamespace(() => Promise.reject(new Error("storage down")));
    // Every call the preference centre makes fails the same way.
    const ns = {
      idFromName: base.idFromName.bind(base),
      get: (id: DurableObjectId) => Object.assign(base.get(id), { describe: () => Promise.reject(new Error("storage down")) }),
    } as unknown as Env["VISITOR"];
    const me = await getMe(cookie, {}, { VISITOR: ns });
    expect(me.res.status).toBe(503);
    expect(JSON.parse(me.body).error.code).toBe("STATE_UNAVAILABLE");
    const page = await call(origin().fetch, "/", { headers: { cookie } }, { VISITOR: ns });
    expect(page.res.status).toBe(200);
    expect(page.body).toContain('data-p13n-slot="hero"');
  });
});
