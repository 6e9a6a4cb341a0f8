/**
 * `p13n validate [dir]`: checks content/ the way publishing would; lists every
 * problem as file:line:column field — what — how to fix. Exit 1 on errors.
 */
import { parseArgs } from "node:util";
import { validateContent, type ValidationResult } from "../content/validate.ts";
import { formatProblem } from "../content/problem.ts";
import type { Command, CommandContext } from "./context.ts";

export const validateUsage = "p13n validate [content-dir]   check the content files (default: ./content)";

export const validateCommand: Command = async (argv, ctx) => {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
  const r = await validateAndReport(positionals[0] ?? "content", ctx);
  if (r.manifest) {
    const m = r.manifest;
    const variants = Object.values(m.slots).reduce((n, s) => n + s.variants.length, 0);
    ctx.io.print(
      `✓ content valid: ${count(Object.keys(m.slots).length, "slot")}, ${count(variants, "variant")}, ` +
        `${count(Object.keys(m.segments ?? {}).length, "segment")}, ${count(Object.keys(m.experiments ?? {}).length, "experiment")} ` +
        `(${r.files} files, content ${r.hash.slice(0, 8)})`,
    );
  }
  return r.manifest ? 0 : 1;
};

/** Validates and prints problems to stderr; shared by build and publish. */
export async function validateAndReport(dir: string, ctx: CommandContext, now?: Date): Promise<ValidationResult> {
  const r = await validateContent(dir, { cwd: ctx.cwd, ...(now ? { now } : {}) });
  for (const p of r.problems) ctx.io.printErr(formatProblem(p));
  const errors = r.problems.filter((p) => p.severity === "error").length;
  const warnings = r.problems.length - errors;
  if (errors) ctx.io.printErr(`✗ ${count(errors, "error")}${warnings ? `, ${count(warnings, "warning")}` : ""}: nothing was built or published`);
  return r;
}

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
