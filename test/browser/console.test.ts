/**
 * The editors' console in a real browser (headless Chromium: support/chromium.ts): sign in with the admin
 * token, see slots and variants side by side (sandboxed frames), preview the site as a
 * gold visitor (overlay visible, gold variant shown), roll back with the confirm step
 * (the previous content is back on the next request). Also takes docs/console.png (written there by `npm run screenshots`).
 */

import { resolve } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_SECRETS } from "../fixtures/secrets.ts";
import { launchChromium } from "./support/chromium.ts";
import { workerUrl } from "./support/stack.ts";
import { shotPath } from "./support/screenshots.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36";
const run = Date.now();
const V1 = `console-a-${run}`;
const V2 = `console-b-${run}`;

function manifestDoc(version: string, everyone: string) {
  return {
    schema: 1,
    version,
    publishedAt: new Date().toISOString(),
    segments: { gold: { attr: "profile.tier", eq: "gold" } },
    experiments: {
      "below-pitch": {
        slots: ["below"],
        salt: "below-v1",
        holdout: 0.1,
        layer: "pitches",
        arms: [
          { id: "control", weight: 1, variants: { below: null } },
          { id: "runners", weight: 1, variants: { below: "runners" } },
        ],
      },
    },
    slots: {
      top: {
        description: "The hero at the top of the page",
        variants: [
          { id: "gold", html: '<div class="hero"><p class="eyebrow">Gold members</p><h1>Gold early access</h1><a class="btn" href="/">Shop now</a></div>', priority: 10, audience: { segment: "gold" } },
          { id: "everyone", html: `<div class="hero"><p class="eyebrow">This week</p><h1>${everyone}</h1><a class="btn" href="/">See what is new</a></div>` },
        ],
      },
      below: {
        description: "Under the fold",
        variants: [{ id: "runners", html: "<h2>Picked for runners</h2><p>Socks, vests and reflective jackets.</p>", experimentOnly: true, topics: ["running"] }],
      },
    },
  };
}

async function adminPost(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${workerUrl()}/__p13n/admin${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${TEST_SECRETS.ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`admin ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function anonymousPage(): Promise<string> {
  return (await fetch(`${workerUrl()}/`, { headers: { "user-agent": USER_AGENT } })).text();
}

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
  await adminPost("/publish", { manifest: manifestDoc(V1, "Spring collection") });
  await adminPost("/publish", { manifest: manifestDoc(V2, "Winter sale") });
});

afterAll(async () => {
  await browser?.close();
});

describe("the console", () => {
  it("signs in, previews the site as a gold visitor, and rolls back", async () => {
    const context = await browser.newContext({ userAgent: USER_AGENT, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    // Script errors, and any console asset that failed (the 401s of signing in are expected; a favicon may 404).
    page.on("console", (m) => {
      if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(m.text());
    });
    page.on("response", (r) => {
      if (new URL(r.url()).pathname.startsWith("/__p13n/console") && !r.ok()) errors.push(`${r.status()} ${r.url()}`);
    });

    const res = await page.goto(`${workerUrl()}/__p13n/console`);
    expect(res?.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(res?.headers()["x-frame-options"]).toBe("DENY");

    // Without the token it shows nothing but the sign-in form.
    await page.getByLabel("Admin token").waitFor();
    expect(await page.locator("#app").isHidden()).toBe(true);
    await page.getByLabel("Admin token").fill("wrong-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.locator("#login-error").textContent()).toContain("not accepted");

    await page.getByLabel("Admin token").fill(TEST_SECRETS.ADMIN_TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: /Slots/ }).waitFor();
    await expect.poll(() => page.locator("#live-version").textContent()).toContain(V2);

    // Variants side by side, each in a sandboxed frame.
    const frames = page.locator(".variant iframe");
    expect(await frames.count()).toBe(3);
    expect(await frames.first().getAttribute("sandbox")).toBe("");
    const gold = page.frameLocator('iframe[title="Rendered fragment of variant gold"]');
    await expect.poll(() => gold.locator("h1").textContent()).toBe("Gold early access");
    expect(await page.locator("#experiment-list").textContent()).toContain("below-pitch");
    expect(await page.locator("#history-rows tr").count()).toBeGreaterThanOrEqual(2);

    await page.screenshot({ path: shotPath("console.png"), fullPage: false });

    // Every field of "View site as…" is named by its own label (accessible names), and each label
    // sits right above its own control: the control nearest below a label is the one it names.
    const fields: Array<[string, string]> = [
      ["Tier", "va-tier"], ["Life stage", "va-stage"], ["Topics (comma-separated)", "va-topics"], ["Promotions", "va-frequency"],
      ["Attributes (key=value, comma-separated)", "va-attrs"], ["Device", "va-device"], ["Country", "va-country"], ["Time (UTC)", "va-at"],
      ["Page", "va-path"], ["Version", "va-version"], ["Force top", "va-force-top"], ["Force below", "va-force-below"],
    ];
    for (const [name, id] of fields) expect(await page.getByLabel(name, { exact: true }).getAttribute("id"), name).toBe(id);
    const boxes = await page.evaluate(() =>
      Array.from(document.querySelectorAll("#view-form label")).map((l) => {
        const own = document.getElementById(l.getAttribute("for") ?? "");
        const lb = l.getBoundingClientRect();
        const below = Array.from(document.querySelectorAll("#view-form input, #view-form select"))
          .map((c) => ({ id: c.id, r: c.getBoundingClientRect() }))
          .filter((c) => c.r.top >= lb.bottom - 1 && c.r.left < lb.right && c.r.right > lb.left)
          .sort((a, b) => a.r.top - b.r.top)[0];
        return { label: l.textContent, own: own?.id, nearest: below?.id, gap: below ? below.r.top - lb.bottom : null };
      }),
    );
    for (const b of boxes) {
      expect(b.nearest, `the control under "${b.label}"`).toBe(b.own);
      expect(b.gap!, `"${b.label}" sits right above its control`).toBeLessThan(12);
    }

    // View site as… a gold visitor: the Worker signs the link, the preview opens in a new tab.
    await page.getByLabel("Tier").fill("gold");
    await page.getByLabel("Life stage").selectOption("new");
    await page.getByRole("button", { name: "Create preview link" }).click();
    const link = page.getByRole("link", { name: "Open the preview" });
    await link.waitFor();
    const [preview] = await Promise.all([context.waitForEvent("page"), link.click()]);
    await preview.waitForLoadState("domcontentloaded");
    const overlay = preview.getByRole("complementary", { name: "Personalization preview" });
    await overlay.waitFor();
    expect(await overlay.textContent()).toContain("tier gold");
    expect(await preview.locator('[data-p13n-slot="top"] h1').textContent()).toBe("Gold early access");
    expect(new URL(preview.url()).search).toBe(""); // the token left the address bar
    // The overlay closes from the keyboard.
    await preview.locator("#p13n-preview summary").focus();
    await preview.keyboard.press("Enter");
    expect(await preview.locator("#p13n-preview details").getAttribute("open")).toBeNull();
    await preview.close();

    // Roll back to the earlier version, through the confirm step.
    expect(await anonymousPage()).toContain("Winter sale");
    await page.getByRole("button", { name: `Roll back to version ${V1}` }).click();
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Roll back" }).click();
    await expect.poll(() => page.locator("#status").textContent()).toContain(`version ${V1} is live`);
    expect(await anonymousPage()).toContain("Spring collection");
    await expect.poll(() => page.locator("#live-version").textContent()).toContain(V1);

    expect(errors).toEqual([]);
    await context.close();
  });
});
