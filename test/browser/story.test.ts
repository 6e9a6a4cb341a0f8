/**
 * The seed's story (issue 16), on the demo as `npm run dev` serves it, in Chromium: a visitor
 * browses leggings, adds them to the cart through the shop's own button, and leaves; back after
 * the abandonment time, the home hero names the leggings left. A running-shoe abandoner gets the
 * running reminder; three running-shoe views bring the running hero; the shop's remove, checkout
 * and sign-up send real events. Every page is a real navigation, so a browser revalidating a
 * default it cached is part of the story (it must never show it). The abandonment time is the
 * test setting CART_ABANDON_MINUTES=0 (`npm run dev -- --var CART_ABANDON_MINUTES:0`): a cart
 * with items counts as left at once. Takes the walkthrough's screenshots (docs/ with `npm run screenshots`).
 */

import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./support/chromium.ts";
import { startDevServer, type DevServer } from "./support/dev-server.ts";
import { shotPath } from "./support/screenshots.ts";

/** Headless Chromium says "HeadlessChrome", which the Worker treats as a crawler (no memory). */
const USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36";

let dev: DevServer;
let browser: Browser;
/** The Worker as the browser reaches it: localhost is a secure context, where __Host- cookies work. */
let site: string;

beforeAll(async () => {
  browser = await launchChromium();
  dev = await startDevServer(["--var", "CART_ABANDON_MINUTES:0"]);
  const url = new URL(dev.url);
  url.hostname = "localhost";
  site = url.origin;
});

afterAll(async () => {
  await browser?.close();
  await dev?.stop();
});

interface Visitor {
  context: BrowserContext;
  page: Page;
}

/**
 * A new visitor on the home page, outside the 2 % global holdout (content/site.yaml), which by
 * design sees the shop's defaults everywhere: asked the way an app would, through /__p13n/decide.
 */
