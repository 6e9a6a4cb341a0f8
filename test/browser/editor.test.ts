/**
 * An editor with no files, in Chromium, on the demo shop as `npm run dev` serves it: signs in to
 * the console, picks the shop's footer on the page as a new slot, writes a variant for gold
 * members with an uploaded image, previews the draft as a gold member, publishes it (the diff
 * shown first), sees it on the site as a gold visitor and not as an anonymous one, and rolls
 * back. Along the way: the sanitizer's warnings as they type, the rule the audience builder
 * produces, the picker's window never gets the console's token, and who did what is recorded.
 * Takes docs/editor-*.png for the README's editor's guide (written there by `npm run screenshots`).
 */

import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintProfileToken, readProfileSettings } from "../../cli/profile-token.ts";
import { solidPng } from "../fixtures/images.ts";
import { launchChromium } from "./support/chromium.ts";
import { ROOT, startDevServer, type DevServer } from "./support/dev-server.ts";
import { shotPath } from "./support/screenshots.ts";

const GOLD_LINE = "Gold members: free express shipping on every order";
/** A second editor, named, who may change the draft but not publish (ADMIN_TOKENS, given to wrangler dev as a var). */
const BOB = { name: "bob", token: "bob-edits-but-does-not-publish-01" };

/** How long the console may take to show what it did (two shared cores, a real wrangler dev): a deadline, not a measure. */
const UI = { timeout: 20_000 };

let dev: DevServer;
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
  dev = await startDevServer(["--var", `ADMIN_TOKENS:${JSON.stringify({ [BOB.name]: { role: "editor", token: BOB.token } })}`]);
});

afterAll(async () => {
  await browser?.close();
  await dev?.stop();
});

/** A visitor's browser: a gold member (signed profile cookie), or anonymous. */
async function visitor(tier?: string): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  if (tier) {
    const s = await readProfileSettings(ROOT);
    const token = await mintProfileToken({ sub: `editor-test-${tier}`, tier, ttlSeconds: 600, issuer: s.issuer, audience: s.audience, typ: s.typ }, dev.secrets.PROFILE_SECRET!);
    await context.addCookies([{ name: s.cookie, value: token, url: dev.url }]);
  }
  return context;
}

/** The footer as a visitor's browser receives it (a gold member or anonymous), optionally photographed. */
async function footerAs(tier?: string, screenshot?: string): Promise<{ variant: string | null; text: string; imageWidth: number | null }> {
  const context = await visitor(tier);
  try {
    const page = await context.newPage();
    await page.goto(`${dev.url}/`);
    const footer = page.locator("footer.site-footer");
    if (screenshot) {
      await footer.scrollIntoViewIfNeeded();
      await page.screenshot({ path: shotPath(screenshot) });
    }
    // The image as the browser decoded it (served by the worker from R2), or none.
    const imageWidth = (await footer.locator("img").count()) ? await footer.locator("img").evaluate((i) => (i as HTMLImageElement).naturalWidth) : null;
    return { variant: await footer.getAttribute("data-p13n-variant"), text: (await footer.innerText()).trim(), imageWidth };
  } finally {
    await context.close();
  }
}

