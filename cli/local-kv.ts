/**
 * The content store behind `publish --local`: the local KV that `wrangler dev`
 * reads (.wrangler/state), written through `wrangler kv key … --local`.
 * Publishing to a deployed Worker goes through its admin API instead
 * (cli/admin-client.ts): the worker validates, sanitizes and flips the pointer itself.
 *
 * @example
 * const store = localKvStore(createIo(), { cwd: process.cwd() });
 * await store.put("manifest/current", JSON.stringify(pointer));
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Io } from "./io.ts";
import type { VersionMeta } from "../src/content/versions.ts";

export interface ContentStore {
  /** Where it writes, for messages ("local KV (binding CONTENT)"). */
  readonly name: string;
  get(key: string): Promise<string | null>;
  /** `metadata` is kept beside the key (KV metadata), so listing versions reads no values. */
  put(key: string, value: string, metadata?: VersionMeta): Promise<void>;
  /** Keys under a prefix with their metadata (for `versions` and `rollback`). */
  list?(prefix: string): Promise<Array<{ name: string; metadata?: unknown }>>;
}

/**
 * The wrangler.toml environment local development runs (`wrangler dev --env dev`): its
 * KV, D1 and Durable Objects are local and keyed by its own ids, so every local command
 * names it, or it would read and write the production bindings' local copies instead.
 */
export const DEV_ENV = "dev";

export interface LocalKvOptions {
  cwd: string;
  /** The KV binding in wrangler.toml (default CONTENT). */
  binding?: string;
  /** Same as `wrangler dev --persist-to`, when it is used. */
  persistTo?: string;
  /**
   * The production namespace on Cloudflare (`--remote`, the top-level binding of wrangler.toml:
   * what `npm run deploy` publishes to) instead of wrangler dev's local copy.
   */
  remote?: boolean;
}

/** What `wrangler kv key get --text` prints, exit code 0, for a missing key. */
const NOT_FOUND = "Value not found";

export function localKvStore(io: Io, opts: LocalKvOptions): ContentStore {
  const binding = opts.binding ?? "CONTENT";
  const common = opts.remote
    ? ["--binding", binding, "--remote", "--env="]
    : ["--binding", binding, "--local", "--env", DEV_ENV, ...(opts.persistTo ? ["--persist-to", opts.persistTo] : [])];
  const run = { cwd: opts.cwd, ...(opts.remote ? { online: true } : {}) };
  const fail = (what: string, r: { code: number; stderr: string; stdout: string }): Error =>
    new Error(`wrangler ${what} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().split("\n").slice(-5).join("\n")}`);
  return {
    name: opts.remote ? `Workers KV (binding ${binding})` : `local KV (binding ${binding})`,
    async get(key) {
      const r = await io.wrangler(["kv", "key", "get", key, ...common, "--text"], run);
      if (r.code !== 0) throw fail(`kv key get ${key}`, r);
      const text = r.stdout.replace(/\n+$/, "");
      return text === NOT_FOUND ? null : text;
    },
    async list(prefix) {
      const r = await io.wrangler(["kv", "key", "list", "--prefix", prefix, ...common], run);
      if (r.code !== 0) throw fail(`kv key list ${prefix}`, r);
      const start = r.stdout.indexOf("[");
      const parsed = JSON.parse(start >= 0 ? r.stdout.slice(start) : "[]") as Array<{ name: string; metadata?: unknown }>;
      return parsed.map((k) => (k.metadata === undefined ? { name: k.name } : { name: k.name, metadata: k.metadata }));
    },
    async put(key, value, metadata) {
      // Through a file: a manifest easily exceeds what a command line may carry.
      const dir = await mkdtemp(join(tmpdir(), "p13n-kv-"));
      try {
        const file = join(dir, "value.json");
        await writeFile(file, value);
        const meta = metadata ? ["--metadata", JSON.stringify(metadata)] : [];
        const r = await io.wrangler(["kv", "key", "put", key, "--path", file, ...common, ...meta], run);
        if (r.code !== 0) throw fail(`kv key put ${key}`, r);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
