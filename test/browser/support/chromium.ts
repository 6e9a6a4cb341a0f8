/**
 * Launches Debian's Chromium headless through playwright-core. Never a
 * downloaded browser: when /usr/bin/chromium is missing, say how to get it.
 * Each launch gets a fresh, empty profile: playwright makes a new temporary
 * --user-data-dir per launch and removes it on close.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Throws a message that says what to install when the browser is missing (global setup calls it first). */
export function assertChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}. The browser tests use Debian's package: ` +
        "run `apt-get install chromium` (as root), or set CHROMIUM_PATH. CI (.ci/run) installs it.",
    );
  }
}

/**
 * @example
 * const browser = await launchChromium();
 * const page = await browser.newPage();
 */
export async function launchChromium(): Promise<Browser> {
  assertChromium();
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // This machine's network is closed: no background connections, no QUIC, no sync.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
