/**
 * The console's results view in headless Chromium: an experiment whose arms got a skewed
 * share of visitors shows the sample-ratio warning before any lift, the arms' table, the SVG
 * chart of rates with intervals per arm over time, and the uplift against the global holdout.
 * Takes docs/results.png for the README (written there by `npm run screenshots`).
 */

import { join, resolve } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { TEST_SECRETS } from "../fixtures/secrets.ts";
import { launchChromium } from "./support/chromium.ts";
import { resultsSql, workerUrl } from "./support/stack.ts";
import { shotPath } from "./support/screenshots.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const run = Date.now();
const EXPERIMENT = `hero-pitch-${run}`;
/** A second experiment with too few conversions to judge. */
const THIN = `thin-${run}`;

const manifestDoc = {
  schema: 1,
  version: `results-${run}`,
  publishedAt: new Date().toISOString(),
  holdout: { share: 0.05, salt: "global-2026" },
  experiments: {
    [EXPERIMENT]: {
      slots: ["top"],
      salt: "hero-pitch-v1",
      holdout: 0.1,
      goal: "purchase",
      arms: [
        { id: "control", weight: 1, variants: { top: null } },
        { id: "bold", weight: 1, variants: { top: "bold" } },
      ],
    },
    [THIN]: {
      slots: ["side"],
      salt: "thin-v1",
      goal: "purchase",
      arms: [
        { id: "control", weight: 1, variants: { side: null } },
        { id: "loud", weight: 1, variants: { side: "loud" } },
      ],
    },
  },
  slots: { top: { variants: [{ id: "bold", html: "<h1>Bold hero</h1>", experimentOnly: true }] }, side: { variants: [{ id: "loud", html: "<p>LOUD</p>", experimentOnly: true }] } },
};

/** Seven days of aggregates as the counters would flush them: control got more visitors than its half (SRM). */
async function seed(): Promise<void> {
  const insert = `INSERT INTO aggregates (experiment, arm, goal, day, units_exposed, units_converted, impressions, clicks, conversions, value_sum, value_sum_sq, expected_units)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
  const start = Date.UTC(2026, 10, 17);
  for (let d = 0; d < 7; d++) {
    const day = new Date(start + d * 86_400_000).toISOString().slice(0, 10);
    const n = 900 + d * 40;
    const arms: Array<[string, number, number, number]> = [
      // arm, units, converted, expected units (the holdout's rate close to control's: their labels would meet)
      ["control", Math.round(n * 0.5), Math.round(n * 0.5 * 0.041), n * 0.45],
      ["bold", Math.round(n * 0.4), Math.round(n * 0.4 * 0.052), n * 0.45],
      ["holdout", Math.round(n * 0.1), Math.round(n * 0.1 * 0.0405), n * 0.1],
    ];
    for (const [arm, units, converted, expected] of arms) {
      await resultsSql(insert, [EXPERIMENT, arm, "", day, units, 0, units * 2, Math.round(units * 0.1), 0, 0, 0, expected]);
      await resultsSql(insert, [EXPERIMENT, arm, "purchase", day, 0, converted, 0, 0, converted, 0, 0, 0]);
    }
    await resultsSql(insert, ["(global)", "personalized", "", day, 9_500, 0, 0, 0, 0, 0, 0, 9_500 * 0.95]);
    await resultsSql(insert, ["(global)", "personalized", "purchase", day, 0, 430, 0, 0, 430, 0, 0, 0]);
    await resultsSql(insert, ["(global)", "holdout", "", day, 500, 0, 0, 0, 0, 0, 0, 500 * 0.05]);
    await resultsSql(insert, ["(global)", "holdout", "purchase", day, 0, 19, 0, 0, 19, 0, 0, 0]);
  }
  // Three days of a thin experiment: 40 visitors an arm, 2 conversions in one, none in the other.
  for (let d = 0; d < 3; d++) {
    const day = new Date(start + d * 86_400_000).toISOString().slice(0, 10);
    for (const [arm, converted] of [["control", d === 0 ? 2 : 0], ["loud", 0]] as const) {
      await resultsSql(insert, [THIN, arm, "", day, 40, 0, 80, 4, 0, 0, 0, 40]);
      await resultsSql(insert, [THIN, arm, "purchase", day, 0, converted, 0, 0, converted, 0, 0, 0]);
    }
  }
}

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
  const res = await fetch(`${workerUrl()}/__p13n/admin/publish`, {
    method: "POST",
    headers: { authorization: `Bearer ${TEST_SECRETS.ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ manifest: manifestDoc }),
  });
  expect(res.status).toBeLessThan(300);
  await seed();
});

afterAll(async () => {
  await browser?.close();
});

