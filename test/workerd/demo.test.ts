/**
 * The newcomer's view: the real Worker entry, the bundled demo shop as the
 * origin (ORIGIN_URL empty, [env.dev] binds the demo), the example content from content/ published.
 */
import { exports, env } from "cloudflare:workers";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import type { Manifest } from "../../src/engine/types.ts";
import { publish } from "../fixtures/manifest.ts";
import { profileToken, tamperSignature } from "../fixtures/tokens.ts";

const DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36";
const IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148";

beforeAll(async () => {
  invalidateManifest(env.CONTENT);
  await publish(env.CONTENT, JSON.parse(inject("demoManifest")) as Manifest);
});

async function page(path: string, headers: Record<string, string> = {}) {
  // GPC keeps anonymous visitors out of the (random) global holdout, so results are exact.
  const res = await exports.default.fetch(new Request(`http://localhost${path}`, { headers: { "user-agent": DESKTOP, ...headers } }));
  return { res, body: await res.text() };
}

const heroOf = (body: string) => /data-p13n-slot="home-hero"(?: data-p13n-variant="([^"]+)")?/.exec(body)?.[1] ?? "default";

describe("the demo shop", () => {
  it("serves the home page anonymously with the origin's hero", async () => {
    const { res, body } = await page("/", { "sec-gpc": "1" });
    expect(res.status).toBe(200);
    expect(body).toContain("Stride");
    expect(heroOf(body)).toBe("default");
  });

  it("shows a gold/new customer the gold welcome", async () => {
    const token = await profileToken({ claims: { sub: "demo-gold-new", tier: "gold", stage: "new" } });
    const { res, body } = await page("/", { cookie: `p13n_profile=${token}` });
    expect(heroOf(body)).toBe("gold-welcome");
    expect(res.headers.get("cache-control")).toBe("private, no-store");
  });

  it("shows an established customer the welcome back", async () => {
    const token = await profileToken({ claims: { sub: "demo-established", stage: "established" } });
    expect(heroOf((await page("/", { cookie: `p13n_profile=${token}` })).body)).toBe("welcome-back");
  });

  it("shows a phone the compact hero", async () => {
    expect(heroOf((await page("/", { "user-agent": IPHONE, "sec-gpc": "1" })).body)).toBe("mobile");
  });

  it("fills a slot declared only in content (bestsellers: `selector:` in slot.yaml) for a runner, and leaves it for everyone else", async () => {
    const token = await profileToken({ claims: { sub: "demo-runner", prefs: { topics: ["running"] } } });
    const runner = (await page("/", { cookie: `p13n_profile=${token}` })).body;
    expect(runner).toContain('<h2 id="bestsellers" data-p13n-slot="bestsellers" data-p13n-variant="for-runners">Bestsellers for runners</h2>');
    const anonymous = (await page("/", { "sec-gpc": "1" })).body;
    // The default stays. The element names its slot whenever anything else on the page is filled
    // (from 18:00 the context-only evening-flash promo is), as a markup slot would; never a variant.
    expect(anonymous).toMatch(/<h2 id="bestsellers"(?: data-p13n-slot="bestsellers")?>Bestsellers<\/h2>/);
  });

  it("treats a tampered gold cookie as anonymous, with status 200", async () => {
    const token = tamperSignature(await profileToken({ claims: { sub: "demo-gold-new", tier: "gold", stage: "new" } }));
    const { res, body } = await page("/", { cookie: `p13n_profile=${token}`, "sec-gpc": "1" });
    expect(res.status).toBe(200);
    expect(heroOf(body)).toBe("default");
  });

  it("passes the shop's stylesheet and 404 page through untouched", async () => {
    const css = await page("/assets/stride.css");
    expect(css.res.status).toBe(200);
    expect(css.res.headers.get("content-type")).toContain("text/css");
    const missing = await page("/no-such-page");
    expect(missing.res.status).toBe(404);
  });

  it("reports the published version on /__p13n/healthz", async () => {
    const res = await exports.default.fetch("http://localhost/__p13n/healthz");
    const json = (await res.json()) as { ok: boolean; contentVersion: string };
    expect(json.ok).toBe(true);
    expect(json.contentVersion).toBe((JSON.parse(inject("demoManifest")) as Manifest).version);
  });
});
