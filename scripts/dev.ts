#!/usr/bin/env node
/**
 * `npm run dev`: the demo, offline, in one command.
 *   1. make .dev.vars from .dev.vars.example (dev-only secrets) if it is missing;
 *   2. validate content/ and publish it to the local KV that wrangler dev reads;
 *   3. apply migrations/ to the local results D1 (`wrangler d1 migrations apply RESULTS --local`);
 *   4. run `wrangler dev` on port 8787 in front of the bundled demo shop (with --test-scheduled:
 *      `curl "localhost:8787/__scheduled?cron=*+*+*+*+*"` runs the bandit's minute);
 *   5. while it runs, republish content/ whenever a file there changes.
 * Extra arguments go to wrangler dev (e.g. `npm run dev -- --port 8788`); `--no-watch` turns off step 5;
 * `--persist-to DIR` keeps local state (KV, D1, Durable Objects) in DIR for the seeding, the migrations and wrangler dev.
 */
import { watch } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createIo } from "../cli/io.ts";
import { ensureDevVars, DEV_VARS, DEV_VARS_EXAMPLE } from "../cli/dev-vars.ts";
import { validateAndReport } from "../cli/commands/validate.ts";
import { DEV_ENV, localKvStore } from "../cli/local-kv.ts";
import { publishManifest } from "../cli/publish.ts";

const cwd = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const io = createIo();
const ctx = { io, cwd };
const args = process.argv.slice(2);
const noWatch = args.includes("--no-watch");
const wranglerArgs = args.filter((a) => a !== "--no-watch");

if ((await ensureDevVars(cwd)) === "created") io.printErr(`created ${DEV_VARS} from ${DEV_VARS_EXAMPLE} (dev-only secrets)`);

const persistAt = wranglerArgs.indexOf("--persist-to");
const persistTo = persistAt >= 0 ? wranglerArgs[persistAt + 1] : undefined;
const store = localKvStore(io, { cwd, ...(persistTo ? { persistTo } : {}) });

/** Validates and publishes content/; false when it has errors (they are printed). */
async function publish(): Promise<boolean> {
  const r = await validateAndReport("content", ctx);
  if (!r.document) return false;
  const result = await publishManifest(r.document, store, {});
  io.printErr(result.unchanged ? `content unchanged (version ${result.version})` : `published content version ${result.version} to local KV`);
  return true;
}

if (!(await publish())) {
  io.printErr("fix the content errors above, then run npm run dev again");
  process.exit(1);
}

// The results store's schema, in the same local state wrangler dev will use.
const migrated = await io.wrangler(["d1", "migrations", "apply", "RESULTS", "--local", "--env", DEV_ENV, ...(persistTo ? ["--persist-to", persistTo] : [])], { cwd });
if (migrated.code !== 0) {
  io.printErr(`applying migrations/ to the local results D1 failed:\n${migrated.stderr || migrated.stdout}`);
  process.exit(1);
}

const port = wranglerArgs.includes("--port") ? [] : ["--port", "8787"];
const scheduled = wranglerArgs.includes("--test-scheduled") ? [] : ["--test-scheduled"];
const dev = io.startWrangler(["dev", "--env", DEV_ENV, ...port, ...scheduled, ...wranglerArgs], { cwd });

// Ctrl-C reaches the whole process group; forwarding also covers `kill <our pid>`.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    if (dev.child.exitCode === null && dev.child.signalCode === null) dev.child.kill(signal);
  });
}

if (!noWatch) watchContent();

process.exit(await dev.exited);

/** Republishes after edits settle; the Worker picks the new version up within MANIFEST_TTL_S. */
function watchContent(): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = Promise.resolve();
  const watcher = watch(resolve(cwd, "content"), { recursive: true }, () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      running = running.then(async () => {
        io.printErr("content/ changed: validating and republishing…");
        try {
          if (!(await publish())) io.printErr("not published: the site keeps serving the previous version");
        } catch (e) {
          io.printErr(`republish failed: ${(e as Error).message}`);
        }
      });
    }, 300);
  });
  watcher.unref();
}
