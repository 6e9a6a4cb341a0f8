/**
 * The client script in a real browser (headless Chromium: support/chromium.ts): a personalized page gets the
 * script; scrolling a slot into view records a viewable impression, a click inside it a
 * click, `data-p13n-goal` and `window.p13n.track()` conversions; the visitor's object
 * holds them all (read as the visitor can, through /__p13n/me), and the next page's decision
 * changes. The page's clock is Playwright's: stepped, never waited on. A batch answered 503 or 429 is sent
 * again after its Retry-After with a doubling backoff, a bounded number of times, and goes
 * with sendBeacon when the page is left. A GPC browser gets no script.
 */
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Manifest } from "../../src/engine/types.ts";
import { launchChromium } from "./support/chromium.ts";
import { meWith, publishManifest, workerUrl } from "./support/stack.ts";

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

/** The visitor's id cookie, as a Cookie header: what /__p13n/me needs to show what their object holds. */
async function visitorCookie(context: BrowserContext): Promise<string> {
  const cookie = (await context.cookies()).find((c) => c.name === "__Host-p13n_vid");
  if (!cookie) throw new Error("no __Host-p13n_vid cookie in the browser");
  return `${cookie.name}=${cookie.value}`;
}

/** The events the visitor's object holds, oldest first, as /__p13n/me shows them to the visitor. */
async function eventsOf(visitor: string): Promise<Row[]> {
  const me = await meWith(visitor);
  return me.recentInteractions.toReversed().map((e) => ({ type: e.type, data: JSON.stringify(e.data) }));
}

/**
 * Polls the object until `done(rows)` holds (beacons are asynchronous), or gives up after 10 s;
 * `step` runs before each look (stepping the page's clock, for what waits on its timers).
 */
