/**
 * The client script in a real browser (headless Chromium: support/chromium.ts): a personalized page gets the
 * script; scrolling a slot into view records a viewable impression, a click inside it a
 * click, `data-p13n-goal` and `window.p13n.track()` conversions; the visitor's object
 * holds them all, and the next page's decision changes. A GPC browser gets no script.
 */
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Manifest } from "../../src/engine/types.ts";
import { launchChromium } from "./support/chromium.ts";
import { publishManifest, visitorSql, workerUrl } from "./support/stack.ts";

interface Row {
  type: string;
  data: string;
}

let browser: Browser;
/** Headless Chromium says "HeadlessChrome", which the Worker treats as a crawler (no memory). */
const USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36";

beforeAll(async () => {
  browser = await launchChromium();
  const variant = { priority: 0, promotional: false, experimentOnly: false };
  const m: Manifest = {
    schema: 1,
    version: `client-script-${Date.now()}`,
    publishedAt: new Date().toISOString(),
    segments: {},
    experiments: {},
    pages: [],
    slots: {
      top: { trusted: false, variants: [{ ...variant, id: "thanks", html: "<h1>Thanks for signing up</h1>", topics: [], audience: { attr: "visitor.conversions", gte: 1 } }] },
      below: { trusted: false, variants: [{ ...variant, id: "runner-picks", html: '<p>Runner picks <button id="inside">Show me</button></p>', topics: ["running"] }] },
    },
  };
  await publishManifest(m);
});

afterAll(async () => {
  await browser?.close();
});

async function visitorId(context: BrowserContext): Promise<string> {
  const cookie = (await context.cookies()).find((c) => c.name === "__Host-p13n_vid");
  if (!cookie) throw new Error("no __Host-p13n_vid cookie in the browser");
  return cookie.value.slice(0, cookie.value.indexOf("."));
}

/** Polls the object until `done(rows)` holds (beacons are asynchronous), or gives up after 10 s. */
async function eventsUntil(name: string, done: (rows: Row[]) => boolean): Promise<Row[]> {
  const until = Date.now() + 10_000;
  for (;;) {
    const rows = await visitorSql<Row>(name, "SELECT type, data FROM events ORDER BY seq");
    if (done(rows) || Date.now() > until) return rows;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("the client script in Chromium", () => {
  it("records a viewable impression, a click, goals and track() into the visitor's object", async () => {
    const context = await browser.newContext({ userAgent: USER_AGENT });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));

    await page.goto(`${workerUrl()}/`);
    await page.waitForFunction(() => (window as unknown as { p13n?: { v: number } }).p13n?.v === 1);
    const name = `vid:${await visitorId(context)}`;
    expect(await page.locator('[data-p13n-slot="below"]').getAttribute("data-p13n-variant")).toBe("runner-picks");

    const viewableOf = (rows: Row[]) =>
      rows.filter((r) => r.type === "impression" && JSON.parse(r.data).served === false).map((r) => JSON.parse(r.data) as { slot: string });
    // The slot at the top is on screen (default content: variant "default"); the one below the fold is not.
    let rows = await eventsUntil(name, (r) => viewableOf(r).length > 0);
    await page.waitForTimeout(1300);
    rows = await visitorSql<Row>(name, "SELECT type, data FROM events ORDER BY seq");
    expect(viewableOf(rows)).toEqual([{ slot: "top", variant: "default", served: false }]);

    await page.locator('[data-p13n-slot="below"]').scrollIntoViewIfNeeded();
    await page.locator("#inside").click();
    await page.locator("#signup").click();
    await page.locator("#subscribe").click();
    await page.evaluate(() => (window as unknown as { p13n: { track: (n: string, p: object) => void } }).p13n.track("purchase", { value: 42, plan: "pro" }));

    rows = await eventsUntil(name, (r) => viewableOf(r).length >= 2 && r.filter((e) => e.type === "conversion").length >= 3);
    expect(viewableOf(rows)).toEqual([
      { slot: "top", variant: "default", served: false },
      { slot: "below", variant: "runner-picks", served: false },
    ]);
    const clicks = rows.filter((r) => r.type === "click").map((r) => JSON.parse(r.data));
    expect(clicks).toEqual([{ slot: "below", variant: "runner-picks", topics: ["running"] }]);
    const goals = rows.filter((r) => r.type === "conversion").map((r) => JSON.parse(r.data) as { goal: string; value?: number });
    expect(goals.map((g) => g.goal).sort()).toEqual(["newsletter", "purchase", "signup"]);
    expect(goals.find((g) => g.goal === "purchase")?.value).toBe(42);
    // The first page issued the id and remembered nothing itself (issue 12: no object until the
    // cookie comes back); its beacons, which bring the cookie, started the visitor's memory.
    expect(rows.filter((r) => r.type === "view")).toEqual([]);
    expect(errors).toEqual([]);

    // The loop closes: the next page is decided with the conversions, and its view is recorded
    // by the Worker, with the page's own meta.
    await page.goto(`${workerUrl()}/`);
    expect(await page.locator('[data-p13n-slot="top"]').innerText()).toBe("Thanks for signing up");
    rows = await eventsUntil(name, (r) => r.some((e) => e.type === "view"));
    expect(rows.filter((r) => r.type === "view").map((r) => JSON.parse(r.data))).toEqual([{ path: "/", category: "running-shoes", topics: ["running", "shoes"] }]);
    await context.close();
  });

  it("sends what is queued when the page is left", async () => {
    const context = await browser.newContext({ userAgent: USER_AGENT });
    const page = await context.newPage();
    await page.goto(`${workerUrl()}/`);
    await page.waitForFunction(() => (window as unknown as { p13n?: { v: number } }).p13n?.v === 1);
    const name = `vid:${await visitorId(context)}`;
    // A custom event waits for the 1 s batch timer; leaving the page must not lose it.
    await page.evaluate(() => (window as unknown as { p13n: { event: (n: string) => void } }).p13n.event("left-quickly"));
    await page.goto("about:blank");
    const rows = await eventsUntil(name, (r) => r.some((e) => e.type === "custom"));
    expect(rows.filter((r) => r.type === "custom").map((r) => JSON.parse(r.data))).toEqual([{ name: "left-quickly" }]);
    await context.close();
  });

  it("a browser sending Sec-GPC: 1 gets no script, no cookie, and nothing is recorded", async () => {
    const context = await browser.newContext({ userAgent: USER_AGENT, extraHTTPHeaders: { "Sec-GPC": "1" } });
    const page = await context.newPage();
    await page.goto(`${workerUrl()}/`);
    expect(await page.locator('script[src^="/__p13n/client.js"]').count()).toBe(0);
    expect(await page.evaluate(() => "p13n" in window)).toBe(false);
    expect((await context.cookies()).filter((c) => c.name.startsWith("__Host-p13n"))).toEqual([]);
    await context.close();
  });
});
