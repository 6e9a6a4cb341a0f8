/**
 * Publishing through the admin API end to end: validate, publish, the next
 * page renders the new version; staging; versions; rollback brings the previous
 * content back on the next request; scripts in fragments are sanitized unless
 * the slot is trusted; and a page is never rendered from two versions.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { POINTER_KEY, versionKey } from "../../src/content/keys.ts";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { admin, clearKv } from "../fixtures/admin.ts";
import { call } from "../fixtures/call.ts";
import { manifest } from "../fixtures/manifest.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";

const PAGE = `<!doctype html><html><head><title>Shop</title></head><body>
<section data-p13n-slot="hero"><h1>Default hero</h1></section>
<aside data-p13n-slot="promo">Default promo</aside>
</body></html>`;
const origin = fixtureOrigin({ "/": () => html(PAGE) });
const UA = { "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0" };

const version = (id: string, hero: string, promo: string, extra: Parameters<typeof manifest>[1] = {}) =>
  manifest({ hero: [{ id: `h-${id}`, html: hero }], promo: [{ id: `p-${id}`, html: promo }] }, { version: id, publishedAt: "2026-11-01T00:00:00Z", ...extra });

const page = async () => (await call(origin.fetch, "/", { headers: UA })).body;

beforeEach(async () => {
  await clearKv(env.CONTENT);
  invalidateManifest(env.CONTENT);
});

describe("publish", () => {
  it("validates without writing anything", async () => {
    const { res, json } = await admin("POST", "/validate", { manifest: version("v1", "<h1>One</h1>", "P1") });
    expect(res.status).toBe(200);
    expect(json).toMatchObject({ ok: true, version: "v1", sanitized: [] });
    expect(await env.CONTENT.get(POINTER_KEY)).toBeNull();
  });

  it("writes the version, flips the pointer, and the next request renders it", async () => {
    expect(await page()).toContain("Default hero");
    const { res, json } = await admin("POST", "/publish", { manifest: version("v1", "<h1>One</h1>", "P1") });
    expect(res.status).toBe(201);
    expect(json).toMatchObject({ version: "v1", activated: true, written: true, previous: null });
    expect(await page()).toContain("<h1>One</h1>");
    const current = await admin("GET", "/current");
    expect(current.json).toMatchObject({ version: "v1", live: true });
    expect((current.json.summary as { slots: unknown[] }).slots).toHaveLength(2);
  });

  it("is idempotent for the same version and content, and refuses other content under a published id", async () => {
    await admin("POST", "/publish", { manifest: version("v1", "One", "P1") });
    const again = await admin("POST", "/publish", { manifest: version("v1", "One", "P1") });
    expect(again.res.status).toBe(200);
    expect(again.json.written).toBe(false);
    const clash = await admin("POST", "/publish", { manifest: version("v1", "Other", "P1") });
    expect(clash.res.status).toBe(409);
    expect(clash.json.error?.code).toBe("VERSION_EXISTS");
  });

  it("stages a version with activate: false: written, listed, not live", async () => {
    await admin("POST", "/publish", { manifest: version("v1", "<h1>One</h1>", "P1") });
    const staged = await admin("POST", "/publish", { manifest: version("v2", "<h1>Two</h1>", "P2"), activate: false });
    expect(staged.res.status).toBe(201);
    expect(staged.json.activated).toBe(false);
    expect(await page()).toContain("<h1>One</h1>");
    const { json } = await admin("GET", "/versions");
    const versions = json.versions as Array<{ version: string; current: boolean }>;
    expect(versions.map((v) => v.version).sort()).toEqual(["v1", "v2"]);
    expect(versions.find((v) => v.current)?.version).toBe("v1");
    expect((await admin("GET", "/versions/v2")).json).toMatchObject({ version: "v2", live: false });
  });
});

describe("sanitizer at publish", () => {
  const evil = '<h1 onclick="steal()">Hi</h1><script>steal()</script><a href="javascript:steal()">x</a><img src=x onerror=steal()>';

  it("removes scripts, handlers and javascript: URLs, says what, and the page never carries them", async () => {
    const { res, json } = await admin("POST", "/publish", { manifest: version("v1", evil, "P1") });
    expect(res.status).toBe(201);
    const sanitized = json.sanitized as Array<{ what: string; path: unknown[]; slot: string }>;
    expect(sanitized.map((s) => s.what).sort()).toEqual(["<script>", "href", "onclick", "onerror"]);
    expect(sanitized[0]!.path).toEqual(["manifest", "slots", "hero", "variants", 0, "html"]);
    const stored = JSON.parse((await env.CONTENT.get(versionKey("v1")))!) as { slots: { hero: { variants: Array<{ html: string }> } } };
    expect(stored.slots.hero.variants[0]!.html).toBe('<h1>Hi</h1><a>x</a><img src="x">');
    const body = await page();
    expect(body).toContain("<h1>Hi</h1>");
    expect(body).not.toMatch(/steal\(\)/);
  });

  it("validate reports the same removals without publishing", async () => {
    const { json } = await admin("POST", "/validate", { manifest: version("v1", evil, "P1") });
    expect((json.sanitized as unknown[]).length).toBe(4);
    expect(await env.CONTENT.get(POINTER_KEY)).toBeNull();
  });

  it("leaves a trusted slot's fragments as written", async () => {
    const m = version("v1", evil, "P1");
    m.slots.hero!.trusted = true;
    const { json } = await admin("POST", "/publish", { manifest: m });
    expect(json.sanitized).toEqual([]);
    expect(await page()).toContain("<script>steal()</script>");
  });
});

describe("rollback", () => {
  it("brings the previous content back on the next request, and rolling back again toggles", async () => {
    await admin("POST", "/publish", { manifest: version("v1", "<h1>One</h1>", "P1") });
    await admin("POST", "/publish", { manifest: version("v2", "<h1>Two</h1>", "P2") });
    expect(await page()).toContain("<h1>Two</h1>");
    const back = await admin("POST", "/rollback", {});
    expect(back.res.status).toBe(200);
    expect(back.json).toMatchObject({ version: "v1", previous: "v2" });
    expect(await page()).toContain("<h1>One</h1>");
    await admin("POST", "/rollback", {});
    expect(await page()).toContain("<h1>Two</h1>");
  });

  it("rolls back to a named version", async () => {
    for (const id of ["v1", "v2", "v3"]) await admin("POST", "/publish", { manifest: version(id, `<h1>${id}</h1>`, id) });
    const { json } = await admin("POST", "/rollback", { version: "v1" });
    expect(json).toMatchObject({ version: "v1", previous: "v3" });
    expect(await page()).toContain("<h1>v1</h1>");
  });

  it("says clearly when there is nothing to roll back to", async () => {
    const none = await admin("POST", "/rollback", {});
    expect(none.res.status).toBe(409);
    expect(none.json.error?.code).toBe("NO_PREVIOUS");
    await admin("POST", "/publish", { manifest: version("v1", "One", "P1") });
    const missing = await admin("POST", "/rollback", { version: "v9" });
    expect(missing.res.status).toBe(404);
    expect(missing.json.error?.code).toBe("VERSION_NOT_FOUND");
  });

  it("refuses to point the site at a version the page path could not read", async () => {
    await admin("POST", "/publish", { manifest: version("v1", "One", "P1") });
    await env.CONTENT.put(versionKey("broken"), JSON.stringify({ schema: 1, version: "broken" }));
    const { res } = await admin("POST", "/rollback", { version: "broken" });
    expect(res.status).toBe(422);
    expect(JSON.parse((await env.CONTENT.get(POINTER_KEY))!).version).toBe("v1");
  });
});

describe("one version per page", () => {
  it("writes the version before the pointer names it", async () => {
    const order: string[] = [];
    const kv = env.CONTENT;
    const recording = new Proxy(kv, {
      get(target, prop) {
        if (prop === "put") {
          return async (key: string, value: string, opts?: KVNamespacePutOptions) => {
            if (key === POINTER_KEY) {
              const named = (JSON.parse(value) as { version: string }).version;
              // The invariant: whatever the pointer names is already readable.
              order.push(`pointer→${named}:${(await target.get(versionKey(named))) === null ? "missing" : "present"}`);
            } else order.push(key);
            return target.put(key, value, opts);
          };
        }
        const v = Reflect.get(target, prop) as unknown;
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    await admin("POST", "/publish", { manifest: version("v1", "One", "P1") }, { bindings: { CONTENT: recording } });
    expect(order).toEqual([versionKey("v1"), "pointer→v1:present"]);
  });

  it("concurrent page requests during a publish see the old version or the new one, never a mix", async () => {
    await admin("POST", "/publish", { manifest: version("v1", "<h1>hero-1</h1>", "promo-1") });
    await page();
    const pages = Array.from({ length: 24 }, async (_, i) => {
      await new Promise((r) => setTimeout(r, i % 6));
      return page();
    });
    const publishing = admin("POST", "/publish", { manifest: version("v2", "<h1>hero-2</h1>", "promo-2") });
    const bodies = await Promise.all([...pages, publishing.then(() => page())]);
    let sawNew = false;
    for (const body of bodies) {
      const hero = /hero-(\d)/.exec(body)?.[1];
      const promo = /promo-(\d)/.exec(body)?.[1];
      expect(hero).toBeDefined();
      expect(hero).toBe(promo);
      if (hero === "2") sawNew = true;
    }
    expect(sawNew).toBe(true);
  });
});
