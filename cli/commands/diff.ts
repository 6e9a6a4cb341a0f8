/**
 * `p13n diff [dir] [--local | --url … --token …]`: what publishing content/ would
 * change against the live version, one line per change. Exit 0 either way.
 */
import { parseArgs } from "node:util";
import { adminClient } from "../admin-client.ts";
import { diffManifests } from "../../src/content/diff.ts";
import { localKvStore } from "../local-kv.ts";
import { TARGET_OPTIONS, TARGET_USAGE, targetFrom } from "../target.ts";
import { POINTER_KEY, versionKey } from "../../src/content/keys.ts";
import { validateAndReport } from "./validate.ts";
import type { Command } from "./context.ts";

export const diffUsage = `p13n diff [content-dir] ${TARGET_USAGE}
   what publishing would change against the live version (default: local KV)`;

export const diffCommand: Command = async (argv, ctx) => {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: TARGET_OPTIONS });
  const target = targetFrom(values, process.env, { defaultLocal: true });
  const r = await validateAndReport(positionals[0] ?? "content", ctx);
  if (!r.document) return 1;
  let live: Record<string, unknown> | null = null;
  let where: string;
  if (target.kind === "remote") {
    const api = adminClient(ctx.io, target);
    where = api.name;
    live = (await api.current()).manifest;
  } else {
    const store = localKvStore(ctx.io, { cwd: ctx.cwd, ...(target.persistTo ? { persistTo: target.persistTo } : {}) });
    where = store.name;
    const pointer = await store.get(POINTER_KEY);
    const version = pointer ? (JSON.parse(pointer) as { version?: string }).version : undefined;
    const text = version ? await store.get(versionKey(version)) : null;
    live = text ? (JSON.parse(text) as Record<string, unknown>) : null;
  }
  const lines = diffManifests(live, r.document);
  const against = live ? `live version ${String(live.version)} on ${where}` : `${where} (nothing published yet)`;
  ctx.io.print(lines.length ? `${lines.length} change${lines.length === 1 ? "" : "s"} against ${against}:\n${lines.join("\n")}` : `no changes against ${against}`);
  return 0;
};
