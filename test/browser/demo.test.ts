/**
 * The newcomer's first minutes, in a real browser: `npm run dev` serves the
 * demo shop; an anonymous visitor, a gold/new customer and a tampered cookie
 * each see what they should.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintProfileToken, readProfileSettings } from "../../cli/profile-token.ts";
import { launchChromium } from "./support/chromium.ts";
import { ROOT, startDevServer, type DevServer } from "./support/dev-server.ts";

let dev: DevServer;
let browser: Browser;
const SHOTS = join(ROOT, "test-results");

beforeAll(async () => {
  browser = await launchChromium();
  dev = await startDevServer();
  await mkdir(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await dev?.stop();
});

async function contextWithProfile(claims: { sub: string; tier?: string; stage?: "new" | "established" }, tamper = false): Promise<BrowserContext> {
  const settings = await readProfileSettings(ROOT);
  let token = await mintProfileToken(
    { ...claims, ttlSeconds: 600, issuer: settings.issuer, audience: settings.audience, typ: settings.typ },
    dev.secrets.PROFILE_SECRET!,
  );
  if (tamper) token = token.slice(0, -3) + (token.endsWith("AAA") ? "BBB" : "AAA");
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  await context.addCookies([{ name: settings.cookie, value: token, url: dev.url }]);
  return context;
}

async function heroVariant(context: BrowserContext, shot?: string) {
  const page = await context.newPage();
  const res = await page.goto(`${dev.url}/`);
  const hero = page.locator('[data-p13n-slot="home-hero"]');
  const variant = await hero.getAttribute("data-p13n-variant");
  const text = (await hero.innerText()).trim();
  if (shot) await page.screenshot({ path: join(SHOTS, shot) });
  return { status: res?.status(), variant, text };
}

describe("the demo in Chromium", () => {
  it("shows an anonymous visitor the shop's own hero", async () => {
    const context = await browser.newContext();
    const r = await heroVariant(context, "demo-anonymous.png");
    expect(r.status).toBe(200);
    expect(r.variant).toBeNull();
    expect(r.text.length).toBeGreaterThan(0);
    await context.close();
  });

  it("shows a gold/new customer the gold welcome, and it reads differently", async () => {
    const anonymous = await heroVariant(await browser.newContext());
    const context = await contextWithProfile({ sub: "demo-gold-new", tier: "gold", stage: "new" });
    const r = await heroVariant(context, "demo-gold-new.png");
    expect(r.status).toBe(200);
    expect(r.variant).toBe("gold-welcome");
    expect(r.text).not.toBe(anonymous.text);
    await context.close();
  });

  it("treats a tampered cookie as anonymous: status 200, the shop's own hero", async () => {
    const context = await contextWithProfile({ sub: "demo-gold-new", tier: "gold", stage: "new" }, true);
    const r = await heroVariant(context);
    expect(r.status).toBe(200);
    expect(r.variant).toBeNull();
    await context.close();
  });
});
