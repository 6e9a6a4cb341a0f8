/**
 * The production build carries no demo shop: `wrangler deploy --dry-run --outdir` on
 * wrangler.toml's top level (what `npm run deploy` deploys) reads no assets and binds no
 * DEMO_ORIGIN, while the dev environment does (so the check can tell them apart).
 * Runs the pinned wrangler for real, offline; nothing is uploaded (--dry-run).
 */
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { OFFLINE_ENV, wranglerBin } from "../../../cli/io.ts";

const ROOT = resolve(import.meta.dirname, "../../..");

async function dryRunBuild(extra: string[]): Promise<{ code: number; output: string; bundle: string }> {
  const outdir = await mkdtemp(join(tmpdir(), "p13n-build-"));
  try {
    const child = spawn(process.execPath, [wranglerBin(), "deploy", "--dry-run", "--outdir", outdir, ...(extra.length ? extra : ["--env="])], {
      cwd: ROOT,
      env: { ...process.env, ...OFFLINE_ENV, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number>((ok) => child.on("close", (c) => ok(c ?? 1)));
    const files = await readdir(outdir);
    const bundle = (await Promise.all(files.filter((f) => f.endsWith(".js")).map((f) => readFile(join(outdir, f), "utf8")))).join("\n");
    return { code, output, bundle };
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

describe("wrangler deploy --dry-run", () => {
  it("production (the top level): no assets read, no DEMO_ORIGIN, the demo's pages nowhere in the bundle", async () => {
    const prod = await dryRunBuild([]);
    expect(prod.code, prod.output).toBe(0);
    expect(prod.output).toContain("--dry-run: exiting now.");
    expect(prod.output).not.toMatch(/assets directory/i);
    expect(prod.output).not.toContain("DEMO_ORIGIN");
    expect(prod.output).toMatch(/env\.METRICS \(p13n_metrics\)\s+Analytics Engine Dataset/);
    expect(prod.bundle.length).toBeGreaterThan(10_000);
    // The demo home page's title, and its stylesheet's path: neither is in what production ships.
    expect(prod.bundle).not.toContain("athletic wear that moves with you");
    expect(prod.bundle).not.toContain("stride.css");
  }, 120_000);

  it("the dev environment, by contrast, reads the demo shop and binds it", async () => {
    const dev = await dryRunBuild(["--env", "dev"]);
    expect(dev.code, dev.output).toBe(0);
    expect(dev.output).toMatch(/Read \d+ files from the assets directory .*demo\/site/);
    expect(dev.output).toContain("env.DEMO_ORIGIN");
  }, 120_000);
});
