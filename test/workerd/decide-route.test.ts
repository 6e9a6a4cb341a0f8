/**
 * GET /__p13n/decide: the page path's decisions as JSON for other channels;
 * reasons only for editors.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { call } from "../fixtures/call.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { preferencesManifest, putMe } from "../fixtures/me.ts";
import { fixtureOrigin } from "../fixtures/origin.ts";
import { TEST_SECRETS } from "../fixtures/secrets.ts";
import { profileToken } from "../fixtures/tokens.ts";
import { eventId, visitorObject } from "../fixtures/visitor.ts";

const origin = fixtureOrigin({});

beforeEach(async () => {
  invalidateManifest(env.CONTENT);
  await publish(
    env.CONTENT,
    manifest({
      hero: [
        { id: "gold", html: "<b>Gold</b>", priority: 10, audience: { attr: "profile.tier", eq: "gold" } },
        { id: "sale", html: "Sale", audience: { attr: "context.path", startsWith: "/sale" } },
      ],
      footer: [{ id: "all", html: "F" }],
    }),
  );
});

async function decideJson(query: string, headers: Record<string, string> = {}) {
  const { res, body } = await call(origin.fetch, `/__p13n/decide${query}`, { headers });
  return { res, json: JSON.parse(body) as { decisions: Array<Record<string, unknown>>; version: string; profile: string } };
}

describe("GET /__p13n/decide", () => {
  it("decides for a profile sent as a header, with no reasons for the public", async () => {
    const token = await profileToken({ claims: { tier: "gold" } });
    const { res, json } = await decideJson("?slots=hero", { "x-p13n-profile": token });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(json.version).toBe("test-1");
    expect(json.profile).toBe("verified");
    expect(json.decisions).toEqual([{ slot: "hero", variant: "gold", html: "<b>Gold</b>" }]);
    expect(origin.seen).toHaveLength(0);
  });

  it("uses the path parameter as the page's context, and decides every slot when none are named", async () => {
    const { json } = await decideJson("?path=/sale/shoes");
    expect(json.decisions.map((d) => [d.slot, d.variant])).toEqual([
      ["hero", "sale"],
      ["footer", "all"],
    ]);
  });

  it("explains to an editor", async () => {
    const { json } = await decideJson("?slots=hero", { authorization: `Bearer ${TEST_SECRETS.ADMIN_TOKEN}` });
    const explain = json.decisions[0]!.explain as { rejected: Array<{ variant: string; reason: string }> };
    expect(explain.rejected).toContainEqual(expect.objectContaining({ variant: "gold", reason: "audience" }));
  });

  it("does not explain with a wrong token", async () => {
    const { json } = await decideJson("?slots=hero", { authorization: "Bearer wrong" });
    expect(json.decisions[0]!.explain).toBeUndefined();
  });

  it("refuses a bad query with a clear code", async () => {
    const { res, json } = await decideJson("?path=nope");
    expect(res.status).toBe(400);
    expect(json).toMatchObject({ error: { code: "BAD_QUERY" } });
    const bad = await decideJson("?slots=<script>");
    expect(bad.res.status).toBe(400);
  });

  // Issue 13: /decide skipped memory whenever it issued a visitor id, so an app that sends only
  // X-P13n-Profile (no cookies: a new id every call) never got the visitor's memory or stated
  // preferences. It now gathers its inputs through the page path's step (src/pipeline/inputs.ts).
  it("an app that sends only X-P13n-Profile gets that visitor's memory and stated preferences", async () => {
    await publish(env.CONTENT, preferencesManifest());
    invalidateManifest(env.CONTENT);
    const sub = `app-${crypto.randomUUID()}`;
    const token = await profileToken({ claims: { sub } });
    const app = async () => {
      const { res, json } = await decideJson("?slots=hero,promo", { "x-p13n-profile": token });
      expect(res.status).toBe(200);
      return Object.fromEntries(json.decisions.map((d) => [d.slot, d.variant]));
    };
    // Nothing remembered yet: running wins the tie (listed first), the promotion outranks the editorial.
    expect(await app()).toEqual({ hero: "running", promo: "sale" });
    // Memory: the signed-in visitor read about yoga (their profile's object, on another channel).
    await visitorObject(`sub:${sub}`).record({ events: [{ type: "view", id: eventId(), at: Date.now(), path: "/journal/yoga", topics: ["yoga"] }] });
    // Stated preferences: "fewer promotions", from the preference page with the profile cookie.
    expect((await putMe(`p13n_profile=${token}`, { frequency: "fewer" })).res.status).toBe(200);
    expect(await app()).toEqual({ hero: "yoga", promo: "editorial" });
  });
});
