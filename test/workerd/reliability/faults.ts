/**
 * docs/reliability.md "Faults survived — the page is always served": one row per fault and
 * per case each bullet names.
 */
import { createExecutionContext, runDurableObjectAlarm, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { expect } from "vitest";
import { createApp } from "../../../src/app.ts";
import { POINTER_KEY } from "../../../src/content/keys.ts";
import { invalidateManifest } from "../../../src/content/manifest-store.ts";
import type { ExperimentReport } from "../../../src/results/report.ts";
import { admin, clearKv } from "../../fixtures/admin.ts";
import { call } from "../../fixtures/call.ts";
import { promoExperiment, publish } from "../../fixtures/manifest.ts";
import { fakeNetwork } from "../../fixtures/network.ts";
import { fixtureOrigin, html } from "../../fixtures/origin.ts";
import { userTables } from "../../fixtures/privacy.ts";
import { AUDIENCE, ISSUER, TYP } from "../../fixtures/tokens.ts";
import { eventId, fakeNamespace, newVisitor, objectError, storedEvents, uncopiedVisitor, visitorObject } from "../../fixtures/visitor.ts";
import { rows, type Row } from "./matrix.ts";
import { BROWSER, expectAnonymousPage, expectUntouched, goldCookie, GOLD_HERO, PAGE, PROMO, shop, uniquePath } from "./support.ts";

const stateOf = (res: Response) => /state;dur=[\d.]+;desc="(\w+)"/.exec(res.headers.get("server-timing") ?? "")?.[1];

/** A page whose hero is a foreign element lol-html gives no end tag. */
const NO_END_TAG = `<!doctype html><html><body><svg><g data-p13n-slot="hero"/></svg>
<aside data-p13n-slot="promo">Default promo</aside><p>rest of the page</p></body></html>`;

/** Reads a body to its end or its error: what arrived, and how it ended. */
async function readAll(body: ReadableStream<Uint8Array>): Promise<{ text: string; error: unknown }> {
  const reader = body.getReader();
  const dec = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return { text, error: null };
      text += dec.decode(value, { stream: true });
    }
  } catch (error) {
    return { text, error };
  }
}

/** An RS256 key pair and its public JWK under `kid`. */
async function rsa(kid: string) {
  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" } };
}

async function rsToken(key: CryptoKey, kid: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: "user-rs", tier: "gold" }).setProtectedHeader({ alg: "RS256", kid, typ: TYP }).setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt(now).setExpirationTime(now + 600).sign(key);
}

/** A gold member's page with the profile verified against a remote JWKS the network answers as told. */
async function withRemoteJwks(answer: (req: Request) => Response | Promise<Response>, bindings: Record<string, string> = {}) {
  const { privateKey } = await rsa("k1");
  const url = `https://id.example/jwks-${crypto.randomUUID()}.json`;
  const net = fakeNetwork(answer);
  try {
    const got = await call(shop().fetch, "/", { headers: { ...BROWSER, cookie: `p13n_profile=${await rsToken(privateKey, "k1")}` } }, {
      PROFILE_JWKS_URL: url,
      PROFILE_ALG: "RS256",
      PROFILE_SECRET: "",
      ...bindings,
    });
    return { got, asked: net.seen.map((r) => r.url) };
  } finally {
    net.restore();
  }
}

/** An upstream that never answers (a real fetch still gives up when its signal aborts). */
const never = (req?: Request) =>
  new Promise<Response>((_, reject) => req?.signal.addEventListener("abort", () => reject(req.signal.reason as Error)));

