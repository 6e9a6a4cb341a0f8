/**
 * Which Chromium the browser tests drive, and how to launch it headless through
 * playwright-core. In order:
 *   1. `CHROMIUM_PATH`, when set (it must exist: a wrong path is an error, not a fallback);
 *   2. the system's Chromium at /usr/bin/chromium (Debian's package), when it is there;
 *   3. the headless Chromium that `npm install` brings inside the `@sparticuz/chromium`
 *      package (decompressed into the temp folder at first use, with the NSS/expat
 *      libraries it ships, so it needs nothing from the system but libc).
 * `P13N_CHROMIUM=bundled` skips 1 and 2 (how CI and a developer check the fallback on a
 * machine that has a system browser); `P13N_CHROMIUM=system` refuses the fallback.
 * The global setup resolves it once (the first decompression must not race between test
 * files) and hands it to the tests with `inject("chromium")`.
 * Each launch gets a fresh, empty profile: playwright makes a new temporary
 * --user-data-dir per launch and removes it on close.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { inject } from "vitest";

export const SYSTEM_CHROMIUM = "/usr/bin/chromium";

export interface ChromiumChoice {
  /** Where it came from, for the test log. */
  source: "CHROMIUM_PATH" | "system" | "bundled";
  executablePath: string;
  args: string[];
  /** Extra environment for the browser process (the bundled one's libraries). */
  env: Record<string, string>;
}

// This machine's network is closed: no background connections, no QUIC, no sync.
const OFFLINE_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * @sparticuz/chromium's recommended flags, minus those that switch off web security (the
 * tests check what a real browser enforces: CSP, sandboxed frames, same-origin requests), and
 * minus its one-process mode (needed on AWS Lambda only): there, closing one browser context
 * closes the whole browser, and the tests open several per browser.
 */
const LEFT_OUT = /^--(disable-web-security|allow-running-insecure-content|disable-site-isolation-trials|single-process|no-zygote)$/;

async function bundled(): Promise<ChromiumChoice> {
  const { default: Sparticuz, inflate } = await import("@sparticuz/chromium");
  Sparticuz.setGraphicsMode = false;
  const executablePath = await Sparticuz.executablePath();
  // The NSS, NSPR and expat libraries the binary links against, shipped beside it: with
  // them on the library path it runs on a machine that has no browser packages at all.
  const bin = join(dirname(createRequire(import.meta.url).resolve("@sparticuz/chromium")), "..", "bin");
  const libs = join(await inflate(join(bin, "al2023.tar.br")), "lib");
  const env: Record<string, string> = { LD_LIBRARY_PATH: [libs, process.env.LD_LIBRARY_PATH].filter(Boolean).join(":") };
  // Without a system fontconfig, the fonts the package ships.
  if (!existsSync("/etc/fonts/fonts.conf")) env.FONTCONFIG_PATH = join(dirname(executablePath), "fonts");
  const args = [...Sparticuz.args.filter((a) => !LEFT_OUT.test(a)), ...OFFLINE_ARGS];
  return { source: "bundled", executablePath, args, env };
}

/**
 * Picks the browser (see the file comment). Decompresses the bundled one when it is chosen.
 *
 * @example
 * const choice = await resolveChromium(process.env); // { source: "system", executablePath: "/usr/bin/chromium", … }
 */
export async function resolveChromium(env: Record<string, string | undefined> = process.env): Promise<ChromiumChoice> {
  const mode = env.P13N_CHROMIUM ?? "auto";
  if (!["auto", "system", "bundled"].includes(mode)) throw new Error(`P13N_CHROMIUM must be auto, system or bundled, got '${mode}'`);
  if (mode !== "bundled") {
    if (env.CHROMIUM_PATH) {
      if (!existsSync(env.CHROMIUM_PATH)) throw new Error(`CHROMIUM_PATH=${env.CHROMIUM_PATH} does not exist: fix it, or unset it to use ${SYSTEM_CHROMIUM} or the bundled Chromium`);
      return { source: "CHROMIUM_PATH", executablePath: env.CHROMIUM_PATH, args: OFFLINE_ARGS, env: {} };
    }
    if (existsSync(SYSTEM_CHROMIUM)) return { source: "system", executablePath: SYSTEM_CHROMIUM, args: OFFLINE_ARGS, env: {} };
    if (mode === "system") throw new Error(`P13N_CHROMIUM=system but ${SYSTEM_CHROMIUM} is missing (apt-get install chromium, or set CHROMIUM_PATH)`);
  }
  try {
    return await bundled();
  } catch (err) {
    throw new Error(
      `the bundled Chromium (@sparticuz/chromium) did not start: ${(err as Error).message}. ` +
        "Run `npm install` again; a half-written /tmp/chromium from an interrupted first run can be deleted.",
    );
  }
}

/**
 * Launches the browser the global setup chose.
 *
 * @example
 * const browser = await launchChromium();
 * const page = await browser.newPage();
 */
export async function launchChromium(): Promise<Browser> {
  const choice = JSON.parse(inject("chromium")) as ChromiumChoice;
  return chromium.launch({
    executablePath: choice.executablePath,
    headless: true,
    args: choice.args,
    env: { ...process.env, ...choice.env } as Record<string, string>,
  });
}
