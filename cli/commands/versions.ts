/**
 * `p13n versions [--local | --url …]` and `p13n rollback [version] [--local | --url …]`:
 * the publish history (newest first, the live one marked) and the one-command undo
 * (to the previous version, or a named one). Local KV by default.
 */
import { parseArgs } from "node:util";
import { AdminApiError, adminClient, type VersionsAnswer } from "../admin-client.ts";
import { localKvStore, type ContentStore } from "../local-kv.ts";
import { TARGET_OPTIONS, TARGET_USAGE, targetFrom, type Target } from "../target.ts";
import { listVersions, rollback, type VersionStore } from "../../src/content/versions.ts";
import { P13nError } from "../../src/errors.ts";
import type { Command, CommandContext } from "./context.ts";

export const versionsUsage = `p13n versions ${TARGET_USAGE}   the publish history, newest first`;
export const rollbackUsage = `p13n rollback [version] ${TARGET_USAGE}
   make the previous (or the named) version live again`;

function localStore(ctx: CommandContext, target: Extract<Target, { kind: "local" }>): VersionStore & { name: string } {
  const store: ContentStore = localKvStore(ctx.io, { cwd: ctx.cwd, ...(target.persistTo ? { persistTo: target.persistTo } : {}) });
  const list = store.list?.bind(store);
  if (!list) throw new Error(`${store.name} cannot list keys`);
  return { name: store.name, get: (k) => store.get(k), put: (k, v, m) => store.put(k, v, m), list };
}

export const versionsCommand: Command = async (argv, ctx) => {
  const { values } = parseArgs({ args: argv, options: TARGET_OPTIONS });
  const target = targetFrom(values, process.env, { defaultLocal: true });
  let answer: VersionsAnswer["versions"];
  let where: string;
  if (target.kind === "remote") {
    const api = adminClient(ctx.io, target);
    where = api.name;
    answer = (await api.versions()).versions;
  } else {
    const store = localStore(ctx, target);
    where = store.name;
    answer = await listVersions(store);
  }
  if (answer.length === 0) {
    ctx.io.print(`nothing published on ${where}`);
    return 0;
  }
  const rows = answer.map((v) => [v.current ? "live →" : v.previous ? "previous" : "", v.version, v.publishedAt ?? "?", v.slots === null ? "" : `${v.slots} slots, ${v.variants} variants`]);
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  ctx.io.print(rows.map((r) => `${r[0]!.padEnd(w[0]!)}  ${r[1]!.padEnd(w[1]!)}  ${r[2]!.padEnd(w[2]!)}  ${r[3]}`.trimEnd()).join("\n"));
  return 0;
};

export const rollbackCommand: Command = async (argv, ctx) => {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: TARGET_OPTIONS });
  const target = targetFrom(values, process.env, { defaultLocal: true });
  const wanted = positionals[0];
  try {
    let result: { version: string; previous: string | null | undefined };
    let where: string;
    if (target.kind === "remote") {
      const api = adminClient(ctx.io, target);
      where = api.name;
      result = await api.rollback(wanted);
    } else {
      const store = localStore(ctx, target);
      where = store.name;
      result = await rollback(store, wanted, new Date());
    }
    ctx.io.printErr(`✓ ${where} serves ${result.version} again${result.previous ? ` (was ${result.previous}; run rollback again to undo)` : ""}`);
    ctx.io.print(result.version);
    return 0;
  } catch (err) {
    if (err instanceof AdminApiError || err instanceof P13nError) {
      ctx.io.printErr(`✗ rollback refused: ${err.code}: ${err.message}`);
      return 1;
    }
    throw err;
  }
};
