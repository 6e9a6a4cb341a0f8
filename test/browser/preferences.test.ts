/**
 * The preference centre in a real browser (headless Chromium: support/chromium.ts): open /__p13n/me, tick a
 * topic and save (the page's own script sends JSON), see the next page change, erase, and
 * see the data gone — in the page, in the cookies, and in what the visitor's object holds (read
 * through /__p13n/me with the erased id's own cookie).
 * Takes docs/preferences.png (written there by `npm run screenshots`).
 */

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Manifest } from "../../src/engine/types.ts";
import { launchChromium } from "./support/chromium.ts";
import { meWith, publishManifest, workerUrl } from "./support/stack.ts";
import { shotPath } from "./support/screenshots.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
/** Headless Chromium says "HeadlessChrome", which the Worker treats as a crawler (no memory). */
const USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36";
const VERSION = `preferences-${Date.now()}`;

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
  const variant = { priority: 0, promotional: false, experimentOnly: false };
  const m: Manifest = {
    schema: 1,
    version: VERSION,
    publishedAt: new Date().toISOString(),
    segments: {},
    experiments: {},
    pages: [],
    slots: {
      // Equal scores: the first listed wins until the visitor says otherwise.
      top: {
        trusted: false,
        variants: [
          { ...variant, id: "for-runners", html: "<h1>For runners</h1>", topics: ["running"] },
          { ...variant, id: "for-yogis", html: "<h1>For yogis</h1>", topics: ["yoga"] },
        ],
      },
      below: { trusted: false, variants: [{ ...variant, id: "sale", html: "<p>Sale: 20% off</p>", topics: [], promotional: true }] },
    },
  };
  await publishManifest(m);
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

async function visitorId(context: BrowserContext): Promise<string | null> {
  const cookie = (await context.cookies()).find((c) => c.name === "__Host-p13n_vid");
  return cookie ? cookie.value.slice(0, cookie.value.indexOf(".")) : null;
}

const topText = (page: Page) => page.locator('[data-p13n-slot="top"]').innerText();

/** The browser's cookies for the Worker, as a Cookie header. */
async function cookieHeader(context: BrowserContext): Promise<string> {
  return (await context.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
}

describe("the preference centre in Chromium", () => {
  it("open it, change a topic, see the next page change, erase, see the data gone", async () => {
    const context = await browser.newContext({ userAgent: USER_AGENT, viewport: { width: 900, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    // Every request the pages make succeeds (the fixture origin has no favicon: not ours).
    page.on("response", (r) => {
      if (r.status() >= 400 && !r.url().endsWith("/favicon.ico")) errors.push(`${r.status()} ${r.url()}`);
    });

    // A first page: the tie goes to the runners' hero. Its response issues the visitor id and
    // remembers nothing (issue 12: no object until the cookie comes back); the second page is
    // the first one on record.
    await page.goto(`${workerUrl()}/`);
    expect(await topText(page)).toBe("For runners");
    const id = await visitorId(context);
    expect(id).not.toBeNull();
    await page.goto(`${workerUrl()}/`);
    expect(await topText(page)).toBe("For runners");

    // The preference centre, as the browser asks for it (HTML).
    await page.goto(`${workerUrl()}/__p13n/me`);
    await expect.poll(() => page.title()).toBe("Your data and preferences");
    expect(await page.getByRole("heading", { level: 1 }).innerText()).toBe("Your data and preferences");
    expect(await page.locator("main").innerText()).toContain("30 days after your last visit");
    // Why the last page showed what it did, in plain words.
    const why = await page.locator("ul.why").innerText();
    expect(why).toContain("top: “for-runners”");
    expect(why).toContain("It is shown to everyone.");

    // Tick "yoga" and ask for fewer promotions; the page saves with fetch and reloads.
    await page.getByLabel("yoga", { exact: true }).check();
    await page.getByLabel("Fewer promotions").check();
    await Promise.all([page.waitForEvent("load"), page.getByRole("button", { name: "Save preferences" }).click()]);
    expect(await page.getByLabel("yoga", { exact: true }).isChecked()).toBe(true);
    expect(await page.getByLabel("Fewer promotions").isChecked()).toBe(true);
    // Saving topics is not a consent "yes": no choice cookie unless the visitor changed one.
    expect((await context.cookies()).find((c) => c.name === "__Host-p13n_consent")).toBeUndefined();
    // What the object holds, as the visitor can read it (their cookie, kept for after the erasure).
    const asThisVisitor = await cookieHeader(context);
    expect((await meWith(asThisVisitor)).statedPreferences.yours).toEqual({ topics: ["yoga"], channels: [], frequency: "fewer" });

    // The next page is decided with them.
    await page.goto(`${workerUrl()}/`);
    expect(await topText(page)).toBe("For yogis");

    // Back on the preference centre: the reason, and a screenshot of the page for the docs.
    await page.goto(`${workerUrl()}/__p13n/me`);
    expect(await page.locator("ul.why").innerText()).toContain("You said you are interested in yoga.");
    await page.screenshot({ path: shotPath("preferences.png"), fullPage: true });

    // Erase: confirm the dialog; the page reloads with nothing stored.
    page.once("dialog", (d) => void d.accept());
    await Promise.all([page.waitForEvent("load"), page.getByRole("button", { name: "Erase my data" }).click()]);
    expect(await page.locator("main").innerText()).toContain("Nothing about you is stored.");
    expect(await page.locator("main").innerText()).toContain("No page is on record.");
    expect(await visitorId(context)).toBeNull();
    // The object holds nothing: asked with the erased id's own cookie, /me finds no events and no preferences.
    const erased = await meWith(asThisVisitor);
    expect(erased.stored.anything).toBe(false);
    expect(erased.recentInteractions).toEqual([]);
    expect(erased.statedPreferences.yours).toBeNull();

    // The next page is a new anonymous visitor: the default again, and a different id.
    await page.goto(`${workerUrl()}/`);
    expect(await topText(page)).toBe("For runners");
    const fresh = await visitorId(context);
    expect(fresh).not.toBeNull();
    expect(fresh).not.toBe(id);
    expect(errors).toEqual([]);
    await context.close();
  });
});
