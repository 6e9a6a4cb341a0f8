/**
 * docs/reliability.md "Nothing leaked, nothing lost": one row per promise and per test it names.
 * Rows with more than one visitor check every response against the others' markers (the leak
 * ledger, counted in the suite's summary); the cross-visitor check is ./cross-visitor.ts.
 */
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { invalidateManifest } from "../../../src/content/manifest-store.ts";
import { CLIENT_SCRIPT_PATH } from "../../../src/routes/client-script.ts";
import { admin, clearKv } from "../../fixtures/admin.ts";
import { call, type Called } from "../../fixtures/call.ts";
import { manifest, publish } from "../../fixtures/manifest.ts";
import { applySetCookies, deleteMe, getMe, setCookies } from "../../fixtures/me.ts";
import { echoingOrigin, fixtureOrigin, html } from "../../fixtures/origin.ts";
import { alarmOf, userTables } from "../../fixtures/privacy.ts";
import { profileToken } from "../../fixtures/tokens.ts";
import { beacon, countingNamespace, eventId, fakeNamespace, newVisitor, objectError, storedEvents } from "../../fixtures/visitor.ts";
import { crossVisitorRun } from "./cross-visitor.ts";
import { ledger, marker, rows, type Row } from "./matrix.ts";
import { BROWSER, goldCookie, GOLD_HERO, PAGE, PROMO, shop, uniquePath } from "./support.ts";

const timingOf = (res: Response, what: string) => new RegExp(`${what};dur=[\\d.]+;desc="(\\w+)"`).exec(res.headers.get("server-timing") ?? "")?.[1];

/** An origin that echoes the visitor outside the slots, here around the suite's promotion slot. */
const echoOrigin = (path: string, cacheControl: string, answers304 = false) => echoingOrigin(path, cacheControl, { answers304, slots: '<aside data-p13n-slot="promo">Default promo</aside>' });

/**
 * alice twice (enough to build a template under the old rule), then bob and carol twice each:
 * no one else's response carries alice's marker; everyone's carries their own.
 */
function aliceThenOthers(name: string, cacheControl: string, credential: (who: string) => Record<string, string>, answers304 = false): [string, () => Promise<void>] {
  return [
    name,
    async () => {
      const run = crypto.randomUUID().slice(0, 6);
      const path = uniquePath("signed-in");
      const origin = echoOrigin(path, cacheControl, answers304);
      const seen = ledger.scope();
      const people = ["alice", "bob", "carol"].map((p, i) => ({ p, m: marker(p.slice(0, 2), run, i) }));
      for (const { p, m } of people) seen.visitor(p, [m]);
      for (const { p, m } of [people[0]!, people[0]!, people[1]!, people[2]!, people[1]!, people[2]!]) {
        const got = await call(origin.fetch, path, { headers: { ...BROWSER, "sec-gpc": "1", ...credential(m) } });
        expect(got.res.status).toBe(200);
        expect(seen.check(p, got.res, got.body)).toEqual([]);
        expect(got.body, `${p}'s own page`).toContain(m);
      }
    },
  ];
}

