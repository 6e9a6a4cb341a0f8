/**
 * `p13n pull [content-dir] [--draft | --version id] [--port 8787 | --url https://site --token …]`:
 * the live version (or the console's draft, or any version) written back to content/ as the
 * files `p13n build` compiles (cli/content/write-content.ts), so what editors did in the console
 * can be committed to git. It prints what it wrote and removed; `p13n validate` then `p13n diff`
 * show it compiles to the same content. Without --url (or P13N_URL): `npm run dev`'s worker on
 * localhost:8787 with the token from .dev.vars.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { adminClient, apiFailed } from "../admin-client.ts";
import { writeContent } from "../content/write-content.ts";
import { adminApiFrom, TARGET_OPTIONS, targetFrom } from "../target.ts";
import { UsageError, type Command } from "./context.ts";

export const pullUsage = `p13n pull [content-dir] [--draft | --version id] [--port 8787 | --url https://site --token $P13N_ADMIN_TOKEN]
   write the live version (or the console's draft, or a version) back to content/ files`;

export const pullCommand: Command = async (argv, ctx) => {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...TARGET_OPTIONS, draft: { type: "boolean" }, version: { type: "string" }, port: { type: "string" } },
  });
  if (values.draft && values.version) throw new UsageError("pull the draft or a version, not both");
  if (values.local) throw new UsageError("pull reads the Worker's admin API (the draft lives there): run npm run dev and leave out --local, or give --url");
  const target = targetFrom(values, process.env, { defaultLocal: true });
  const remote = await adminApiFrom(values, target, ctx.cwd);
  const api = adminClient(ctx.io, remote);
  const dir = positionals[0] ?? "content";
  try {
    let doc: Record<string, unknown> | null;
    let what: string;
    if (values.draft) {
      const d = await api.draft();
      if (!d.draft) {
        ctx.io.printErr(`✗ ${api.name} has no draft (the live version is ${d.live ?? "nothing"}): p13n pull without --draft takes the live one`);
        return 1;
      }
      doc = d.draft.manifest;
      what = `the draft (last changed by ${d.draft.updatedBy} at ${d.draft.updatedAt})`;
    } else {
      const v = values.version ? await api.version(values.version) : await api.current();
      doc = v.manifest;
      what = `version ${v.version ?? "?"}${values.version ? "" : " (live)"}`;
    }
    if (!doc) {
      ctx.io.printErr(`✗ nothing is published on ${api.name}`);
      return 1;
    }
    const r = await writeContent(resolve(ctx.cwd, dir), doc);
    for (const f of r.written) ctx.io.printErr(`  wrote   ${dir}/${f}`);
    for (const f of r.removed) ctx.io.printErr(`  removed ${dir}/${f}`);
    ctx.io.printErr(`✓ ${what} from ${api.name} is in ${dir}/: ${r.written.length} written, ${r.removed.length} removed, ${r.unchanged} unchanged. Review with git diff, then commit.`);
    return 0;
  } catch (err) {
    return apiFailed(ctx.io, api.name, err);
  }
};
