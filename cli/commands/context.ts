/** What every command gets: the outside world (replaceable in tests) and the project directory. */
import type { Io } from "../io.ts";

export interface CommandContext {
  io: Io;
  /** The project root: content/, wrangler.toml and .dev.vars are looked up from here. */
  cwd: string;
}

/** A command: parses its own arguments, returns the process exit code. */
export type Command = (argv: string[], ctx: CommandContext) => Promise<number>;

/** Thrown for a wrong command line; the entry point prints it with the command's usage. */
export class UsageError extends Error {
  override name = "UsageError";
}
