#!/usr/bin/env node
// The `p13n` executable. Node 22 runs this TypeScript directly (type stripping);
// `npm run`/`npx` put the project's Node 22 first on PATH.
import { runCli } from "./run.ts";
import { createIo } from "./io.ts";

process.exitCode = await runCli(process.argv.slice(2), { io: createIo(), cwd: process.cwd() });
