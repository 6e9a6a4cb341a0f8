/**
 * The content store behind `publish --local`: the local KV that `wrangler dev`
 * reads (.wrangler/state), written through `wrangler kv key … --local`.
 * The admin-API store (publishing to a deployed Worker) will implement the same
 * interface over `io.fetch`.
 *
 * @example
 * const store = localKvStore(createIo(), { cwd: process.cwd() });
 * await store.put("manifest/current", JSON.stringify(pointer));
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Io } from "./io.ts";

export interface ContentStore {
  /** Where it writes, for messages ("local KV (binding CONTENT)"). */
  readonly name: string;
  get(key: string): Promise<string | null>;
  put(key: string, value: string): Promise<void>;
}

export interface LocalKvOptions {
  cwd: string;
  /** The KV binding in wrangler.toml (default CONTENT). */
  binding?: string;
  /** Same as `wrangler dev --persist-to`, when it is used. */
  persistTo?: string;
}

/** What `wrangler kv key get --text` prints, exit code 0, for a missing key. */
const NOT_FOUND = "Value not found";

export function localKvStore(io: Io, opts: LocalKvOptions): ContentStore {
  const binding = opts.binding ?? "CONTENT";
  const common = ["--binding", binding, "--local", ...(opts.persistTo ? ["--persist-to", opts.persistTo] : [])];
  const fail = (what: string, r: { code: number; stderr: string; stdout: string }): Error =>
    new Error(`wrangler ${what} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().split("\n").slice(-5).join("\n")}`);
  return {
    name: `local KV (binding ${binding})`,
    async get(key) {
      const r = await io.wrangler(["kv", "key", "get", key, ...common, "--text"], { cwd: opts.cwd });
      if (r.code !== 0) throw fail(`kv key get ${key}`, r);
      const text = r.stdout.replace(/\n+$/, "");
      return text === NOT_FOUND ? null : text;
    },
    async put(key, value) {
      // Through a file: a manifest easily exceeds what a command line may carry.
      const dir = await mkdtemp(join(tmpdir(), "p13n-kv-"));
      try {
        const file = join(dir, "value.json");
        await writeFile(file, value);
        const r = await io.wrangler(["kv", "key", "put", key, "--path", file, ...common], { cwd: opts.cwd });
        if (r.code !== 0) throw fail(`kv key put ${key}`, r);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
