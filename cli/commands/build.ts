/**
 * `p13n build [dir] [--out file]`: validates content/ and prints the manifest JSON
 * exactly as `publish` would store it (or writes it to a file).
 */
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { validateAndReport } from "./validate.ts";
import type { Command } from "./context.ts";

export const buildUsage = "p13n build [content-dir] [--out file]   print (or write) the manifest JSON";

export const buildCommand: Command = async (argv, ctx) => {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { out: { type: "string", short: "o" } } });
  const r = await validateAndReport(positionals[0] ?? "content", ctx);
  if (!r.document) return 1;
  const json = `${JSON.stringify(r.document, null, 2)}\n`;
  if (values.out) {
    await writeFile(resolve(ctx.cwd, values.out), json);
    ctx.io.printErr(`wrote ${values.out} (version ${r.document.version})`);
  } else {
    ctx.io.print(json);
  }
  return 0;
};