async function newVisitor(): Promise<Visitor> {
  for (let tries = 0; tries < 20; tries++) {
    const context = await browser.newContext({ userAgent: USER_AGENT, viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${site}/`);
    const decided = (await (await page.request.get(`${site}/__p13n/decide?path=/&slots=home-hero`)).json()) as { holdout: boolean };
    if (!decided.holdout) return { context, page };
    await context.close();
  }
  throw new Error("20 new visitors in a row in a 2 % holdout");
}

async function hero(page: Page): Promise<{ variant: string | null; text: string }> {
  const el = page.locator('[data-p13n-slot="home-hero"]');
  return { variant: await el.getAttribute("data-p13n-variant"), text: (await el.innerText()).replace(/\s+/g, " ").trim() };
}

/**
 * Clicks a shop button and waits until the cart event it sent is in the visitor's memory. The
 * beacon's answer is checked by its status only: Chromium keeps no body of a keepalive request's
 * response for the test to read (reading it never settles), so what the Worker accepted is read
 * back from /__p13n/me instead.
 */
async function clickAndSend(page: Page, selector: string): Promise<void> {
  const action = await page.getAttribute(selector, "data-p13n-cart");
  const newest = async () => (await me(page)).recentInteractions.find((e) => e.type === "cart")?.at ?? null;
  const before = await newest();
  const answered = page.waitForResponse((r) => r.url().endsWith("/__p13n/events") && r.request().method() === "POST" && r.request().postData()?.includes('"type":"cart"') === true);
  await page.click(selector);
  expect((await answered).status()).toBe(200);
  await expect.poll(newest, { timeout: 15_000 }).not.toBe(before);
  expect((await latest(page, "cart"))?.data.action).toBe(action);
}

/** What the visitor's memory holds, read the way the visitor can: /__p13n/me with their own cookies. */
async function me(page: Page): Promise<{ recentInteractions: Array<{ type: string; at: string; data: Record<string, unknown> }> }> {
  const res = await page.request.get(`${site}/__p13n/me?format=json`, { headers: { accept: "application/json" } });
  expect(res.status()).toBe(200);
  return (await res.json()) as { recentInteractions: Array<{ type: string; at: string; data: Record<string, unknown> }> };
}

/** The newest interaction of a type in the visitor's memory. */
async function latest(page: Page, type: string): Promise<{ type: string; at: string; data: Record<string, unknown> } | undefined> {
  return (await me(page)).recentInteractions.find((e) => e.type === type);
}

/** Waits until the visitor's memory holds `n` views of `path` (a page view is written after the page has gone). */
async function viewsRecorded(page: Page, path: string, n: number): Promise<void> {
  await expect.poll(async () => (await me(page)).recentInteractions.filter((e) => e.type === "view" && e.data.path === path).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(n);
}

describe("the seed's story in Chromium", () => {
  it("browse leggings, add them with the shop's button, leave; back later, the hero names the leggings left", async () => {
    const { context, page } = await newVisitor();
    expect((await hero(page)).variant).toBeNull();
    await page.goto(`${site}/products/leggings`);
    await clickAndSend(page, 'button[data-p13n-cart="add"]');
    await expect.poll(() => page.locator("[data-added]").isVisible()).toBe(true);
    await page.screenshot({ path: shotPath("story-added.png") });
    await page.close();

    // Back later (CART_ABANDON_MINUTES=0: the cart counts as left at once), in a new tab.
    const back = await context.newPage();
    await back.goto(`${site}/`);
    const reminder = await hero(back);
    expect(reminder.variant).toBe("cart-reminder");
    expect(reminder.text).toContain("Your Aero High-Rise Leggings are waiting in your cart");
    await back.screenshot({ path: shotPath("story-leggings-reminder.png") });
    // The browser holds the first visit's default home page: a reload (a revalidation) must not bring it back.
    await back.reload();
    expect((await hero(back)).variant).toBe("cart-reminder");
    await context.close();
  });

  it("a running-shoe abandoner gets the running reminder, naming the shoe", async () => {
    const { context, page } = await newVisitor();
    await page.goto(`${site}/products/running-shoes`);
    await clickAndSend(page, 'button[data-p13n-cart="add"]');
    await page.goto(`${site}/`);
    const reminder = await hero(page);
    expect(reminder.variant).toBe("running-reminder");
    expect(reminder.text).toContain("Your Tempo 3 Running Shoe — still in your cart");
    await page.screenshot({ path: shotPath("story-running-reminder.png") });
    await context.close();
  });

  it("three running-shoe views bring the running hero (two do not)", async () => {
    const { context, page } = await newVisitor();
    for (let i = 1; i <= 2; i++) await page.goto(`${site}/products/running-shoes`);
    await viewsRecorded(page, "/products/running-shoes", 2);
    await page.goto(`${site}/`);
    expect((await hero(page)).variant).toBeNull();
    await page.goto(`${site}/products/running-shoes`);
    await viewsRecorded(page, "/products/running-shoes", 3);
    await page.goto(`${site}/`);
    const running = await hero(page);
    expect(running.variant).toBe("running");
    expect(running.text).toContain("Built for the miles ahead");
    await page.screenshot({ path: shotPath("story-running-hero.png") });
    await page.reload();
    expect((await hero(page)).variant).toBe("running");
    await context.close();
  });

  it("remove, checkout and the newsletter sign-up send real events; after the checkout nothing is left to remind of", async () => {
    const { context, page } = await newVisitor();
    await page.goto(`${site}/products/leggings`);
    await clickAndSend(page, 'button[data-p13n-cart="add"]');
    expect((await latest(page, "cart"))?.data).toMatchObject({ action: "add", sku: "LEG-AERO", name: "Aero High-Rise Leggings", price: 88, category: "leggings", image: "/assets/products/leggings.svg" });
    await page.goto(`${site}/cart`);
    await expect.poll(() => page.locator(".cart-line").count()).toBe(1);
    await clickAndSend(page, 'button[data-p13n-cart="remove"]');
    await expect.poll(() => page.locator(".cart-line").count()).toBe(0);
    expect((await latest(page, "cart"))?.data).toMatchObject({ action: "remove", sku: "LEG-AERO", qty: 1 });

    await page.goto(`${site}/products/leggings`);
    await clickAndSend(page, 'button[data-p13n-cart="add"]');
    await page.goto(`${site}/cart`);
    await clickAndSend(page, 'button[data-p13n-cart="checkout"]');
    await expect.poll(() => page.locator("[data-ordered]").isVisible()).toBe(true);
    // The order's value goes with the checkout (experiment results count it).
    expect((await latest(page, "cart"))?.data).toMatchObject({ action: "checkout", price: 88 });

    // The sign-up form declares its goal: submitting it sends the conversion as the page goes.
    await page.fill('form[data-p13n-goal] input[type="email"]', "sam@example.com");
    await page.click('form[data-p13n-goal] button[type="submit"]');
    await page.waitForURL(/\/account/);
    await expect.poll(async () => (await latest(page, "conversion"))?.data.goal, { timeout: 15_000 }).toBe("newsletter");

    await page.goto(`${site}/`);
    expect((await hero(page)).variant).not.toBe("cart-reminder");
    await context.close();
  });
});
