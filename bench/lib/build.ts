/**
 * Bundles workers exactly as a deploy would: `wrangler deploy --dry-run --outdir`.
 * The real worker builds from the repository's wrangler.toml; bench workers from a
 * generated minimal config (same compatibility date and flags) in bench/.out/<name>/.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import type { ModuleSpec, ModuleType } from "./capnp.ts";
import { runBounded } from "./procs.ts";

const MODULE_TYPES: Record<string, ModuleType> = {
  ".js": "esModule",
  ".mjs": "esModule",
  ".cjs": "commonJsModule",
  ".wasm": "wasm",
  ".txt": "text",
  ".html": "text",
  ".bin": "data",
  ".json": "json",
};

function wranglerBin(): string {
  // bin/ is not in wrangler's "exports"; package.json is.
  return join(dirname(createRequire(import.meta.url).resolve("wrangler/package.json")), "bin/wrangler.js");
}

/** A wrangler.toml `[[rules]]` entry: which imported files become which module type. */
export interface ModuleRule {
  type: string;
  globs: string[];
}

const RULE_TYPES: Record<string, ModuleType> = {
  Text: "text",
  Data: "data",
  CompiledWasm: "wasm",
  ESModule: "esModule",
  CommonJS: "commonJsModule",
};

/**
 * wrangler writes a module that a `[[rules]]` entry pulls in as `<sha1>-<file name>`; its type
 * comes from the rule its file name matches (a Text rule on `*.js` must not run as code).
 */
export function ruleTypeOf(file: string, rules: readonly ModuleRule[]): ModuleType | null {
  const m = /^[0-9a-f]{40}-(.+)$/.exec(file);
  if (!m) return null;
  for (const rule of rules) {
    const type = RULE_TYPES[rule.type];
    if (!type) continue;
    for (const glob of rule.globs) {
      const last = glob.split("/").pop() ?? glob;
      const re = new RegExp(`^${last.split("*").map((x) => x.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^/]*")}$`);
      if (re.test(m[1]!)) return type;
    }
  }
  return null;
}

const OFFLINE_ENV = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", CI: "1" };

/**
 * `wrangler deploy --dry-run` with `config`; returns the emitted modules, entry first.
 * `main` is the config's entry source: wrangler names the bundle after it (src/index.ts → index.js).
 */
export async function wranglerBuild(repo: string, config: string, outdir: string, main: string, rules: readonly ModuleRule[] = []): Promise<ModuleSpec[]> {
  rmSync(outdir, { recursive: true, force: true });
  await runBounded(process.execPath, [wranglerBin(), "deploy", "--dry-run", "--config", config, "--outdir", outdir], {
    cwd: repo,
    env: OFFLINE_ENV,
    timeoutMs: 180_000,
  });
  return modulesIn(outdir, `${basename(main).replace(/\.[cm]?[jt]sx?$/, "")}.js`, rules);
}

/** The modules a dry-run wrote (`entry` first; maps and README skipped). */
export function modulesIn(outdir: string, entry: string, rules: readonly ModuleRule[] = []): ModuleSpec[] {
  const files = listFiles(outdir).filter((f) => !f.endsWith(".map") && !f.endsWith("README.md"));
  const mods: ModuleSpec[] = [];
  for (const rel of files) {
    const ext = /\.[^.]+$/.exec(rel)?.[0] ?? "";
    const type = ruleTypeOf(rel.split("/").pop()!, rules) ?? MODULE_TYPES[ext];
    if (!type) continue;
    mods.push({ name: rel, type, path: join(outdir, rel) });
  }
  mods.sort((a, b) => (a.name === entry ? -1 : b.name === entry ? 1 : a.name.localeCompare(b.name)));
  if (mods[0]?.name !== entry) throw new Error(`no ${entry} in ${outdir}`);
  return mods;
}

function listFiles(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, rel));
    else out.push(rel);
  }
  return out;
}

/** Builds a bench worker (bench/workers/<entry>) with a generated config of the same date and flags. */
export async function buildBenchWorker(
  repo: string,
  name: string,
  entry: string,
  outRoot: string,
  compat: { date: string; flags: string[] },
): Promise<ModuleSpec[]> {
  const dir = join(outRoot, name);
  mkdirSync(dir, { recursive: true });
  const toml = [
    `name = ${JSON.stringify(`bench-${name}`)}`,
    `main = ${JSON.stringify(entry)}`,
    `compatibility_date = ${JSON.stringify(compat.date)}`,
    `compatibility_flags = ${JSON.stringify(compat.flags)}`,
    "",
  ].join("\n");
  const config = join(dir, "wrangler.toml");
  writeFileSync(config, toml);
  return wranglerBuild(repo, config, join(dir, "dist"), entry);
}