it("shows the SRM warning first, the arms, a chart of rates with intervals over time, and the holdout uplift", async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1100 } });
  const errors: string[] = [];
  // Script errors only (the 401s before signing in and a missing favicon are expected).
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${workerUrl()}/__p13n/console`);
  await page.fill("#token", TEST_SECRETS.ADMIN_TOKEN);
  await page.click("#login-form button[type=submit]");
  await page.click(`button[aria-label="Show results of ${EXPERIMENT}"]`);
  await page.waitForSelector(`#results-detail h3 code:text("${EXPERIMENT}")`);

  const detail = page.locator("#results-detail");
  // The warning comes before the table of lifts.
  const warning = detail.locator(".srm-warning");
  await expect.poll(() => warning.count()).toBe(1);
  expect(await warning.getAttribute("role")).toBe("alert");
  expect(await warning.textContent()).toMatch(/Sample ratio mismatch \(p < 0\.0001, below 0\.001\)/);
  const order = await detail.evaluate((d) => Array.from(d.children).map((c) => c.className || c.tagName.toLowerCase()));
  expect(order.indexOf("srm-warning")).toBeLessThan(order.findIndex((c) => c.startsWith("results-arms")));

  // The arms' table: rates, intervals, lift against control.
  const rows = await detail.locator("table.results-arms tbody tr").allTextContents();
  expect(rows).toHaveLength(3);
  expect(rows[1]).toMatch(/^bold/);

  // The chart: one band and one line per arm (holdout dashed), over seven days.
  const chart = detail.locator("svg.results-chart");
  await expect.poll(() => chart.count()).toBe(1);
  expect(await chart.locator("g.arm").count()).toBe(3);
  expect(await chart.locator("g.arm[data-arm=control] polyline.rate").getAttribute("points")).toMatch(/^(\S+,\S+ ){6}\S+,\S+$/);
  expect(await chart.locator("g.arm polygon.band").count()).toBe(3);
  expect(await chart.locator("g.arm[data-arm=holdout] polyline").getAttribute("stroke-dasharray")).toBe("5 4");

  // The arms' end labels never overlap, even where two rates are close.
  const labels = await chart.locator("text.label").evaluateAll((ts) => ts.map((t) => t.getBoundingClientRect()).map((r) => ({ top: r.top, bottom: r.bottom })));
  expect(labels).toHaveLength(3);
  for (let i = 0; i < labels.length; i++) for (let j = i + 1; j < labels.length; j++) {
    expect(labels[i]!.bottom <= labels[j]!.top || labels[j]!.bottom <= labels[i]!.top, `labels ${i} and ${j} overlap`).toBe(true);
  }

  // Every number in plain words: one line per arm, the comparison said in words.
  const words = await detail.locator("ul.plain-words li").allTextContents();
  expect(words).toHaveLength(2);
  expect(words[1]).toMatch(/^bold: [\d,]+ of [\d,]+ visitors reached purchase \([\d.]+%\); the true rate is likely between .* Against control: .* the chance it truly beats control is [\d.]+%\.$/);

  // Does personalization pay: against the global holdout, numbers first, then the comparison.
  expect(await detail.locator(".uplift").textContent()).toMatch(/Visitors who got personalized content: [\d,]+ of [\d,]+ converted .* Personalization vs global holdout: uplift \+\d/);

  // The list above flags it too.
  expect(await page.locator(`#results-list tr:has(code:text("${EXPERIMENT}")) .badge.warn`).textContent()).toBe("mismatch");

  await page.locator("#results").screenshot({ path: shotPath("results.png") });
  expect(errors).toEqual([]);
  await page.close();
});

it("shows no lift or probability without enough data, and says what is missing", async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1100 } });
  await page.goto(`${workerUrl()}/__p13n/console`);
  await page.fill("#token", TEST_SECRETS.ADMIN_TOKEN);
  await page.click("#login-form button[type=submit]");
  await page.click(`button[aria-label="Show results of ${THIN}"]`);
  await page.waitForSelector(`#results-detail h3 code:text("${THIN}")`);
  const detail = page.locator("#results-detail");
  const loud = (await detail.locator("table.results-arms tbody tr", { hasText: "loud" }).locator("th, td").allTextContents()).join(" ");
  expect(loud).toContain("needs 30 more conversions in loud and 28 in control");
  // Its rate and interval, and no lift, p-value or probability.
  expect(loud).toMatch(/^loud 120 0 0\.00% \[0\.00%, 3\.10%\] needs/);
  const words = await detail.locator("ul.plain-words li").allTextContents();
  expect(words[1]).toBe("loud: 0 of 120 visitors reached purchase (0.0%); the true rate is likely between 0.0% and 3.1%. Too early to compare with control: it needs 30 more conversions in loud and 28 in control.");
  await page.close();
});
