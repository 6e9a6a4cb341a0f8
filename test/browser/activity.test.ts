/**
 * "Is it working, and what does it cost me?" from a local run: pages served by the Worker
 * (wrangler's harness, [env.dev], METRICS_STORE=local) are counted; `p13n stats` reads them
 * back through the admin API as a table; the console's Activity view shows the same numbers
 * in Chromium. Takes docs/activity.png (written there by `npm run screenshots`).
 */

import { resolve } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../cli/run.ts";
import { createIo, type Io } from "../../cli/io.ts";
import type { Manifest } from "../../src/engine/types.ts";
import type { StatsReport } from "../../src/observability/stats.ts";
import { TEST_SECRETS } from "../fixtures/secrets.ts";
import { profileToken, tamperSignature } from "../fixtures/tokens.ts";
import { launchChromium } from "./support/chromium.ts";
import { publishManifest, workerUrl } from "./support/stack.ts";
import { shotPath } from "./support/screenshots.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const VERSION = `activity-${Date.now()}`;
const USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36";

const manifestDoc = {
  schema: 1,
  version: VERSION,
  publishedAt: new Date().toISOString(),
  segments: {},
  experiments: {},
  pages: [],
  slots: {
    top: {
      trusted: false,
      variants: [
        { id: "act-gold", html: "<h1>Gold picks</h1>", priority: 10, topics: [], promotional: false, experimentOnly: false, audience: { attr: "profile.tier", eq: "gold" } },
        { id: "act-silver", html: "<h1>Silver picks</h1>", priority: 5, topics: [], promotional: false, experimentOnly: false, audience: { attr: "profile.tier", eq: "silver" } },
      ],
    },
  },
} as unknown as Manifest;

/** Runs `p13n stats` in this process, as a site owner would in a terminal. */
async function p13nStats(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: Io = { ...createIo(), print: (t) => void (out += `${t}\n`), printErr: (t) => void (err += `${t}\n`) };
  const code = await runCli(["stats", "--url", workerUrl(), "--token", TEST_SECRETS.ADMIN_TOKEN, ...args], { io, cwd: ROOT });
  return { code, out, err };
}

async function statsJson(): Promise<StatsReport> {
  const r = await p13nStats(["--json", "--since", "1h"]);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as StatsReport;
}

async function visit(cookie?: string): Promise<void> {
  const res = await fetch(`${workerUrl()}/`, { headers: { "user-agent": USER_AGENT, ...(cookie ? { cookie } : {}) } });
  await res.text();
  expect(res.status).toBe(200);
}

let browser: Browser;
let before: StatsReport;

beforeAll(async () => {
  browser = await launchChromium();
  await publishManifest(manifestDoc);
  before = await statsJson();
  const gold = `p13n_profile=${await profileToken({ claims: { sub: "act-1", tier: "gold" } })}`;
  const silver = `p13n_profile=${await profileToken({ claims: { sub: "act-2", tier: "silver" } })}`;
  for (let i = 0; i < 4; i++) await visit(gold);
  for (let i = 0; i < 2; i++) await visit(silver);
  await visit(`p13n_profile=${tamperSignature(await profileToken({ claims: { tier: "gold" } }))}`);
  await visit();
  // Counted after each response (waitUntil): poll until all eight are in.
  const until = Date.now() + 10_000;
  while ((await statsJson()).requests - before.requests < 8 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
});

afterAll(async () => {
  await browser?.close();
});

describe("p13n stats against a local run", () => {
  it("counts the requests, the personalized share, decisions by variant and the refused cookie", async () => {
    const after = await statsJson();
    expect(after.source).toBe("local");
    expect(after.requests - before.requests).toBe(8);
    expect(after.outcomes.personalized - before.outcomes.personalized).toBe(6);
    expect(after.outcomes.default - before.outcomes.default).toBe(2);
    const n = (r: StatsReport, variant: string) => r.decisions.find((d) => d.slot === "top" && d.variant === variant)?.count ?? 0;
    expect(n(after, "act-gold") - n(before, "act-gold")).toBe(4);
    expect(n(after, "act-silver") - n(before, "act-silver")).toBe(2);
    const refused = (r: StatsReport) => r.fallbacks.find((f) => f.cause === "profile_refused")?.count ?? 0;
    expect(refused(after) - refused(before)).toBe(1);
  });

  it("prints them as a table", async () => {
    const r = await p13nStats(["--since", "60m"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("from the local stand-in");
    expect(r.out).toMatch(/^\s*requests\s+\d+/m);
    expect(r.out).toMatch(/^top\s+act-gold\s+4\s+\d+\.\d%$/m);
    expect(r.out).toMatch(/^top\s+act-silver\s+2\s+\d+\.\d%$/m);
    expect(r.out).toMatch(/^profile_refused\s+\d+/m);
    expect(r.out).toMatch(/^total\s+\d+\.\d+\s+\d+\.\d+$/m);
  });

  it("refuses a period it cannot read, naming the form", async () => {
    await expect(p13nStats(["--since", "soon"])).resolves.toMatchObject({ code: 2 });
  });
});

describe("the console's Activity view", () => {
  it("shows requests, the personalized share, decisions and fallbacks", async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${workerUrl()}/__p13n/console`);
    await page.fill("#token", TEST_SECRETS.ADMIN_TOKEN);
    await page.click("#login-form button[type=submit]");
    const box = page.locator("#activity");
    await box.locator("#act-requests").waitFor();
    const after = await statsJson();
    expect(Number(await box.locator("#act-requests").textContent())).toBeGreaterThanOrEqual(after.requests - 1);
    expect(await box.locator("#act-share").textContent()).toMatch(/^\d+\.\d%$/);
    expect(await box.locator("#activity-source").textContent()).toBe("(local stand-in)");
    const gold = box.locator('table.activity-decisions tr:has(code:text-is("act-gold"))');
    expect(await gold.locator("td.num").textContent()).toBe("4");
    expect(Number(await gold.locator("meter").getAttribute("value"))).toBeGreaterThan(0);
    expect(await box.locator('table.activity-fallbacks tr:has(code:text-is("profile_refused"))').count()).toBe(1);
    // Another period reads again.
    await page.selectOption("#activity-period", "1440");
    await expect.poll(async () => Number(await box.locator("#act-requests").textContent())).toBeGreaterThanOrEqual(after.requests);
    await box.screenshot({ path: shotPath("activity.png") });
    expect(errors).toEqual([]);
    await page.close();
  });
});
