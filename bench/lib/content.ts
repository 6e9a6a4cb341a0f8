/**
 * The content the worker serves in the bench: a manifest (from `--manifest`, else the CLI's
 * build of the repository's content/, else the bench manifest), validated against the
 * engine's schema, and the static KV maps that hold it under src/content/keys.ts's keys.
 *
 * @example
 * const choice = await chooseManifest(opts.manifest, { repo, run, warn });
 * const kvFiles = await writeKvFiles(cfg, choice.manifest, { repo, run });
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { benchManifest, DEFAULT_SLOTS, kvEntries } from "./manifest.ts";
import { runBounded } from "./procs.ts";
import type { RepoConfig } from "./repo-config.ts";

export interface ManifestChoice {
  manifest: { version: string; slots: Record<string, unknown> };
  source: string;
}

interface Where {
  repo: string;
  run: string;
  warn: (msg: string) => void;
}

/** Null when `m` satisfies ManifestSchema, else the problems (short). */
async function validateManifest(m: unknown, where: Where): Promise<string | null> {
  try {
    const v = await import("valibot");
    const { ManifestSchema } = await import(pathToFileURL(join(where.repo, "src/engine/schema.ts")).href);
    const r = v.safeParse(ManifestSchema, m);
    return r.success ? null : JSON.stringify(v.flatten(r.issues)).slice(0, 600);
  } catch (e) {
    where.warn(`could not load src/engine/schema.ts to validate the manifest (${(e as Error).message}); serving it unvalidated`);
    return null;
  }
}

/** `node cli/p13n.ts build --out`: the repository's content/, or null (with a warning) when it fails. */
async function cliManifest(where: Where): Promise<ManifestChoice | null> {
  const cli = ["cli/p13n.ts", "cli/p13n.mjs"].map((f) => join(where.repo, f)).find((f) => existsSync(f));
  if (!cli) return null;
  const rel = cli.slice(where.repo.length + 1);
  const out = join(where.run, "manifest.cli.json");
  try {
    await runBounded(process.execPath, [cli, "build", "--out", out], { cwd: where.repo, timeoutMs: 60_000 });
    const m = JSON.parse(readFileSync(out, "utf8"));
    const problem = await validateManifest(m, where);
    if (!problem) return { manifest: m, source: `${rel} build` };
    where.warn(`the CLI's manifest fails ManifestSchema (${problem}); using the bench manifest`);
  } catch (e) {
    where.warn(`\`node ${rel} build --out\` failed (${(e as Error).message.split("\n")[0]}); using the bench manifest`);
  }
  return null;
}

export async function chooseManifest(file: string | null, where: Where): Promise<ManifestChoice> {
  if (file) {
    const m = JSON.parse(readFileSync(resolve(file), "utf8"));
    const problem = await validateManifest(m, where);
    if (problem) throw new Error(`--manifest ${file} fails ManifestSchema: ${problem}`);
    return { manifest: m, source: file };
  }
  const fromCli = await cliManifest(where);
  if (fromCli) return fromCli;
  const m = benchManifest(DEFAULT_SLOTS, new Date().toISOString().replace(/\.\d+Z$/, "Z")) as ManifestChoice["manifest"];
  const problem = await validateManifest(m, where);
  if (problem) where.warn(`the bench manifest fails ManifestSchema: ${problem}`);
  return { manifest: m, source: "bench (bench/lib/manifest.ts)" };
}

/** One JSON map per KV binding (CONTENT holds the published manifest; the others are empty); their paths. */
export async function writeKvFiles(cfg: RepoConfig, manifest: ManifestChoice["manifest"], where: Omit<Where, "warn">): Promise<Record<string, string>> {
  const { POINTER_KEY, versionKey } = (await import(pathToFileURL(join(where.repo, "src/content/keys.ts")).href)) as {
    POINTER_KEY: string;
    versionKey(v: string): string;
  };
  const now = new Date().toISOString();
  const dir = join(where.run, "kv");
  mkdirSync(dir, { recursive: true });
  const files: Record<string, string> = {};
  for (const kv of cfg.kv_namespaces ?? []) {
    const data = kv.binding === "CONTENT" ? kvEntries(manifest, POINTER_KEY, versionKey, now) : {};
    files[kv.binding] = join(dir, `${kv.binding}.json`);
    writeFileSync(files[kv.binding]!, JSON.stringify(data));
  }
  return files;
}
