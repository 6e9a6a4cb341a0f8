/**
 * `p13n publish --local [dir] [--force]`: validates content/, then writes it to the
 * local KV that `wrangler dev` reads, as a new version followed by the pointer flip.
 * Publishing the same content again is a no-op unless --force.
 */
import { parseArgs } from "node:util";
import { validateAndReport } from "./validate.ts";
import { localKvStore } from "../local-kv.ts";
import { publishManifest } from "../publish.ts";
import { UsageError, type Command } from "./context.ts";

export const publishUsage = "p13n publish --local [content-dir] [--force] [--persist-to dir]   publish to wrangler dev's local KV";

export const publishCommand: Command = async (argv, ctx) => {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { local: { type: "boolean" }, force: { type: "boolean" }, "persist-to": { type: "string" } },
  });
  if (!values.local) {
    throw new UsageError("publishing to a deployed Worker (through its admin API) is not built yet: use --local for wrangler dev");
  }
  const r = await validateAndReport(positionals[0] ?? "content", ctx);
  if (!r.document) return 1;
  const store = localKvStore(ctx.io, { cwd: ctx.cwd, ...(values["persist-to"] ? { persistTo: values["persist-to"] } : {}) });
  const result = await publishManifest(r.document, store, { force: values.force ?? false, progress: (l) => ctx.io.printErr(l) });
  if (result.unchanged) {
    ctx.io.printErr(`✓ ${store.name} already serves this content`);
  } else {
    ctx.io.printErr(`✓ published to ${store.name}${result.previous ? ` (previous: ${result.previous})` : ""}`);
  }
  ctx.io.print(result.version);
  return 0;
};
