/**
 * The repository's wrangler.toml as the bench needs it, read with wrangler's own reader
 * (so `[env]` handling, defaults and validation are wrangler's), and the per-run secrets.
 *
 * @example
 * const cfg = await readRepoConfig(REPO);
 * const secrets = benchSecrets(cfg); // random per run: PROFILE_SECRET, VISITOR_SECRET, …
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";

export interface RepoConfig {
  compatibility_date?: string;
  compatibility_flags?: string[];
  vars?: Record<string, unknown>;
  kv_namespaces?: { binding: string }[];
  durable_objects?: { bindings?: { name: string; class_name: string; script_name?: string }[] };
  migrations?: { new_sqlite_classes?: string[]; new_classes?: string[] }[];
  secrets?: { required?: string[] };
  assets?: { binding?: string };
  ratelimits?: { name: string }[];
  main?: string;
  rules?: unknown[];
  [key: string]: unknown;
}

export interface Secrets {
  [name: string]: string;
}

export async function readRepoConfig(repo: string): Promise<RepoConfig> {
  const { unstable_readConfig } = (await import("wrangler")) as unknown as {
    unstable_readConfig(args: { config: string }): RepoConfig;
  };
  return unstable_readConfig({ config: join(repo, "wrangler.toml") });
}

/** Random values for every secret the worker reads (never the developer's own). */
export function benchSecrets(cfg: RepoConfig): Secrets {
  const secrets: Secrets = {};
  for (const name of new Set(["PROFILE_SECRET", "VISITOR_SECRET", "ADMIN_TOKEN", ...(cfg.secrets?.required ?? [])])) {
    secrets[name] = randomBytes(32).toString("hex");
  }
  return secrets;
}

export function compatOf(cfg: RepoConfig): { date: string; flags: string[] } {
  return { date: cfg.compatibility_date ?? "2026-01-01", flags: cfg.compatibility_flags ?? [] };
}
