/**
 * One visitor, every channel: GET /__p13n/decide records what it answers as served impressions
 * (after the answer), so a frequency cap counts the web page, the app and the email together; a
 * preview (`record=0`, `X-P13n-Record: 0`, an editor's preview cookie) counts nothing; and
 * `context.channel` (`web` on pages, what the caller says on /decide) is an attribute rules test.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { call } from "../fixtures/call.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";
import { objectCount, userTables } from "../fixtures/privacy.ts";
import { TEST_SECRETS } from "../fixtures/secrets.ts";
import { profileToken } from "../fixtures/tokens.ts";
import { storedEvents } from "../fixtures/visitor.ts";

const PAGE = '<!doctype html><html><body><section data-p13n-slot="hero"><h1>Default</h1></section><div data-p13n-slot="note">-</div></body></html>';
const origin = fixtureOrigin({ "/": () => html(PAGE) });
const NAV = { "sec-fetch-dest": "document", "sec-fetch-mode": "navigate" };
const CAP = 3;

beforeEach(async () => {
  invalidateManifest(env.CONTENT);
  await publish(
    env.CONTENT,
    manifest({
      hero: [{ id: "reminder", html: "<h1>Your cart misses you</h1>", campaign: "cart-recovery", cap: { max: CAP, periodHours: 24, scope: "variant" } }],
      note: [
        { id: "in-email", html: "<p>Reply to this email</p>", priority: 2, audience: { attr: "context.channel", eq: "email" } },
        { id: "in-app", html: "<p>Tap to open</p>", priority: 2, audience: { attr: "context.channel", in: ["app", "kiosk"] } },
        { id: "on-web", html: "<p>Click here</p>", priority: 1, audience: { attr: "context.channel", eq: "web" } },
      ],
    }),
  );
});

const fresh = (prefix: string) => `${prefix}-${crypto.randomUUID()}`;

interface Answer {
  recorded: boolean;
  channel?: string;
  decisions: Array<{ slot: string; variant: string | null; explain?: { rejected: Array<{ variant: string; reason: string }> } }>;
}

async function decideAs(token: string, query: string, headers: Record<string, string> = {}): Promise<{ status: number; json: Answer }> {
  const { res, body } = await call(origin.fetch, `/__p13n/decide${query}`, { headers: { "x-p13n-profile": token, ...headers } });
  return { status: res.status, json: JSON.parse(body) as Answer };
}

const variantOf = (a: Answer, slot: string) => a.decisions.find((d) => d.slot === slot)?.variant ?? null;
const heroOnPage = (body: string) => /data-p13n-slot="hero"(?: data-p13n-variant="([^"]+)")?/.exec(body)?.[1] ?? null;

describe("frequency caps across channels", () => {
  it(`a variant capped at ${CAP} shows ${CAP} times across web, app and email, then stops on every channel`, async () => {
    const sub = fresh("caps");
    const token = await profileToken({ claims: { sub } });
    const cookie = `p13n_profile=${token}`;
    const shown: Array<string | null> = [];
    shown.push(heroOnPage((await call(origin.fetch, "/", { headers: { ...NAV, cookie } })).body));
    shown.push(variantOf((await decideAs(token, "?slots=hero&channel=app")).json, "hero"));
    shown.push(variantOf((await decideAs(token, "?slots=hero&channel=email")).json, "hero"));
    expect(shown).toEqual(["reminder", "reminder", "reminder"]);
    // The cap is spent: neither the page, nor the app, nor email shows it again.
    expect(heroOnPage((await call(origin.fetch, "/", { headers: { ...NAV, cookie } })).body)).toBeNull();
    expect(variantOf((await decideAs(token, "?slots=hero&channel=app")).json, "hero")).toBeNull();
    const editor = await decideAs(token, "?slots=hero&channel=email", { authorization: `Bearer ${TEST_SECRETS.ADMIN_TOKEN}` });
    expect(editor.json.decisions[0]!.explain!.rejected).toContainEqual(expect.objectContaining({ variant: "reminder", reason: "cap" }));
    // Each channel's impression is in the visitor's history, with its channel.
    const impressions = (await storedEvents(`sub:${sub}`)).filter((e) => e.type === "impression" && e.data.slot === "hero");
    expect(impressions.map((e) => e.data.channel ?? "web")).toEqual(["web", "app", "email"]);
  });

  it("and each way alone: spent in email and the app, the page stops showing it; spent on pages, the app and email stop", async () => {
    const elsewhere = await profileToken({ claims: { sub: fresh("email-first") } });
    for (let i = 0; i < CAP; i++) expect(variantOf((await decideAs(elsewhere, `?slots=hero&channel=${i % 2 ? "app" : "email"}`)).json, "hero")).toBe("reminder");
    expect(heroOnPage((await call(origin.fetch, "/", { headers: { ...NAV, cookie: `p13n_profile=${elsewhere}` } })).body)).toBeNull();

    const web = await profileToken({ claims: { sub: fresh("web-first") } });
    for (let i = 0; i < CAP; i++) expect(heroOnPage((await call(origin.fetch, "/", { headers: { ...NAV, cookie: `p13n_profile=${web}` } })).body)).toBe("reminder");
    expect(variantOf((await decideAs(web, "?slots=hero&channel=app")).json, "hero")).toBeNull();
    expect(variantOf((await decideAs(web, "?slots=hero&channel=email")).json, "hero")).toBeNull();
  });

  it("previews count nothing: record=0, X-P13n-Record: 0, an editor's preview cookie", async () => {
    const sub = fresh("preview");
    const token = await profileToken({ claims: { sub } });
    for (let i = 0; i < CAP + 2; i++) {
      const a = await decideAs(token, "?slots=hero&channel=email&record=0");
      expect(variantOf(a.json, "hero")).toBe("reminder");
      expect(a.json.recorded).toBe(false);
      expect(variantOf((await decideAs(token, "?slots=hero", { "x-p13n-record": "0" })).json, "hero")).toBe("reminder");
      expect(variantOf((await decideAs(token, "?slots=hero", { cookie: "__Host-p13n_preview=anything" })).json, "hero")).toBe("reminder");
    }
    expect((await storedEvents(`sub:${sub}`)).filter((e) => e.type === "impression")).toEqual([]);
    // Counted from here on.
    expect((await decideAs(token, "?slots=hero")).json.recorded).toBe(true);
    expect((await storedEvents(`sub:${sub}`)).filter((e) => e.type === "impression")).toHaveLength(1);
  });

  it("another site cannot spend a visitor's caps: a browser sent to /decide from elsewhere is answered, not counted", async () => {
    const sub = fresh("csrf");
    const token = await profileToken({ claims: { sub } });
    const cookie = `p13n_profile=${token}`;
    // A link or a redirect on another site: a top-level navigation carries the visitor's Lax cookies.
    const elsewhere: Array<Record<string, string>> = [{ "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" }, { "sec-fetch-site": "same-site" }, { origin: "https://evil.example" }];
    for (const headers of elsewhere) {
      const a = await call(origin.fetch, "/__p13n/decide?slots=hero&channel=email", { headers: { ...headers, cookie } });
      expect((JSON.parse(a.body) as Answer).recorded, JSON.stringify(headers)).toBe(false);
      expect(a.res.headers.get("access-control-allow-origin")).toBeNull();
    }
    expect((await storedEvents(`sub:${sub}`)).filter((e) => e.type === "impression")).toEqual([]);
    // The site's own page asking, or a server (no browser headers), is counted.
    const own = await call(origin.fetch, "/__p13n/decide?slots=hero", { headers: { "sec-fetch-site": "same-origin", cookie } });
    expect((JSON.parse(own.body) as Answer).recorded).toBe(true);
    expect((await decideAs(token, "?slots=hero&channel=app")).json.recorded).toBe(true);
    expect((await storedEvents(`sub:${sub}`)).filter((e) => e.type === "impression")).toHaveLength(2);
  });

  it("a client calling in a loop gets every answer but writes no more than the visitor's event rate (BEACON_RATE_PER_MIN)", async () => {
    // 40 slots a call against a bucket of 60 a minute: the first call's 40 impressions fit, the next calls' do not.
    const slots = Array.from({ length: 40 }, (_, i) => `s${i}`);
    invalidateManifest(env.CONTENT);
    await publish(env.CONTENT, manifest(Object.fromEntries(slots.map((s) => [s, [{ id: `v-${s}`, html: "<p>x</p>" }]]))));
    const sub = fresh("loop");
    const token = await profileToken({ claims: { sub } });
    for (let i = 0; i < 3; i++) {
      const { res, body } = await call(origin.fetch, `/__p13n/decide?slots=${slots.join(",")}&channel=app`, { headers: { "x-p13n-profile": token } }, { BEACON_RATE_PER_MIN: "60" });
      expect(res.status).toBe(200);
      expect((JSON.parse(body) as Answer).decisions.filter((d) => d.variant !== null)).toHaveLength(40);
    }
    expect((await storedEvents(`sub:${sub}`)).filter((e) => e.type === "impression")).toHaveLength(40);
  });

  it("nothing is recorded without consent to track, nor for a new anonymous id (no object until the cookie comes back)", async () => {
    const sub = fresh("gpc");
    const token = await profileToken({ claims: { sub } });
    const gpc = await decideAs(token, "?slots=hero", { "sec-gpc": "1" });
    expect(gpc.json.recorded).toBe(false);
    expect(await userTables(`sub:${sub}`)).toEqual([]);
    const before = await objectCount();
    const { res, body } = await call(origin.fetch, "/__p13n/decide?slots=hero&channel=app");
    expect(res.headers.get("set-cookie")).toMatch(/^__Host-p13n_vid=/);
    expect((JSON.parse(body) as Answer).recorded).toBe(false);
    expect(await objectCount()).toBe(before);
  });
});

describe("context.channel", () => {
  it("is web on a page and what the caller says on /decide (query or header); absent when it says nothing", async () => {
    const token = await profileToken({ claims: { sub: fresh("channel") } });
    const page = await call(origin.fetch, "/", { headers: { ...NAV, cookie: `p13n_profile=${token}` } });
    expect(page.body).toContain('data-p13n-variant="on-web"');
    expect(variantOf((await decideAs(token, "?slots=note&channel=email&record=0")).json, "note")).toBe("in-email");
    expect(variantOf((await decideAs(token, "?slots=note&record=0", { "x-p13n-channel": "kiosk" })).json, "note")).toBe("in-app");
    const silent = await decideAs(token, "?slots=note&record=0");
    expect(silent.json.channel).toBeUndefined();
    expect(variantOf(silent.json, "note")).toBeNull();
    // The query wins over the header.
    expect((await decideAs(token, "?slots=note&channel=app&record=0", { "x-p13n-channel": "email" })).json.channel).toBe("app");
  });

  it("a channel that is not a short lower-case token is refused: 400 BAD_QUERY", async () => {
    const token = await profileToken({ claims: { sub: fresh("bad") } });
    for (const bad of ["E-Mail", "a".repeat(17), "web%20app", "-app", "<script>"]) {
      const a = await decideAs(token, `?slots=note&channel=${bad}`);
      expect(a.status, bad).toBe(400);
      expect(a.json).toMatchObject({ error: { code: "BAD_QUERY" } });
    }
    expect((await decideAs(token, "?slots=note", { "x-p13n-channel": "Email" })).status).toBe(400);
    expect((await decideAs(token, "?slots=note&record=2")).status).toBe(400);
  });
});