async function signIn(page: Page, token = dev.secrets.ADMIN_TOKEN!, as = "admin (publisher)"): Promise<void> {
  await page.goto(`${dev.url}/__p13n/console`);
  await page.getByLabel("Admin token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect.poll(() => page.locator("#who").textContent(), UI).toContain(`Signed in as ${as}`);
}

describe("an editor with no files", () => {
  it("picks the footer as a slot, writes a variant for gold members with an image, previews, publishes, sees it, and rolls back", async () => {
    const anonymousBefore = await footerAs();
    expect(anonymousBefore.variant).toBeNull();

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await signIn(page);
    const liveBefore = (await page.locator("#live-version").textContent())!.match(/live version (\S+)\)/)![1]!;

    // 1. Pick it on the page: the site opens in a preview with the picker.
    await page.getByRole("button", { name: "Pick an element on the page" }).click();
    await page.getByRole("dialog", { name: "Pick an element on the page" }).getByLabel("Page (its path on the site)").fill("/");
    const [site] = await Promise.all([context.waitForEvent("page"), page.getByRole("button", { name: "Open the page" }).click()]);
    await site.waitForLoadState("domcontentloaded");
    // The site's window holds no copy of the console's token.
    expect(await site.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
    // Fold the preview's explanation away, so the screenshot shows the page.
    await site.getByRole("complementary", { name: "Personalization preview" }).locator("summary").click();
    const picker = site.getByRole("region", { name: "Element picker" });
    await picker.getByRole("button", { name: "Pick an element" }).click();
    await site.locator("footer.site-footer span").first().hover();
    await expect.poll(() => site.locator("[data-p13n-picker-box]").evaluate((b) => (b as HTMLElement).style.display), UI).toBe("block");
    await site.locator("footer.site-footer span").first().click();
    // The click landed on the footer's text: one step out, then another, to the footer itself.
    const selector = picker.getByLabel("Selector");
    await picker.getByRole("button", { name: "Select the enclosing element" }).click();
    await picker.getByRole("button", { name: "Select the enclosing element" }).click();
    await expect.poll(() => selector.inputValue(), UI).toBe("footer.site-footer");
    expect(await picker.getByRole("status").first().textContent()).toBe("It matches this one element.");
    expect(await picker.getByLabel("Slot name").inputValue()).toBe("site-footer");
    await site.screenshot({ path: shotPath("editor-pick.png") });
    await Promise.all([site.waitForEvent("close"), picker.getByRole("button", { name: "Use this element" }).click()]);

    // 2. The console proposes the slot from it; it goes into the draft.
    const slotDialog = page.getByRole("dialog", { name: "New slot" });
    expect(await slotDialog.getByLabel("CSS selector").inputValue()).toBe("footer.site-footer");
    await slotDialog.getByLabel("Description").fill("The shop's footer, on every page");
    await slotDialog.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.locator("#status").textContent(), UI).toContain("Saved in the draft");
    await expect.poll(() => page.locator("#draft-state").textContent(), UI).toContain("last changed by admin");

    // 3. A variant for gold members: HTML with warnings as typed, an uploaded image, the audience.
    await page.getByRole("button", { name: "New variant of site-footer" }).click();
    const editor = page.getByRole("dialog", { name: "New variant of site-footer" });
    await editor.getByLabel("Variant name").fill("gold-members");
    const html = editor.getByLabel("HTML", { exact: true });
    await html.fill(`<div class="wrap"><span onclick="steal()">${GOLD_LINE}</span></div>`);
    await expect.poll(() => editor.locator("#ve-warnings").textContent(), UI).toContain("onclick removed from <span>: event handlers are scripts");
    await html.fill(`<div class="wrap"><span>${GOLD_LINE}</span> </div>`);
    await expect.poll(() => editor.locator("#ve-warnings").textContent(), UI).toBe("Nothing will be removed when it is published.");
    // The image goes in where the cursor is: before the closing </div>.
    await html.evaluate((t) => {
      const area = t as HTMLTextAreaElement;
      area.focus();
      area.setSelectionRange(area.value.length - 6, area.value.length - 6);
    });
    await editor.getByLabel("Image description (alt text)").fill("Gold member badge");
    await editor.getByLabel("Add an image").setInputFiles({ name: "gold.png", mimeType: "image/png", buffer: Buffer.from(solidPng(96, 24, [212, 175, 55])) });
    await expect.poll(() => editor.getByRole("status").filter({ hasText: "Uploaded" }).count(), UI).toBe(1);
    expect(await html.inputValue()).toMatch(new RegExp(`^<div class="wrap"><span>${GOLD_LINE}</span> <img src="/__p13n/assets/[0-9a-f]{64}" alt="Gold member badge" width="96" height="24"></div>$`));
    const live = editor.frameLocator('iframe[title="Live rendering of this variant"]');
    await expect.poll(() => live.locator("img").evaluate((i) => (i as HTMLImageElement).naturalWidth), UI).toBe(96);
    await editor.locator(".html-editor").scrollIntoViewIfNeeded();
    await editor.screenshot({ path: shotPath("editor-variant.png") });
    await editor.getByRole("button", { name: "+ segment" }).first().click();
    await editor.getByLabel("In the segment").selectOption("gold");
    expect(await editor.locator(".rule-text").first().textContent()).toBe("Rule: segment gold");
    await editor.getByLabel("Priority").fill("10");
    await editor.locator("fieldset", { hasText: "Audience: who may see it" }).screenshot({ path: shotPath("editor-audience.png") });
    await editor.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.locator('article[aria-label="Variant gold-members"]').count(), UI).toBe(1);
    await page.locator("#draft").screenshot({ path: shotPath("editor-draft.png") });
    await page.locator('section[aria-label="Slot site-footer"]').screenshot({ path: shotPath("editor-console.png") });
    // Not live: visitors still get the shop's own footer.
    expect((await footerAs("gold")).variant).toBeNull();

    // 4. Preview the draft as a gold member.
    await page.getByRole("button", { name: "Preview as…" }).click();
    expect(await page.getByLabel("Version", { exact: true }).inputValue()).toBe("draft");
    await page.getByLabel("Tier", { exact: true }).fill("gold");
    await page.getByRole("button", { name: "Create preview link" }).click();
    const [preview] = await Promise.all([context.waitForEvent("page"), page.getByRole("link", { name: "Open the preview" }).click()]);
    await preview.waitForLoadState("load");
    const footer = preview.locator("footer.site-footer");
    expect(await footer.getAttribute("data-p13n-variant")).toBe("gold-members");
    expect(await footer.innerText()).toContain(GOLD_LINE);
    expect(await footer.locator("img").evaluate((i) => (i as HTMLImageElement).naturalWidth)).toBe(96);
    expect(await preview.getByRole("complementary", { name: "Personalization preview" }).textContent()).toContain("(not live)");
    await preview.getByRole("complementary", { name: "Personalization preview" }).locator("summary").click();
    await footer.scrollIntoViewIfNeeded();
    await preview.screenshot({ path: shotPath("editor-preview.png") });
    await preview.close();

    // 5. Publish: the changes first, then live.
    await page.getByRole("button", { name: "Publish…" }).click();
    const confirm = page.getByRole("dialog", { name: "Publish the draft?" });
    await expect.poll(() => confirm.locator("ul.changes").textContent(), UI).toContain("+ slot site-footer (1 variant: gold-members)");
    await confirm.screenshot({ path: shotPath("editor-publish.png") });
    await confirm.getByRole("button", { name: "Publish" }).click();
    await expect.poll(() => page.locator("#status").textContent(), UI).toMatch(/Published: version \S+ is live\./);
    const published = (await page.locator("#status").textContent())!.match(/version (\S+) is live/)![1]!;

    // 6. On the site: a gold member gets it, an anonymous visitor does not.
    // This isolate forgets its cached manifest on publish: the very next page has it.
    const gold = await footerAs("gold", "editor-live-gold.png");
    expect(gold.variant).toBe("gold-members");
    expect(gold.text).toContain(GOLD_LINE);
    expect(gold.imageWidth).toBe(96);
    expect(await footerAs()).toEqual(anonymousBefore);

    // 7. Roll back, one click and a confirm; the footer is the shop's own again.
    await page.getByRole("button", { name: `Roll back to version ${liveBefore}` }).click();
    const rollback = page.getByRole("dialog", { name: "Roll back?" });
    await expect.poll(() => rollback.locator("ul.changes").textContent(), UI).toContain("- slot site-footer");
    await rollback.screenshot({ path: shotPath("editor-rollback.png") });
    await rollback.getByRole("button", { name: "Roll back" }).click();
    await expect.poll(() => page.locator("#status").textContent(), UI).toContain(`version ${liveBefore} is live`);
    expect((await footerAs("gold")).variant).toBeNull();

    // Who did what: the upload, the publish and the rollback, by the token's name.
    await expect.poll(async () => (await page.locator("#audit-body tbody tr").allTextContents()).length, UI).toBeGreaterThanOrEqual(3);
    const audit = await page.locator("#audit-body tbody tr").allTextContents();
    expect(audit[0]).toMatch(new RegExp(`admin.*rolled back to ${liveBefore}`));
    expect(audit[1]).toMatch(new RegExp(`admin.*published the draft as ${published}`));
    expect(audit.some((r) => /admin.*uploaded the image/.test(r))).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("an editor who may not publish: edits the draft and previews it, with no Publish and no Roll back to press", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await signIn(page, BOB.token, "bob (editor)");
    // Bob changes the draft: a new slot, by its selector, from the console's own form.
    await page.getByRole("button", { name: "New slot…" }).click();
    const dialog = page.getByRole("dialog", { name: "New slot" });
    await dialog.getByLabel("Slot name").fill("footer-note");
    await dialog.getByLabel("CSS selector").fill("footer.site-footer");
    await dialog.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.locator("#draft-state").textContent(), UI).toContain("last changed by bob");
    // He may preview it; publishing and rolling back are a publisher's.
    expect(await page.getByRole("button", { name: "Preview as…" }).isVisible()).toBe(true);
    expect(await page.getByRole("button", { name: "Publish…" }).count()).toBe(0);
    expect(await page.locator("#history-rows tr").count()).toBeGreaterThan(1);
    expect(await page.getByRole("button", { name: /^Roll back to version/ }).count()).toBe(0);
    // The Worker refuses it too, whatever the page shows: his token cannot publish the draft.
    const draft = (await (await fetch(`${dev.url}/__p13n/admin/draft`, { headers: { authorization: `Bearer ${BOB.token}` } })).json()) as { draft: { etag: string } };
    const publish = await fetch(`${dev.url}/__p13n/admin/draft/publish`, { method: "POST", headers: { authorization: `Bearer ${BOB.token}`, "if-match": `"${draft.draft.etag}"`, "content-type": "application/json" }, body: "{}" });
    expect(publish.status).toBe(403);
    expect(errors).toEqual([]);
    await context.close();
  });
});
