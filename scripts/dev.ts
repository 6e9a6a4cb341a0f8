#!/usr/bin/env node
/**
 * `npm run dev`: the demo, offline, in one command ([env.dev] in wrangler.toml).
 *   1. make .dev.vars from .dev.vars.example (dev-only secrets) if it is missing;
 *   2. validate content/ and publish it to the local KV that wrangler dev reads — only when
 *      content/ changed since npm run dev last published it, when nothing is published yet, or
 *      with --republish; never over a version published another way (cli/dev/start-rule.ts);
 *   3. apply migrations/ to the local results D1 (`wrangler d1 migrations apply RESULTS --local --env dev`);
 *   4. run `wrangler dev --env dev` on port 8787 in front of the bundled demo shop (with
 *      --test-scheduled: `curl "localhost:8787/__scheduled?cron=*+*+*+*+*"` runs the bandit's minute);
 *   5. while it runs, republish content/ after each edit (atomic saves, checkouts and removals
 *      included: cli/dev/watch-folder.ts), saying which files changed and what was published.
 * Extra arguments go to wrangler dev (e.g. `npm run dev -- --port 8788`); `--no-watch` turns off step 5;
 * `--republish` forces step 2; `--persist-to DIR` keeps local state (KV, D1, Durable Objects) in DIR.
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createIo } from "../cli/io.ts";
import { ensureDevVars, DEV_VARS, DEV_VARS_EXAMPLE } from "../cli/dev-vars.ts";
import { validateAndReport } from "../cli/commands/validate.ts";
import { DEV_ENV, localKvStore } from "../cli/local-kv.ts";
import { manifestContentHash, publishManifest } from "../cli/publish.ts";
import { readRecord, recordPath, startDecision, writeRecord } from "../cli/dev/start-rule.ts";
import { watchFolder } from "../cli/dev/watch-folder.ts";
import { POINTER_KEY } from "../src/content/keys.ts";

const cwd = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const io = createIo();
const ctx = { io, cwd };
const args = process.argv.slice(2);
const noWatch = args.includes("--no-watch");
const republish = args.includes("--republish");
const wranglerArgs = args.filter((a) => a !== "--no-watch" && a !== "--republish");

if ((await ensureDevVars(cwd)) === "created") io.printErr(`created ${DEV_VARS} from ${DEV_VARS_EXAMPLE} (dev-only secrets)`);

const persistAt = wranglerArgs.indexOf("--persist-to");
const persistTo = persistAt >= 0 ? wranglerArgs[persistAt + 1] : undefined;
const store = localKvStore(io, { cwd, ...(persistTo ? { persistTo } : {}) });
const record = recordPath(cwd, persistTo);

/** The version the local KV pointer names, or null. */
async function liveVersion(): Promise<string | null> {
  try {
    const v = (JSON.parse((await store.get(POINTER_KEY)) ?? "null") as { version?: unknown } | null)?.version;
    return typeof v === "string" ? v : null;
  } catch {
    return null;
  }
}

/** Validates and publishes content/, noting it as npm run dev's own; false when it has errors (printed). */
async function publish(why: string): Promise<boolean> {
  const r = await validateAndReport("content", ctx);
  if (!r.document) return false;
  const result = await publishManifest(r.document, store, {});
  await writeRecord(record, { version: result.version, contentHash: manifestContentHash(r.document), publishedAt: new Date().toISOString() });
  const slots = Object.keys((r.document as { slots?: object }).slots ?? {}).length;
  io.printErr(`${why}: ${result.unchanged ? `content unchanged (version ${result.version})` : `published version ${result.version} (${slots} slots) to local KV`}`);
  return true;
}

// 2. Publish at start only when content/ is what should be served.
const checked = await validateAndReport("content", ctx);
if (!checked.document) {
  io.printErr("fix the content errors above, then run npm run dev again");
  process.exit(1);
}
const decision = startDecision({
  republish,
  live: await liveVersion(),
  last: await readRecord(record),
  content: { version: checked.document.version, hash: manifestContentHash(checked.document) },
});
if (decision.action === "publish") await publish(decision.reason);
else io.printErr(decision.reason);

// 3. The results store's schema, in the same local state wrangler dev will use.
const migrated = await io.wrangler(["d1", "migrations", "apply", "RESULTS", "--local", "--env", DEV_ENV, ...(persistTo ? ["--persist-to", persistTo] : [])], { cwd });
if (migrated.code !== 0) {
  io.printErr(`applying migrations/ to the local results D1 failed:\n${migrated.stderr || migrated.stdout}`);
  process.exit(1);
}

// 4. wrangler dev, the dev environment: the demo shop is bound there, and only there.
const port = wranglerArgs.includes("--port") ? [] : ["--port", "8787"];
const scheduled = wranglerArgs.includes("--test-scheduled") ? [] : ["--test-scheduled"];
const dev = io.startWrangler(["dev", "--env", DEV_ENV, ...port, ...scheduled, ...wranglerArgs], { cwd });

// Ctrl-C reaches the whole process group; forwarding also covers `kill <our pid>`.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    if (dev.child.exitCode === null && dev.child.signalCode === null) dev.child.kill(signal);
  });
}

// 5. Republish after edits settle; the Worker picks the new version up within MANIFEST_TTL_S.
const watcher = noWatch
  ? null
  : watchFolder(
      resolve(cwd, "content"),
      async (changed) => {
        const named = changed.length > 3 ? `${changed.slice(0, 3).join(", ")} and ${changed.length - 3} more` : changed.join(", ");
        try {
          if (!(await publish(`content/ changed (${named})`))) io.printErr("not published: the site keeps serving the previous version");
        } catch (e) {
          io.printErr(`republish failed: ${(e as Error).message}`);
        }
      },
      { debounceMs: 300, onError: (m) => io.printErr(`content watcher: ${m}`) },
    );

const code = await dev.exited;
watcher?.close();
process.exit(code);
