#!/usr/bin/env node
// `npm run token -- --tier gold --stage new`: the `p13n token` command (see cli/commands/token.ts).
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli } from "../cli/run.ts";
import { createIo } from "../cli/io.ts";

const cwd = resolve(dirname(fileURLToPath(import.meta.url)), "..");
process.exitCode = await runCli(["token", ...process.argv.slice(2)], { io: createIo(), cwd });
