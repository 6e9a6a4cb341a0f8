/**
 * Templates only from what any visitor may get (issue 12, item 1). The origin here echoes the
 * request's Cookie and Authorization OUTSIDE the slots ("Signed in as …"), as real origins do
 * on pages that depend on a session cookie while sending `max-age`. Alice asks twice (enough to
 * build a template under the old rule), then bob and carol: they never see "alice", whatever
 * the origin's Cache-Control, and also when the origin answers 304 to any conditional request.
 * A template is built and revalidated from a request stripped of cookies, credentials and the
 * visitor's validators; TEMPLATE_IGNORE_COOKIES and TEMPLATE_PATHS are the site owner's say.
 * Each test uses its own path: the isolate's template store is shared.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { call, type Called } from "../fixtures/call.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { echoingOrigin } from "../fixtures/origin.ts";
import { profileToken } from "../fixtures/tokens.ts";

const BROWSER = { "user-agent": "Mozilla/5.0 (X11; Linux x86_64)" };
/** GPC: no visitor-id cookie is issued, so anonymous answers stay comparable. */
const UA = { ...BROWSER, "sec-gpc": "1" };
const timingOf = (res: Response) => /template;dur=[\d.]+;desc="(\w+)"/.exec(res.headers.get("server-timing") ?? "")?.[1];

/** An origin that echoes the visitor outside the slots (test/fixtures/origin.ts). */
const echoOrigin = (path: string, cacheControl: string, opts: { answers304?: boolean } = {}) => echoingOrigin(path, cacheControl, opts);

beforeAll(async () => {
  invalidateManifest(env.CONTENT);
  await publish(env.CONTENT, manifest({ hero: [{ id: "gold", html: "<h1>Gold hero</h1>", audience: { attr: "profile.tier", eq: "gold" } }] }));
});

/** alice twice, then bob and carol (and once more each, so any template would be warm). */
async function aliceThenOthers(origin: ReturnType<typeof echoOrigin>, path: string, credential: (who: string) => Record<string, string>) {
  const got: Array<{ who: string; r: Called }> = [];
  for (const who of ["alice", "alice", "bob", "carol", "bob", "carol"]) {
    got.push({ who, r: await call(origin.fetch, path, { headers: { ...UA, ...credential(who) } }) });
  }
  return got;
}

function expectNoOneElseSeesAlice(got: Array<{ who: string; r: Called }>) {
  for (const { who, r } of got) {
    expect(r.res.status).toBe(200);
    expect(r.body).toContain(`Signed in as`);
    if (who !== "alice") {
      expect(r.body, `${who} got alice's page`).not.toContain("alice");
      expect(r.body).toContain(who);
    }
  }
}

describe("a page built for one visitor is never served to another", () => {
  const session = (who: string) => ({ cookie: `session=${who}` });
  const cases: Array<[string, string, { answers304?: boolean }]> = [
    ["bare max-age=60", "max-age=60", {}],
    ["public, max-age=60", "public, max-age=60", {}],
    ["public, max-age=0 and an origin that answers 304 to any conditional request", "public, max-age=0", { answers304: true }],
    ["max-age=0 and an origin that answers 304 to any conditional request", "max-age=0", { answers304: true }],
  ];
  cases.forEach(([name, cc, opts], i) => {
    it(`session cookie, ${name}: bob and carol never see alice`, async () => {
      const path = `/signed-in-${i}`;
      const origin = echoOrigin(path, cc, opts);
      const got = await aliceThenOthers(origin, path, session);
      expectNoOneElseSeesAlice(got);
      // Every visitor's page came from their own request: the origin was asked each time.
      expect(origin.seen).toHaveLength(got.length);
      for (const { r } of got) expect(timingOf(r.res)).toBe("bypass");
    });
  });

  it("Authorization, public, max-age=60: bob and carol never see alice", async () => {
    const origin = echoOrigin("/signed-in-auth", "public, max-age=60");
    const got = await aliceThenOthers(origin, "/signed-in-auth", (who) => ({ authorization: `Bearer ${who}-token` }));
    expectNoOneElseSeesAlice(got);
    expect(origin.seen).toHaveLength(got.length);
  });
});

