/**
 * PUT /__p13n/me: stated preferences take effect on the next page through the decision
 * engine (topics → the matching variant wins; "fewer promotions" → the promotion loses),
 * outrank the profile's, and live in the visitor's own object; consent choices live in
 * __Host-p13n_consent. Anything not from the site's own pages, or not the schema, is refused.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { call } from "../fixtures/call.ts";
import { publish } from "../fixtures/manifest.ts";
import { applySetCookies, getMe, PREFERENCES_PAGE, preferencesManifest, putMe, setCookies, variantOf } from "../fixtures/me.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";
import { eventCount, objectCount, userTables } from "../fixtures/privacy.ts";
import { profileToken } from "../fixtures/tokens.ts";
import { newVisitor, visitorObject } from "../fixtures/visitor.ts";

const origin = () => fixtureOrigin({ "/": () => html(PREFERENCES_PAGE), "/products/running-shoes": () => html(PREFERENCES_PAGE) });
const page = (cookie: string, headers: Record<string, string> = {}) => call(origin().fetch, "/", { headers: { cookie, ...headers } });
const errorOf = (called: { body: string }) => (JSON.parse(called.body) as { error: { code: string; message: string } }).error;

function storedPrefs(name: string): Promise<unknown> {
  return runInDurableObject(visitorObject(name), (_i, state) => {
    const row = state.storage.sql.exec<{ data: string }>("SELECT data FROM prefs WHERE id = 1").toArray()[0];
    return row ? (JSON.parse(row.data) as unknown) : null;
  });
}

beforeEach(async () => {
  invalidateManifest(env.CONTENT);
  await publish(env.CONTENT, preferencesManifest());
});

describe("stated preferences change the next decision", () => {
  it("topics: the matching variant wins on the next page, and the object holds them", async () => {
    const { cookie, id } = await newVisitor(origin());
    expect(variantOf((await page(cookie)).body, "hero")).toBe("running");
    const put = await putMe(cookie, { topics: ["yoga"] });
    expect(put.res.status).toBe(200);
    expect(JSON.parse(put.body).statedPreferences.yours).toEqual({ topics: ["yoga"] });
    expect(await storedPrefs(`vid:${id}`)).toEqual({ topics: ["yoga"] });
    expect(variantOf((await page(cookie)).body, "hero")).toBe("yoga");
  });

  it("reach other channels too: GET /__p13n/decide gives the same visitor the same choice", async () => {
    const { cookie } = await newVisitor(origin());
    const decided = async () => {
      const { body } = await call(origin().fetch, "/__p13n/decide?slots=hero", { headers: { cookie } });
      return (JSON.parse(body) as { decisions: Array<{ variant: string | null }> }).decisions[0]!.variant;
    };
    expect(await decided()).toBe("running");
    expect((await putMe(cookie, { topics: ["yoga"] })).res.status).toBe(200);
    expect(await decided()).toBe("yoga");
    expect(variantOf((await page(cookie)).body, "hero")).toBe("yoga");
  });

  it('frequency "fewer": the promotional variant loses through the engine', async () => {
    const { cookie } = await newVisitor(origin());
    expect(variantOf((await page(cookie)).body, "promo")).toBe("sale");
    expect((await putMe(cookie, { frequency: "fewer" })).res.status).toBe(200);
    expect(variantOf((await page(cookie)).body, "promo")).toBe("editorial");
    // The reason reaches the visitor, in plain words.
    const why = (await getMe(cookie)).json!.lastPage!.slots.find((s) => s.slot === "promo")!.why.join(" ");
    expect(why).toContain("You asked for fewer promotions");
  });

  it("outrank the profile's own prefs, field by field", async () => {
    const sub = `prefs-${crypto.randomUUID()}`;
    const cookie = `p13n_profile=${await profileToken({ claims: { sub, prefs: { topics: ["running"], frequency: "fewer" } } })}`;
    const before = await page(cookie);
    expect(variantOf(before.body, "hero")).toBe("running");
    expect(variantOf(before.body, "promo")).toBe("editorial");
    expect((await putMe(cookie, { topics: ["yoga"] })).res.status).toBe(200);
    const after = await page(cookie);
    expect(variantOf(after.body, "hero")).toBe("yoga");
    // Frequency was not restated: the profile's "fewer" still holds.
    expect(variantOf(after.body, "promo")).toBe("editorial");
    expect(await storedPrefs(`sub:${sub}`)).toEqual({ topics: ["yoga"] });
  });

  it("follow a signed-in visitor to another device (they live in the profile's object)", async () => {
    const sub = `device-${crypto.randomUUID()}`;
    const token = `p13n_profile=${await profileToken({ claims: { sub } })}`;
    const { cookie } = await newVisitor(origin());
    expect((await putMe(`${cookie}; ${token}`, { topics: ["yoga"] })).res.status).toBe(200);
    // Another browser: only the profile cookie.
    expect(variantOf((await page(token)).body, "hero")).toBe("yoga");
  });

  it("null clears a field: the default comes back", async () => {
    const { cookie } = await newVisitor(origin());
    await putMe(cookie, { topics: ["yoga"], frequency: "fewer" });
    expect(variantOf((await page(cookie)).body, "hero")).toBe("yoga");
    const cleared = await putMe(cookie, { topics: null, frequency: null });
    expect(JSON.parse(cleared.body).statedPreferences.yours).toBeNull();
    const next = await page(cookie);
    expect(variantOf(next.body, "hero")).toBe("running");
    expect(variantOf(next.body, "promo")).toBe("sale");
  });

  it("a first visit straight to the preference page gets a visitor id to hold them", async () => {
    const put = await putMe(null, { topics: ["yoga"] });
    expect(put.res.status).toBe(200);
    const vid = setCookies(put.res).find((c) => c.startsWith("__Host-p13n_vid="));
    expect(vid).toMatch(/Secure; HttpOnly; SameSite=Lax/);
    expect(variantOf((await page(vid!.split(";")[0]!)).body, "hero")).toBe("yoga");
  });
});

describe("consent choices", () => {
  it("personalize: false stops profile segmentation on the next page; memory stays on", async () => {
    const sub = `optout-${crypto.randomUUID()}`;
    const token = `p13n_profile=${await profileToken({ claims: { sub, tier: "gold" } })}`;
    expect(variantOf((await page(token)).body, "member")).toBe("gold");
    const put = await putMe(token, { personalize: false });
    expect(setCookies(put.res)).toContainEqual(expect.stringMatching(/^__Host-p13n_consent=personalize=0; Max-Age=\d+; Path=\/; Secure; HttpOnly; SameSite=Lax$/));
    const cookie = applySetCookies(token, put.res);
    const before = await eventCount(`sub:${sub}`);
    expect(variantOf((await page(cookie)).body, "member")).toBe("default");
    expect(await eventCount(`sub:${sub}`)).toBeGreaterThan(before);
    // And back on.
    const on = await putMe(cookie, { personalize: true });
    expect(variantOf((await page(applySetCookies(cookie, on.res))).body, "member")).toBe("gold");
  });

  it("track: false erases what is stored, clears the visitor id and records nothing more", async () => {
    const o = origin();
    const { cookie, id } = await newVisitor(o);
    await putMe(cookie, { topics: ["yoga"] });
    expect(await userTables(`vid:${id}`)).not.toEqual([]);
    const put = await putMe(cookie, { track: false });
    expect(put.res.status).toBe(200);
    expect(setCookies(put.res)).toContainEqual(expect.stringMatching(/^__Host-p13n_vid=; Max-Age=0;/));
    expect(setCookies(put.res)).toContainEqual(expect.stringMatching(/^__Host-p13n_consent=track=0;/));
    expect(await userTables(`vid:${id}`)).toEqual([]);
    const after = applySetCookies(cookie, put.res);
    expect(after).not.toContain("__Host-p13n_vid");
    const objects = await objectCount();
    const next = await call(o.fetch, "/", { headers: { cookie: after } });
    expect(next.res.headers.get("set-cookie")).toBeNull();
    expect(next.body).not.toContain("/__p13n/client.js");
    expect(await objectCount()).toBe(objects);
    const me = (await getMe(after)).json!;
    expect(me.consent).toMatchObject({ track: false, trackBecause: "you turned it off here" });
    expect(me.stored.anything).toBe(false);
  });

  it("with memory off (GPC), stating topics is refused: nothing may be stored", async () => {
    const objects = await objectCount();
    const put = await putMe(null, { topics: ["yoga"] }, { "sec-gpc": "1" });
    expect(put.res.status).toBe(409);
    expect(errorOf(put).code).toBe("NOT_STORED");
    expect(setCookies(put.res)).toEqual([]);
    expect(await objectCount()).toBe(objects);
    // track: true cannot outvote GPC either.
    const yes = await putMe(null, { track: true, topics: ["yoga"] }, { "sec-gpc": "1" });
    expect(yes.res.status).toBe(409);
  });
});

describe("refused", () => {
  it("cross-site: Sec-Fetch-Site other than same-origin, or a foreign Origin → 403, nothing stored", async () => {
    const { cookie, id } = await newVisitor(origin());
    const attempts: Array<Record<string, string>> = [
      { "sec-fetch-site": "cross-site", origin: "https://evil.example" },
      { "sec-fetch-site": "same-site", origin: "https://blog.shop.example" },
      { "sec-fetch-site": "none" },
      { origin: "https://evil.example", "sec-fetch-site": "" },
    ];
    for (const headers of attempts) {
      const h: Record<string, string> = { ...headers };
      if (h["sec-fetch-site"] === "") delete h["sec-fetch-site"];
      const put = await call(origin().fetch, "/__p13n/me", { method: "PUT", headers: { cookie, "content-type": "application/json", ...h }, body: '{"topics":["yoga"]}' });
      expect(put.res.status, JSON.stringify(headers)).toBe(403);
      expect(errorOf(put).code).toBe("CROSS_SITE");
    }
    expect(await visitorObject(`vid:${id}`).exportHistory()).toMatchObject({ prefs: null });
  });

  it("not JSON by type (an HTML form's encodings) → 415", async () => {
    const { cookie } = await newVisitor(origin());
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      const put = await putMe(cookie, '{"topics":["yoga"]}', { "content-type": type });
      expect(put.res.status).toBe(415);
      expect(errorOf(put).code).toBe("UNSUPPORTED_MEDIA_TYPE");
    }
  });

  it("malformed → 400 with a clear code naming the field", async () => {
    const { cookie } = await newVisitor(origin());
    const cases: Array<[unknown, string, RegExp]> = [
      ["{not json", "MALFORMED_JSON", /not JSON/],
      [{ frequency: "sometimes" }, "INVALID_PREFERENCES", /^frequency: must be fewer, normal or more/],
      [{ topics: "yoga" }, "INVALID_PREFERENCES", /^topics:/],
      [{ topics: ["<script>"] }, "INVALID_PREFERENCES", /^topics\.0: letters, digits/],
      [{ topics: Array.from({ length: 51 }, (_, i) => `t${i}`) }, "INVALID_PREFERENCES", /at most 50 topics/],
      [{ personalize: "no" }, "INVALID_PREFERENCES", /^personalize: must be true or false/],
      [{ colour: "blue" }, "INVALID_PREFERENCES", /colour/],
      [{}, "INVALID_PREFERENCES", /say at least one/],
      [[], "INVALID_PREFERENCES", /./],
    ];
    for (const [body, code, message] of cases) {
      const put = await putMe(cookie, body);
      expect(put.res.status, JSON.stringify(body)).toBe(400);
      expect(errorOf(put).code).toBe(code);
      expect(errorOf(put).message).toMatch(message);
    }
  });

  it("over 4 KiB → 413", async () => {
    const { cookie } = await newVisitor(origin());
    const put = await putMe(cookie, JSON.stringify({ topics: ["yoga"], pad: "x".repeat(5000) }));
    expect(put.res.status).toBe(413);
    expect(errorOf(put).code).toBe("TOO_LARGE");
  });
});