export const LEAK_ROWS: Row[] = [
  ...rows("leak", "No personalized page in a shared cache", [
    [
      "a personalized page: private, no-store; no ETag, Last-Modified, Expires or CDN cache headers; nothing in the colo cache under its URL",
      async () => {
        const path = uniquePath("private");
        const origin = fixtureOrigin({
          [path]: () =>
            html(PAGE, { "cache-control": "public, max-age=600", etag: '"v1"', "last-modified": "Mon, 02 Nov 2026 10:00:00 GMT", expires: "Thu, 01 Jan 2099 00:00:00 GMT", "cdn-cache-control": "max-age=600", "surrogate-control": "max-age=600" }),
        });
        const { res, body } = await call(origin.fetch, path, { headers: { ...BROWSER, cookie: await goldCookie() } });
        expect(body).toContain(GOLD_HERO);
        expect(res.headers.get("cache-control")).toBe("private, no-store");
        for (const h of ["etag", "last-modified", "expires", "cdn-cache-control", "cloudflare-cdn-cache-control", "surrogate-control"]) expect(res.headers.get(h), h).toBeNull();
        expect(await caches.default.match(new Request(`https://shop.example${path}`))).toBeUndefined();
      },
    ],
    [
      "visitor A then visitor B on one URL: B never sees A's content",
      async () => {
        const run = crypto.randomUUID().slice(0, 6);
        const a = marker("ga", run, 0);
        await publish(env.CONTENT, manifest({ hero: [{ id: "gold", html: `<h1>${a}</h1>`, audience: { attr: "profile.tier", eq: "gold" } }] }, { version: `ab-${run}` }));
        invalidateManifest(env.CONTENT);
        const path = uniquePath("a-then-b");
        const origin = fixtureOrigin({ [path]: () => html(PAGE, { "cache-control": "public, max-age=60" }) });
        const seen = ledger.scope();
        seen.visitor("A", [a]);
        seen.visitor("B", []);
        const first = await call(origin.fetch, path, { headers: { ...BROWSER, cookie: await goldCookie() } });
        expect(seen.check("A", first.res, first.body)).toEqual([]);
        expect(first.body).toContain(a);
        for (let i = 0; i < 3; i++) {
          const b = await call(origin.fetch, path, { headers: BROWSER });
          expect(seen.check("B", b.res, b.body)).toEqual([]);
        }
      },
    ],
  ]),

  ...rows("leak", "No visitor's origin page for another", [
    aliceThenOthers("an origin echoing the session cookie outside slots, max-age=60: bob and carol never see alice", "max-age=60", (m) => ({ cookie: `session=${m}` })),
    aliceThenOthers("the same with public, max-age=60", "public, max-age=60", (m) => ({ cookie: `session=${m}` })),
    aliceThenOthers("the same with an origin that answers 304 to any conditional request (public, max-age=0)", "public, max-age=0", (m) => ({ cookie: `session=${m}` }), true),
    aliceThenOthers("Authorization instead of a cookie, public, max-age=60", "public, max-age=60", (m) => ({ authorization: `Bearer ${m}` })),
    [
      "a stale template is revalidated as any visitor would ask: no cookies, no credentials, the template's own validators",
      async () => {
        const path = uniquePath("reval");
        const origin = echoOrigin(path, "public, max-age=0", true);
        await call(origin.fetch, path, { headers: { "sec-gpc": "1" } });
        await call(origin.fetch, path, { headers: { "sec-gpc": "1" } });
        const r = await call(origin.fetch, path, { headers: { ...BROWSER, cookie: await goldCookie() } });
        expect(timingOf(r.res, "template")).toBe("revalidated");
        const asked = origin.seen.at(-1)!;
        expect(asked.headers.get("cookie")).toBeNull();
        expect(asked.headers.get("authorization")).toBeNull();
        expect(asked.headers.get("if-none-match")).toBe('"e1"');
      },
    ],
  ]),

  ...rows("leak", "No stale default", [
    [
      "a page left at its defaults while content is published: private, no ETag or Last-Modified to revalidate into",
      async () => {
        const origin = fixtureOrigin({ "/": () => html("<html><body><section data-p13n-slot='hero'>Default hero</section></body></html>", { etag: '"d1"', "last-modified": "Mon, 02 Nov 2026 10:00:00 GMT", "cache-control": "max-age=0, must-revalidate" }) });
        const { cookie } = await newVisitor(origin);
        const { res, body } = await call(origin.fetch, "/", { headers: { ...BROWSER, cookie } });
        expect(body).not.toContain(GOLD_HERO);
        expect(res.headers.get("cache-control")).toMatch(/^private, no-(cache|store)$/);
        expect(res.headers.get("etag")).toBeNull();
        expect(res.headers.get("last-modified")).toBeNull();
      },
    ],
    [
      "the browser's next visit with If-None-Match / If-Modified-Since: they never reach the origin; the full personalized page comes back, never a 304",
      async () => {
        const origin = fixtureOrigin({
          "/": (req) =>
            req.headers.has("if-none-match") || req.headers.has("if-modified-since")
              ? new Response(null, { status: 304, headers: { etag: '"d1"' } })
              : html(PAGE, { etag: '"d1"', "last-modified": "Mon, 02 Nov 2026 10:00:00 GMT" }),
        });
        const { res, body } = await call(origin.fetch, "/", { headers: { ...BROWSER, accept: "text/html", "sec-fetch-dest": "document", "sec-fetch-mode": "navigate", cookie: await goldCookie(), "if-none-match": '"d1"', "if-modified-since": "Mon, 02 Nov 2026 10:00:00 GMT" } });
        expect(res.status).toBe(200);
        expect(body).toContain(GOLD_HERO);
        expect(origin.seen[0]!.headers.get("if-none-match")).toBeNull();
        expect(origin.seen[0]!.headers.get("if-modified-since")).toBeNull();
      },
    ],
  ]),

  ...rows("leak", "No cross-visitor state", [
    [
      "24 visitors (session cookie echoed by the origin, profile, memory), interleaved over a slowed origin and slowed objects, 3 rounds of template and streamed pages, /me and /decide: no response carries another visitor's marker",
      async () => {
        const { responses, templateHits } = await crossVisitorRun();
        expect(responses).toBeGreaterThan(400);
        // The template path took part (spliced pages for the visitors who carry only our cookies).
        expect(templateHits).toBeGreaterThan(0);
      },
      120_000,
    ],
  ]),

  ...rows("leak", "Events", [
    [
      "acknowledged only after the object's write: an object that refuses the write → 503 with Retry-After (never 200); the real one → 200 and the event is stored when the answer arrives",
      async () => {
        const { cookie, id } = await newVisitor(shop());
        const ev = { id: eventId(), type: "click", slot: "hero" };
        const { ns } = fakeNamespace(() => Promise.resolve({}));
        const failing = { ...ns, get: () => ({ record: () => Promise.reject(objectError("Durable Object is overloaded", { overloaded: true })) }) } as unknown as Env["VISITOR"];
        const refused = await beacon({ events: [ev] }, cookie, {}, { VISITOR: failing });
        expect(refused.res.status).toBe(503);
        expect(refused.res.headers.get("retry-after")).not.toBeNull();
        const slow = { ...ns, get: () => ({ record: () => new Promise(() => {}) }) } as unknown as Env["VISITOR"];
        const timedOut = await beacon({ events: [ev] }, cookie, {}, { VISITOR: slow, STATE_WRITE_BUDGET_MS: "50" });
        expect(timedOut.res.status).toBe(503);
        const ok = await beacon({ events: [ev] }, cookie);
        expect(ok.res.status).toBe(200);
        expect((await storedEvents(`vid:${id}`)).map((e) => e.id)).toContain(ev.id);
      },
    ],
    [
      "one object per visitor: their pages, beacons and preference reads all go to the one object their cookie names",
      async () => {
        const o = shop();
        const { cookie, id } = await newVisitor(o);
        const { ns, calls } = countingNamespace();
        await call(o.fetch, "/", { headers: { ...BROWSER, cookie } }, { VISITOR: ns });
        await beacon({ events: [{ id: eventId(), type: "click", slot: "hero" }] }, cookie, {}, { VISITOR: ns });
        await getMe(cookie, {}, { VISITOR: ns });
        expect(new Set(calls.names)).toEqual(new Set([`vid:${id}`]));
      },
    ],
  ]),

  ...rows("leak", "Atomic publish", [
    [
      "pages during ten publishes: each page is rendered from exactly one version (its two slots always agree)",
      async () => {
        await clearKv(env.CONTENT);
        const version = (n: number) => manifest({ hero: [{ id: `h${n}`, html: `<h1>hero of v${n}</h1>` }], promo: [{ id: `p${n}`, html: `<b>promo of v${n}</b>` }] }, { version: `atomic-${n}` });
        const pages: Array<Promise<Called>> = [];
        const o = shop();
        for (let n = 0; n < 10; n++) {
          const published = admin("POST", "/publish", { manifest: version(n) });
          for (let k = 0; k < 4; k++) pages.push(call(o.fetch, "/", { headers: { "sec-gpc": "1" } }));
          expect((await published).res.status).toBe(201);
        }
        for (const { body } of await Promise.all(pages)) {
          const hero = /hero of v(\d+)/.exec(body)?.[1];
          const promo = /promo of v(\d+)/.exec(body)?.[1];
          expect(hero).toBe(promo);
        }
      },
    ],
    [
      "rollback flips the pointer back: the next page renders the previous version",
      async () => {
        await clearKv(env.CONTENT);
        const o = shop();
        for (const n of [1, 2]) expect((await admin("POST", "/publish", { manifest: manifest({ promo: [{ id: `p${n}`, html: `<b>promo ${n}</b>` }] }, { version: `rb-${n}` }) })).res.status).toBe(201);
        expect((await call(o.fetch, "/", { headers: { "sec-gpc": "1" } })).body).toContain("<b>promo 2</b>");
        expect((await admin("POST", "/rollback", {})).res.status).toBe(200);
        expect((await call(o.fetch, "/", { headers: { "sec-gpc": "1" } })).body).toContain("<b>promo 1</b>");
      },
    ],
  ]),

  ...rows("leak", "Privacy", [
    [
      "Sec-GPC: 1 is honoured exactly: forwarded to the origin; no cookie, no client script, no object touched; its beacon is 204",
      async () => {
        const o = shop();
        const { cookie } = await newVisitor(o);
        const { ns, calls } = countingNamespace();
        const { res, body } = await call(o.fetch, "/", { headers: { ...BROWSER, cookie, "sec-gpc": "1" } }, { VISITOR: ns });
        expect(o.seen.at(-1)!.headers.get("sec-gpc")).toBe("1");
        expect(res.headers.get("set-cookie")).toBeNull();
        expect(body).not.toContain(CLIENT_SCRIPT_PATH);
        expect(body).toContain(PROMO);
        const b = await beacon({ events: [{ id: eventId(), type: "click", slot: "hero" }] }, cookie, { "sec-gpc": "1" }, { VISITOR: ns });
        expect(b.res.status).toBe(204);
        expect(calls.stubs).toBe(0);
      },
    ],
    [
      "erasure: the object's storage and alarm are gone, our cookies cleared, later reads empty",
      async () => {
        const o = shop();
        const { cookie, id } = await newVisitor(o);
        await beacon({ events: [{ id: eventId(), type: "cart", action: "add", sku: "SHOE-1" }] }, cookie);
        const del = await deleteMe(cookie);
        expect(del.res.status).toBe(200);
        expect(setCookies(del.res)).toContainEqual("__Host-p13n_vid=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax");
        expect(applySetCookies(cookie, del.res)).toBe("");
        expect(await userTables(`vid:${id}`)).toEqual([]);
        expect(await alarmOf(`vid:${id}`)).toBeNull();
        const me = (await getMe(cookie)).json!;
        expect(me.stored.anything).toBe(false);
        expect(me.recentInteractions).toEqual([]);
      },
    ],
    [
      "a profile whose consent says no: nothing recorded for it, its beacon is 204",
      async () => {
        const sub = `no-track-${crypto.randomUUID()}`;
        const cookie = `p13n_profile=${await profileToken({ claims: { sub, tier: "gold", consent: { track: false } } })}`;
        const { ns, calls } = countingNamespace();
        await call(shop().fetch, "/", { headers: { ...BROWSER, cookie } }, { VISITOR: ns });
        expect((await beacon({ events: [{ id: eventId(), type: "click", slot: "hero" }] }, cookie, {}, { VISITOR: ns })).res.status).toBe(204);
        expect(calls.methods.record ?? 0).toBe(0);
      },
    ],
  ]),
];