async function eventsUntil(visitor: string, done: (rows: Row[]) => boolean, step?: () => Promise<void>): Promise<Row[]> {
  const until = Date.now() + 10_000;
  for (;;) {
    await step?.();
    const rows = await eventsOf(visitor);
    if (done(rows) || Date.now() > until) return rows;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Counts, in the page, the beacons it sends and the answers it has had (installed before its scripts run). */
function countBeacons(): void {
  const w = window as unknown as { __beacons: { sent: number; answered: number }; fetch: typeof fetch };
  w.__beacons = { sent: 0, answered: 0 };
  const real = w.fetch.bind(window);
  w.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    if (!String(input).endsWith("/__p13n/events")) return real(input, init);
    w.__beacons.sent++;
    return real(input, init).finally(() => void w.__beacons.answered++);
  };
}

describe("the client script in Chromium", () => {
  it("records a viewable impression, a click, goals and track() into the visitor's object", async () => {
    const context = await browser.newContext({ userAgent: USER_AGENT });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    // The page's timers (the 1 s of viewability, the 1 s batch) run when the test steps its clock.
    await page.clock.install();
    await page.addInitScript(countBeacons);
    const stepClock = () => page.clock.runFor(500);

    await page.goto(`${workerUrl()}/`);
    await page.waitForFunction(() => (window as unknown as { p13n?: { v: number } }).p13n?.v === 1);
    const visitor = await visitorCookie(context);
    expect(await page.locator('[data-p13n-slot="below"]').getAttribute("data-p13n-variant")).toBe("runner-picks");

    const viewableOf = (rows: Row[]) =>
      rows.filter((r) => r.type === "impression" && JSON.parse(r.data).served === false).map((r) => JSON.parse(r.data) as { slot: string });
    // The slot at the top is on screen (default content: variant "default"); the one below the fold is not.
    let rows = await eventsUntil(visitor, (r) => viewableOf(r).length > 0, stepClock);
    // Ten more seconds on the page's clock, and every beacon it sent answered (so recorded):
    // the slot below the fold never became viewable.
    await page.clock.runFor(10_000);
    await page.waitForFunction(() => {
      const b = (window as unknown as { __beacons: { sent: number; answered: number } }).__beacons;
      return b.answered === b.sent;
    });
    rows = await eventsOf(visitor);
    expect(viewableOf(rows)).toEqual([{ slot: "top", variant: "default", served: false }]);

    await page.locator('[data-p13n-slot="below"]').scrollIntoViewIfNeeded();
    await page.locator("#inside").click();
    await page.locator("#signup").click();
    await page.locator("#subscribe").click();
    await page.evaluate(() => (window as unknown as { p13n: { track: (n: string, p: object) => void } }).p13n.track("purchase", { value: 42, plan: "pro" }));

    rows = await eventsUntil(visitor, (r) => viewableOf(r).length >= 2 && r.filter((e) => e.type === "conversion").length >= 3, stepClock);
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
    rows = await eventsUntil(visitor, (r) => r.some((e) => e.type === "view"));
    expect(rows.filter((r) => r.type === "view").map((r) => JSON.parse(r.data))).toEqual([{ path: "/", category: "running-shoes", topics: ["running", "shoes"] }]);
    await context.close();
  });

  it("sends what is queued when the page is left", async () => {
    const context = await browser.newContext({ userAgent: USER_AGENT });
    const page = await context.newPage();
    await page.goto(`${workerUrl()}/`);
    await page.waitForFunction(() => (window as unknown as { p13n?: { v: number } }).p13n?.v === 1);
    const visitor = await visitorCookie(context);
    // A custom event waits for the 1 s batch timer; leaving the page must not lose it.
    await page.evaluate(() => (window as unknown as { p13n: { event: (n: string) => void } }).p13n.event("left-quickly"));
    await page.goto("about:blank");
    const rows = await eventsUntil(visitor, (r) => r.some((e) => e.type === "custom"));
    expect(rows.filter((r) => r.type === "custom").map((r) => JSON.parse(r.data))).toEqual([{ name: "left-quickly" }]);
    await context.close();
  });

  it("retries a batch answered 503 (after its Retry-After), and it is then recorded once", async () => {
    const context = await browser.newContext({ userAgent: USER_AGENT });
    const page = await context.newPage();
    await page.clock.install();
    const sent: Array<{ status: number; body: string }> = [];
    // The purchase's first beacon meets an overloaded Worker; the next ones reach it (other
    // batches, viewable impressions, go straight through and are not counted here).
    await page.route("**/__p13n/events", async (route) => {
      const body = route.request().postData() ?? "";
      if (!body.includes('"goal":"purchase"')) return route.continue();
      if (sent.length === 0) {
        sent.push({ status: 503, body });
        return route.fulfill({ status: 503, headers: { "retry-after": "3", "content-type": "application/json" }, body: '{"error":{"code":"STATE_OVERLOADED"}}' });
      }
      const res = await route.fetch();
      sent.push({ status: res.status(), body });
      return route.fulfill({ response: res });
    });
    await page.goto(`${workerUrl()}/`);
    await page.waitForFunction(() => (window as unknown as { p13n?: { v: number } }).p13n?.v === 1);
    const visitor = await visitorCookie(context);
    await page.evaluate(() => (window as unknown as { p13n: { track: (n: string) => void } }).p13n.track("purchase"));
    await expect.poll(() => sent.length).toBe(1);
    // Retry-After: 3 outranks the first backoff step (1 s): nothing is sent again before it.
    await page.clock.runFor(2_900);
    expect(sent.length).toBe(1);
    await page.clock.runFor(1_000);
    await expect.poll(() => sent.length).toBe(2);
    expect(sent.map((s) => s.status)).toEqual([503, 200]);
    expect(sent[1]!.body).toBe(sent[0]!.body);
    const rows = await eventsUntil(visitor, (r) => r.some((e) => e.type === "conversion"));
    expect(rows.filter((r) => r.type === "conversion").map((r) => (JSON.parse(r.data) as { goal: string }).goal)).toEqual(["purchase"]);
    await context.close();
  });

  it("gives up after a bounded number of tries on 429, backing off between them", async () => {
    const context = await browser.newContext({ userAgent: USER_AGENT });
    const page = await context.newPage();
    await page.clock.install();
    // When the script sends the purchase (the page's own clock), and when each answer has arrived.
    await page.addInitScript(() => {
      const w = window as unknown as { __sent: number[]; __answered: number; fetch: typeof fetch };
      w.__sent = [];
      w.__answered = 0;
      const real = w.fetch.bind(window);
      w.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
        if (!String(init?.body ?? "").includes('"goal":"purchase"')) return real(input, init);
        w.__sent.push(Date.now());
        return real(input, init).finally(() => void w.__answered++);
      };
    });
    await page.route("**/__p13n/events", (route) =>
      (route.request().postData() ?? "").includes('"goal":"purchase"')
        ? route.fulfill({ status: 429, headers: { "retry-after": "1", "content-type": "application/json" }, body: '{"error":{"code":"RATE_LIMITED"}}' })
        : route.continue(),
    );
    await page.goto(`${workerUrl()}/`);
    await page.waitForFunction(() => (window as unknown as { p13n?: { v: number } }).p13n?.v === 1);
    await page.evaluate(() => (window as unknown as { p13n: { track: (n: string) => void } }).p13n.track("purchase"));
    const sent = () => page.evaluate(() => (window as unknown as { __sent: number[] }).__sent);
    // Step the page's clock 100 ms at a time, each step only once every answer is in.
    for (let step = 0; step < 400; step++) {
      await page.waitForFunction(() => {
        const w = window as unknown as { __sent: number[]; __answered: number };
        return w.__sent.length > 0 && w.__answered === w.__sent.length;
      });
      await page.clock.runFor(100);
    }
    const at = await sent();
    expect(at).toHaveLength(5);
    await page.clock.runFor(600_000);
    expect(await sent()).toHaveLength(5);
    // 1, 2, 4, 8 s apart (each + at most 20%, + one 100 ms step): the backoff doubles, and
    // Retry-After (1 s) never shortens it.
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    gaps.forEach((g, i) => {
      expect(g).toBeGreaterThanOrEqual(1000 * 2 ** i);
      expect(g).toBeLessThanOrEqual(1200 * 2 ** i + 100);
    });
    await context.close();
  });

  it("a batch waiting for its retry is sent with sendBeacon when the page is left", async () => {
    const context = await browser.newContext({ userAgent: USER_AGENT });
    const page = await context.newPage();
    let first = true;
    await context.route("**/__p13n/events", async (route) => {
      if (first) {
        first = false;
        return route.fulfill({ status: 503, headers: { "retry-after": "600", "content-type": "application/json" }, body: "{}" });
      }
      return route.continue();
    });
    await page.goto(`${workerUrl()}/`);
    await page.waitForFunction(() => (window as unknown as { p13n?: { v: number } }).p13n?.v === 1);
    const visitor = await visitorCookie(context);
    await page.evaluate(() => (window as unknown as { p13n: { track: (n: string) => void } }).p13n.track("left-with-retry"));
    await expect.poll(() => first).toBe(false);
    // Ten minutes to wait, but the visitor leaves now: the batch goes with the unload.
    await page.goto("about:blank");
    const rows = await eventsUntil(visitor, (r) => r.some((e) => e.type === "conversion"));
    expect(rows.filter((r) => r.type === "conversion").map((r) => (JSON.parse(r.data) as { goal: string }).goal)).toEqual(["left-with-retry"]);
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