export const FAULT_ROWS: Row[] = [
  ...rows("fault", "Handlers never throw", [
    [
      "a slot lol-html gives no end tag (<svg><g data-p13n-slot/>): that slot keeps its default bytes, the next slot is filled, 200",
      async () => {
        const origin = fixtureOrigin({ "/": () => html(NO_END_TAG) });
        const { res, body } = await call(origin.fetch, "/", { headers: { ...BROWSER, cookie: await goldCookie() } });
        expect(res.status).toBe(200);
        expect(body).toContain('<svg><g data-p13n-slot="hero"/></svg>');
        expect(body).toContain(`<aside data-p13n-slot="promo" data-p13n-variant="all"><b>${PROMO}</b></aside><p>rest of the page</p>`);
      },
    ],
    [
      "the same page shareable (public, max-age=60), asked three times (template path): served whole every time",
      async () => {
        const path = uniquePath("no-end-tag");
        const origin = fixtureOrigin({ [path]: () => html(NO_END_TAG, { "cache-control": "public, max-age=60" }) });
        for (let i = 0; i < 3; i++) {
          const { res, body } = await call(origin.fetch, path, { headers: { "sec-gpc": "1" } });
          expect(res.status).toBe(200);
          expect(body).toContain('<svg><g data-p13n-slot="hero"/></svg>');
          expect(body).toContain(`data-p13n-variant="all"><b>${PROMO}</b></aside><p>rest of the page</p>`);
        }
      },
    ],
  ]),

  ...rows("fault", "Rewrite only what is safe to rewrite", [
    ["JSON: byte for byte", async () => void (await expectUntouched(() => new Response(`{"html":"<div data-p13n-slot=\\"promo\\">x</div>"}`, { headers: { "content-type": "application/json" } })))],
    ["an image: byte for byte", async () => void (await expectUntouched(() => new Response(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x3c, 0x62]), { headers: { "content-type": "image/png" } })))],
    ["text/plain that looks like HTML: byte for byte", async () => void (await expectUntouched(() => new Response(PAGE, { headers: { "content-type": "text/plain" } })))],
    ["HTML without a Content-Type: byte for byte", async () => void (await expectUntouched(() => new Response(PAGE)))],
    ["a 206 range of a page: byte for byte", async () => void (await expectUntouched(() => html(PAGE.slice(0, 80), { "content-range": `bytes 0-79/${PAGE.length}` }, 206)))],
    [
      "a 304: passed through with its validators",
      async () => {
        const got = await expectUntouched(() => new Response(null, { status: 304, headers: { etag: '"v1"', "cache-control": "max-age=60" } }), { headers: { accept: "image/avif,image/*", "if-none-match": '"v1"' } });
        expect(got.res.headers.get("etag")).toBe('"v1"');
      },
    ],
    [
      "HEAD: the origin's headers, no body, nothing personalized",
      async () => {
        const got = await expectUntouched(() => html(PAGE, { etag: '"h1"' }), { method: "HEAD" });
        expect(got.res.headers.get("etag")).toBe('"h1"');
      },
    ],
    ["a zstd-encoded page: byte for byte", async () => void (await expectUntouched(() => new Response(PAGE, { headers: { "content-type": "text/html", "content-encoding": "zstd" } })))],
    ["a deflate-encoded page: byte for byte", async () => void (await expectUntouched(() => new Response(PAGE, { headers: { "content-type": "text/html", "content-encoding": "deflate" } })))],
    ["a page in windows-1252: byte for byte", async () => void (await expectUntouched(() => new Response(PAGE, { headers: { "content-type": "text/html; charset=windows-1252" } })))],
    ["a page in an unknown charset (x-made-up): byte for byte", async () => void (await expectUntouched(() => new Response(PAGE, { headers: { "content-type": "text/html; charset=x-made-up" } })))],
    [
      "a page declaring more than MAX_REWRITE_BYTES: byte for byte",
      async () => {
        const big = PAGE.replace("<footer>", `<footer>${"x".repeat(4096)}`);
        await expectUntouched(() => html(big, { "content-length": String(new TextEncoder().encode(big).length) }), {}, { MAX_REWRITE_BYTES: "2048" });
      },
    ],
    ["a 404 page: byte for byte", async () => void (await expectUntouched(() => html(PAGE, {}, 404)))],
    [
      "what is safe is rewritten: identity, gzip and br pages (the runtime decodes them) get the slot filled",
      async () => {
        for (const encoding of ["identity", "gzip", "br"]) {
          const origin = fixtureOrigin({ "/": () => new Response(PAGE, { headers: { "content-type": "text/html; charset=utf-8", "content-encoding": encoding } }) });
          const { res, body } = await call(origin.fetch, "/", { headers: BROWSER });
          expect(res.status, encoding).toBe(200);
          expect(body, encoding).toContain(PROMO);
        }
      },
    ],
  ]),

  ...rows("fault", "Origin down, slow, 5xx, reset", [
    [
      "the origin cannot be reached: a plain 502 page, no stack trace, not cached",
      async () => {
        const { res, body } = await call(() => Promise.reject(new TypeError("Network connection lost")), "/", { headers: BROWSER });
        expect(res.status).toBe(502);
        expect(res.headers.get("cache-control")).toBe("no-store");
        expect(body).toContain("cannot be reached");
        expect(body).not.toMatch(/TypeError|Network connection lost|at \w+ \(|\.ts:\d+/);
      },
    ],
    [
      "the origin sends no headers within ORIGIN_TIMEOUT_MS: a 504 page",
      async () => {
        const { res, body } = await call(() => never(), "/", { headers: BROWSER }, { ORIGIN_TIMEOUT_MS: "100" });
        expect(res.status).toBe(504);
        expect(body).not.toMatch(/Error|at \w+ \(/);
      },
    ],
    [
      "a slow body streams: the first bytes reach the visitor before the origin has finished",
      async () => {
        const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
        const origin = fixtureOrigin({ "/": () => new Response(readable, { headers: { "content-type": "text/html" } }) });
        const w = writable.getWriter();
        const enc = new TextEncoder();
        void w.write(enc.encode("<html><body><p>first</p>"));
        const ctx = createExecutionContext();
        const res = await createApp({ originFetch: origin.fetch }).fetch(new Request("https://shop.example/", { headers: BROWSER }), env, ctx);
        const reader = res.body!.getReader();
        const dec = new TextDecoder();
        let seen = "";
        while (!seen.includes("<p>first</p>")) {
          const { value, done } = await reader.read();
          if (done) break;
          seen += dec.decode(value, { stream: true });
        }
        // The origin has not sent the slot, nor closed: the head is already here.
        expect(seen).toContain("<p>first</p>");
        await w.write(enc.encode('<aside data-p13n-slot="promo">Default promo</aside></body></html>'));
        await w.close();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          seen += dec.decode(value, { stream: true });
        }
        await waitOnExecutionContext(ctx);
        expect(seen).toContain(PROMO);
      },
    ],
    ["a 500 from the origin: passed through byte for byte", async () => void (await expectUntouched(() => html(PAGE, { "cache-control": "max-age=5" }, 500)))],
    ["a 502 from the origin: its own page, not ours", async () => void (await expectUntouched(() => html("<h1>upstream says 502</h1>", {}, 502)))],
    ["a 503 with Retry-After: passed through with it", async () => void expect((await expectUntouched(() => html("busy", { "retry-after": "30" }, 503))).res.headers.get("retry-after")).toBe("30")],
    [
      "the origin resets mid-page: all it sent arrives, then the reset: never a clean end (a truncated page passed off as whole) nor an error page",
      async () => {
        const first = '<html><body><aside data-p13n-slot="promo">Default promo</aside><p>first part</p>';
        let n = 0;
        const origin = fixtureOrigin({
          "/": () =>
            new Response(
              new ReadableStream<Uint8Array>({
                pull(ctrl) {
                  if (n++ === 0) ctrl.enqueue(new TextEncoder().encode(first));
                  else ctrl.error(new Error("ECONNRESET"));
                },
              }),
              { headers: { "content-type": "text/html" } },
            ),
        });
        const ctx = createExecutionContext();
        const res = await createApp({ originFetch: origin.fetch }).fetch(new Request("https://shop.example/", { headers: BROWSER }), env, ctx);
        expect(res.status).toBe(200);
        const { text, error } = await readAll(res.body!);
        await waitOnExecutionContext(ctx);
        // Personalized up to the last complete point, else the origin's own bytes: either way all it sent.
        expect([first, first.replace('<aside data-p13n-slot="promo">Default promo</aside>', `<aside data-p13n-slot="promo" data-p13n-variant="all"><b>${PROMO}</b></aside>`)]).toContain(text);
        expect(error).not.toBeNull();
        expect(text).not.toMatch(/cannot be reached|ECONNRESET/);
      },
    ],
    [
      "the origin resets a JSON answer mid-way: the bytes it sent, then the reset",
      async () => {
        let n = 0;
        const origin = fixtureOrigin({
          "/api": () =>
            new Response(
              new ReadableStream<Uint8Array>({
                pull(ctrl) {
                  if (n++ === 0) ctrl.enqueue(new TextEncoder().encode('{"items":[1,2,'));
                  else ctrl.error(new Error("ECONNRESET"));
                },
              }),
              { headers: { "content-type": "application/json" } },
            ),
        });
        const ctx = createExecutionContext();
        const res = await createApp({ originFetch: origin.fetch }).fetch(new Request("https://shop.example/api"), env, ctx);
        const { text, error } = await readAll(res.body!);
        await waitOnExecutionContext(ctx);
        expect(res.status).toBe(200);
        expect(text).toBe('{"items":[1,2,');
        expect(error).not.toBeNull();
      },
    ],
  ]),

  ...rows("fault", "KV slow or missing", [
    [
      "KV never answers: the page within MANIFEST_BUDGET_MS, slots at their defaults",
      async () => {
        const hanging = { get: () => new Promise(() => {}) } as unknown as KVNamespace;
        const { res, body } = await call(shop().fetch, "/", { headers: BROWSER }, { CONTENT: hanging, MANIFEST_BUDGET_MS: "40" });
        expect(res.status).toBe(200);
        expect(body).toContain("Default promo");
        expect(res.headers.get("server-timing")).toMatch(/manifest;[^,]*desc="timeout"/);
      },
    ],
    [
      "KV throws: the page, slots at their defaults",
      async () => {
        const failing = { get: () => Promise.reject(new Error("KV GET failed: 500")) } as unknown as KVNamespace;
        const { res, body } = await call(shop().fetch, "/", { headers: BROWSER }, { CONTENT: failing });
        expect(res.status).toBe(200);
        expect(body).toContain("Default promo");
      },
    ],
    [
      "nothing published (KV says not found): the origin's page and headers as they came",
      async () => {
        await clearKv(env.CONTENT);
        invalidateManifest(env.CONTENT);
        const got = await expectUntouched(() => html(PAGE, { etag: '"p1"', "cache-control": "public, max-age=60" }), { headers: { "sec-gpc": "1" } });
        expect(got.res.headers.get("etag")).toBe('"p1"');
      },
    ],
    [
      "the pointer names a version KV does not have yet (propagation): the page, slots at their defaults",
      async () => {
        await env.CONTENT.put(POINTER_KEY, JSON.stringify({ version: "not-propagated-yet", updatedAt: new Date().toISOString() }));
        invalidateManifest(env.CONTENT);
        const { res, body } = await call(shop().fetch, "/", { headers: BROWSER });
        expect(res.status).toBe(200);
        expect(body).toContain("Default promo");
      },
    ],
  ]),

  ...rows("fault", "Durable Object slow, overloaded or unavailable", [
    [
      "a snapshot slower than STATE_BUDGET_MS: the page is decided without it and does not wait for it",
      async () => {
        const o = shop();
        const { cookie } = await uncopiedVisitor(o);
        // The object answers only when the test says so: after the whole page has arrived.
        let answered = false;
        let release = (): void => {};
        const held = new Promise<void>((resolve) => (release = resolve));
        const { ns } = fakeNamespace(() => held.then(() => ((answered = true), { conversions: 3 })));
        const ctx = createExecutionContext();
        const res = await createApp({ originFetch: o.fetch }).fetch(new Request("https://shop.example/", { headers: { ...BROWSER, cookie } }), { ...env, VISITOR: ns, STATE_BUDGET_MS: "20" }, ctx);
        const body = await res.text();
        // The whole page arrived while the object had still not answered.
        expect(answered).toBe(false);
        expect(res.status).toBe(200);
        expect(body).toContain(PROMO);
        expect(stateOf(res)).toBe("timeout");
        release();
        await waitOnExecutionContext(ctx);
      },
    ],
    [
      "an overloaded object: asked once, never retried, not written to; the page is served",
      async () => {
        const o = shop();
        const { cookie } = await uncopiedVisitor(o);
        const { ns, calls } = fakeNamespace(() => Promise.reject(objectError("Durable Object is overloaded", { overloaded: true, retryable: true })));
        const { res } = await call(o.fetch, "/", { headers: { ...BROWSER, cookie } }, { VISITOR: ns });
        expect(res.status).toBe(200);
        expect(stateOf(res)).toBe("overload");
        expect(calls.snapshots).toBe(1);
        expect(calls.records).toHaveLength(0);
      },
    ],
    [
      "a retryable error: one retry, on a fresh stub (a read is idempotent)",
      async () => {
        const o = shop();
        const { cookie } = await uncopiedVisitor(o);
        const { ns, calls } = fakeNamespace((attempt) => (attempt === 1 ? Promise.reject(objectError("Network connection lost", { retryable: true })) : Promise.resolve({})));
        const { res } = await call(o.fetch, "/", { headers: { ...BROWSER, cookie } }, { VISITOR: ns, STATE_BUDGET_MS: "500" });
        expect(res.status).toBe(200);
        expect(stateOf(res)).toBe("hit");
        expect(calls.snapshots).toBe(2);
        expect(calls.stubs).toBe(3); // a stub per read, and one for the page view's write
      },
    ],
    [
      "an unavailable object (any other error): the page is served, once asked",
      async () => {
        const o = shop();
        const { cookie } = await uncopiedVisitor(o);
        const { ns, calls } = fakeNamespace(() => Promise.reject(new Error("Durable Object reset because its code was updated")));
        const { res, body } = await call(o.fetch, "/", { headers: { ...BROWSER, cookie } }, { VISITOR: ns });
        expect(res.status).toBe(200);
        expect(body).toContain(PROMO);
        expect(stateOf(res)).toBe("error");
        expect(calls.snapshots).toBe(1);
      },
    ],
    [
      "no VISITOR binding at all: the page is served",
      async () => {
        const o = shop();
        const { cookie } = await newVisitor(o);
        const { res, body } = await call(o.fetch, "/", { headers: { ...BROWSER, cookie } }, { VISITOR: undefined });
        expect(res.status).toBe(200);
        expect(body).toContain(PROMO);
      },
    ],
  ]),

  ...rows("fault", "JWKS unreachable", [
    [
      "connection refused: the visitor is anonymous, 200",
      async () => {
        const { got } = await withRemoteJwks(() => Promise.reject(new TypeError("connection refused")));
        expectAnonymousPage(got);
      },
    ],
    [
      "no answer within JWKS_BUDGET_MS: anonymous, 200",
      async () => {
        const { got } = await withRemoteJwks(never, { JWKS_BUDGET_MS: "40" });
        expectAnonymousPage(got);
      },
    ],
    [
      "a 500 from the key server: anonymous, 200",
      async () => {
        const { got } = await withRemoteJwks(() => new Response("oops", { status: 500 }));
        expectAnonymousPage(got);
      },
    ],
    [
      "a key set that is not JSON: anonymous, 200",
      async () => {
        const { got } = await withRemoteJwks(() => new Response("<html>login</html>", { headers: { "content-type": "text/html" } }));
        expectAnonymousPage(got);
      },
    ],
    [
      "the right key set: the same cookie is read (the rows above fail only for the outage)",
      async () => {
        const { privateKey, jwk } = await rsa("k-ok");
        const url = `https://id.example/jwks-${crypto.randomUUID()}.json`;
        const net = fakeNetwork(() => new Response(JSON.stringify({ keys: [jwk] }), { headers: { "content-type": "application/json" } }));
        try {
          const { body } = await call(shop().fetch, "/", { headers: { ...BROWSER, cookie: `p13n_profile=${await rsToken(privateKey, "k-ok")}` } }, { PROFILE_JWKS_URL: url, PROFILE_ALG: "RS256", PROFILE_SECRET: "" });
          expect(body).toContain(GOLD_HERO);
        } finally {
          net.restore();
        }
      },
    ],
  ]),

  ...rows("fault", "Alarms are at-least-once", [
    [
      "the retention alarm twice on an active visitor: their memory stays, an alarm is still set",
      async () => {
        const o = shop();
        const { cookie, id } = await newVisitor(o);
        await call(o.fetch, "/", { headers: { ...BROWSER, cookie } });
        const before = (await storedEvents(`vid:${id}`)).length;
        expect(before).toBeGreaterThan(0);
        const stub = visitorObject(`vid:${id}`);
        await runDurableObjectAlarm(stub);
        await runDurableObjectAlarm(stub);
        expect((await storedEvents(`vid:${id}`)).length).toBe(before);
        expect(await runInDurableObject(stub, (_o, state) => state.storage.getAlarm())).not.toBeNull();
      },
    ],
    [
      "the retention alarm twice on a visitor inactive past RETENTION_DAYS: erased once, the second run harmless",
      async () => {
        const name = `vid:${crypto.randomUUID().replace(/-/g, "")}`;
        const stub = visitorObject(name);
        const longAgo = Date.now() - 40 * 86_400_000;
        await stub.record({ now: longAgo, events: [{ type: "view", id: eventId(), at: longAgo, path: "/", topics: [] }] });
        expect(await userTables(name)).not.toEqual([]);
        await runInDurableObject(stub, (_o, state) => state.storage.setAlarm(Date.now()));
        await runDurableObjectAlarm(stub);
        expect(await userTables(name)).toEqual([]);
        await runInDurableObject(stub, (_o, state) => state.storage.setAlarm(Date.now()));
        await runDurableObjectAlarm(stub);
        expect(await userTables(name)).toEqual([]);
      },
    ],
    [
      "every delivery alarm twice (visitor, then counter): the experiment counts the visitor once",
      async () => {
        const id = `alarm-${crypto.randomUUID().slice(0, 8)}`;
        const m = promoExperiment(id, { version: `alarm-${id}`, html: "<b>Bold</b>", goal: "purchase" });
        await publish(env.CONTENT, m);
        invalidateManifest(env.CONTENT);
        const { id: vid } = await newVisitor(shop());
        const visitor = visitorObject(`vid:${vid}`);
        await runDurableObjectAlarm(visitor);
        await runDurableObjectAlarm(visitor);
        const counter = env.EXPERIMENT_COUNTER.get(env.EXPERIMENT_COUNTER.idFromName(id));
        await runDurableObjectAlarm(counter);
        await runDurableObjectAlarm(counter);
        const { json } = await admin("GET", `/experiments/${id}/results`);
        const r = json as unknown as ExperimentReport;
        expect(r.arms.reduce((n, a) => n + a.rate.units, 0) + (r.holdout?.units ?? 0)).toBe(1);
      },
    ],
  ]),
];
