/**
 * No stale defaults, in a real browser (issue 16): Chromium keeps a page its origin validates
 * (ETag, Last-Modified, `Cache-Control: no-cache`). The visitor's first page had nothing
 * personal; on the next visit they are gold, and Chromium revalidates the copy it holds. They
 * must see the gold hero, never a 304 back into the old default.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Manifest } from "../../src/engine/types.ts";
import { profileToken } from "../fixtures/tokens.ts";
import { launchChromium } from "./support/chromium.ts";
import { publishManifest, workerUrl } from "./support/stack.ts";

let browser: Browser;
/** Headless Chromium says "HeadlessChrome", which the Worker treats as a crawler (no memory). */
const USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36";

beforeAll(async () => {
  browser = await launchChromium();
  const m: Manifest = {
    schema: 1,
    version: `stale-defaults-${Date.now()}`,
    publishedAt: new Date().toISOString(),
    segments: {},
    experiments: {},
    pages: [],
    slots: {
      "stale-hero": {
        trusted: false,
        variants: [{ id: "gold", html: "<h1>Gold hero</h1>", priority: 0, promotional: false, experimentOnly: false, topics: [], audience: { attr: "profile.tier", eq: "gold" } }],
      },
    },
  };
  await publishManifest(m);
});

afterAll(async () => {
  await browser?.close();
});

describe("a returning visitor in Chromium", () => {
  it("is never shown the old default after their decision changed (no 304 into the cached copy)", async () => {
    const context = await browser.newContext({ userAgent: USER_AGENT });
    const page = await context.newPage();
    const url = `${workerUrl()}/revalidate`;
    const hero = () => page.locator('[data-p13n-slot="stale-hero"]').innerText();

    // First sight: the visitor id is issued. Second visit: a returning visitor, nothing personal.
    await page.goto(url);
    const second = await page.goto(url);
    expect(await hero()).toBe("Default hero");
    expect(second!.headers()["etag"]).toBeUndefined();
    expect(second!.headers()["cache-control"]).toBe("private, no-cache");

    // Now the visitor is gold; the browser holds the default from the last visit.
    await context.addCookies([{ name: "p13n_profile", value: await profileToken({ claims: { tier: "gold", sub: "stale-gold" } }), url: workerUrl() }]);
    const third = await page.goto(url);
    expect(third!.status()).toBe(200);
    expect(await hero()).toBe("Gold hero");

    // And a reload (Chromium revalidates whatever it holds) is still the visitor's page.
    await page.reload();
    expect(await hero()).toBe("Gold hero");
    await context.close();
  });
});
