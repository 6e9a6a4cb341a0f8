/**
 * The `p13n` command line: picks the subcommand and turns wrong usage into a
 * short message instead of a stack trace. `p13n.ts` is the executable around it.
 *
 * @example
 * const code = await runCli(["validate", "content"], { io: createIo(), cwd: process.cwd() });
 */
import { validateCommand, validateUsage } from "./commands/validate.ts";
import { buildCommand, buildUsage } from "./commands/build.ts";
import { publishCommand, publishUsage } from "./commands/publish.ts";
import { pullCommand, pullUsage } from "./commands/pull.ts";
import { tokenCommand, tokenUsage } from "./commands/token.ts";
import { attributesCommand, attributesUsage } from "./commands/attributes.ts";
import { diffCommand, diffUsage } from "./commands/diff.ts";
import { previewCommand, previewUsage } from "./commands/preview.ts";
import { rollbackCommand, rollbackUsage, versionsCommand, versionsUsage } from "./commands/versions.ts";
import { resultsCommand, resultsUsage } from "./commands/results.ts";
import { statsCommand, statsUsage } from "./commands/stats.ts";
import { initCommand, initUsage } from "./commands/init.ts";
import { deployCommand, deployUsage } from "./commands/deploy.ts";
import { UsageError, type Command, type CommandContext } from "./commands/context.ts";

const COMMANDS: Record<string, [Command, string]> = {
  init: [initCommand, initUsage],
  deploy: [deployCommand, deployUsage],
  validate: [validateCommand, validateUsage],
  build: [buildCommand, buildUsage],
  diff: [diffCommand, diffUsage],
  publish: [publishCommand, publishUsage],
  pull: [pullCommand, pullUsage],
  versions: [versionsCommand, versionsUsage],
  rollback: [rollbackCommand, rollbackUsage],
  preview: [previewCommand, previewUsage],
  results: [resultsCommand, resultsUsage],
  stats: [statsCommand, statsUsage],
  token: [tokenCommand, tokenUsage],
  attributes: [attributesCommand, attributesUsage],
};

export const USAGE = `p13n: set up, deploy and run p13n-edge, and its content

${Object.values(COMMANDS)
  .map(([, u]) => `  ${u}`)
  .join("\n\n")}`;

export async function runCli(argv: string[], ctx: CommandContext): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    ctx.io.print(USAGE);
    return name === undefined ? 1 : 0;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    ctx.io.printErr(`unknown command '${name}'\n\n${USAGE}`);
    return 1;
  }
  const [command, usage] = entry;
  if (rest.includes("--help") || rest.includes("-h")) {
    ctx.io.print(usage);
    return 0;
  }
  try {
    return await command(rest, ctx);
  } catch (e) {
    // parseArgs throws TypeErrors with a code for unknown or malformed options.
    const code = (e as { code?: string }).code;
    if (e instanceof UsageError || (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS"))) {
      ctx.io.printErr(`p13n ${name}: ${(e as Error).message}\n\nusage: ${usage}`);
      return 2;
    }
    ctx.io.printErr(`p13n ${name} failed: ${(e as Error).message}`);
    return 1;
  }
}