describe("what the site owner declares harmless still shares a template", () => {
  const bindings = { TEMPLATE_IGNORE_COOKIES: "_ga*, _gid" };

  it("a TEMPLATE_IGNORE_COOKIES cookie allows the template, built from a request without it: bob never sees alice's", async () => {
    const path = "/ignored-cookies";
    const origin = echoOrigin(path, "public, max-age=60");
    const ask = (ga: string) => call(origin.fetch, path, { headers: { ...UA, cookie: `_ga=${ga}; _gid=x` } }, bindings);
    await ask("GA1.alice");
    await ask("GA1.alice");
    const bob = await ask("GA1.bob");
    expect(bob.body).not.toContain("alice");
    expect(bob.body).toContain("Signed in as nobody");
    expect(timingOf(bob.res)).toBe("hit");
    // The template was built from a request of its own, stripped of every cookie; bob's page asked nothing.
    expect(origin.seen).toHaveLength(3);
    expect(origin.seen[2]!.headers.get("cookie")).toBeNull();
  });

  it("our own cookies (profile, visitor id, consent) allow the template; one more cookie does not", async () => {
    const path = "/ours-only";
    const origin = echoOrigin(path, "public, max-age=60");
    const gold = `p13n_profile=${await profileToken({ claims: { tier: "gold", sub: "u-ours" } })}; __Host-p13n_consent=personalize=1; p13n_consent=%7B%7D`;
    await call(origin.fetch, path, { headers: { ...BROWSER, cookie: gold } });
    await call(origin.fetch, path, { headers: { ...BROWSER, cookie: gold } });
    const hit = await call(origin.fetch, path, { headers: { ...BROWSER, cookie: gold } });
    expect(timingOf(hit.res)).toBe("hit");
    expect(hit.body).toContain("Gold hero");
    expect(hit.body).toContain("Signed in as nobody");
    const seen = origin.seen.length;
    const other = await call(origin.fetch, path, { headers: { ...BROWSER, cookie: `${gold}; session=dave` } }, bindings);
    expect(timingOf(other.res)).toBe("bypass");
    expect(other.body).toContain("session=dave");
    expect(origin.seen).toHaveLength(seen + 1);
  });

  it("a bare max-age is shareable only on a TEMPLATE_PATHS path", async () => {
    const opted = echoOrigin("/docs/a", "max-age=60");
    const plain = echoOrigin("/blog/a", "max-age=60");
    const paths = { TEMPLATE_PATHS: "/docs/*" };
    for (let k = 0; k < 3; k++) {
      await call(opted.fetch, "/docs/a", { headers: UA }, paths);
      await call(plain.fetch, "/blog/a", { headers: UA }, paths);
    }
    expect(opted.seen).toHaveLength(2);
    expect(plain.seen).toHaveLength(3);
  });
});

describe("revalidation is asked as any visitor would be", () => {
  it("a stale template is revalidated without the visitor's cookies, with the template's own validators", async () => {
    const path = "/reval-stripped";
    const origin = echoOrigin(path, "public, max-age=0", { answers304: true });
    await call(origin.fetch, path, { headers: UA });
    await call(origin.fetch, path, { headers: UA });
    const visitor = `p13n_profile=${await profileToken({ claims: { tier: "gold", sub: "u-rv" } })}; _ga=GA1.zoe`;
    const r = await call(origin.fetch, path, { headers: { ...BROWSER, cookie: visitor } }, { TEMPLATE_IGNORE_COOKIES: "_ga*" });
    expect(timingOf(r.res)).toBe("revalidated");
    const asked = origin.seen.at(-1)!;
    expect(asked.headers.get("if-none-match")).toBe('"e1"');
    expect(asked.headers.get("if-modified-since")).toBe("Mon, 02 Nov 2026 10:00:00 GMT");
    expect(asked.headers.get("cookie")).toBeNull();
    expect(r.body).toContain("Gold hero");
    expect(r.body).not.toContain("zoe");
  });
});
