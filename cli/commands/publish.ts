/**
 * `p13n publish [dir] --local | --url https://site --token …  [--stage] [--force]`:
 * validates content/, sanitizes fragments of untrusted slots (the same sanitizer
 * the Worker runs), and publishes as a new immutable version followed by the
 * pointer flip: into wrangler dev's local KV, or through a deployed Worker's admin
 * API (which checks and sanitizes again, and flips the pointer itself).
 * `--stage` writes the version without making it live (for `p13n preview --version`).
 * Prints the version id on stdout; progress on stderr.
 */
import { parseArgs } from "node:util";
import { AdminApiError, adminClient } from "../admin-client.ts";
import { localKvStore } from "../local-kv.ts";
import { publishManifest } from "../publish.ts";
import { TARGET_OPTIONS, TARGET_USAGE, targetFrom } from "../target.ts";
import { versionKey } from "../../src/content/keys.ts";
import { sanitizeManifest } from "../../src/content/sanitize-manifest.ts";
import { versionMeta } from "../../src/content/versions.ts";
import { validateAndReport } from "./validate.ts";
import type { Command, CommandContext } from "./context.ts";

export const publishUsage = `p13n publish [content-dir] ${TARGET_USAGE} [--stage] [--force]
   publish content/ as a new version (--stage: write it without making it live)`;

const size = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`);

export const publishCommand: Command = async (argv, ctx) => {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...TARGET_OPTIONS, force: { type: "boolean" }, stage: { type: "boolean" } },
  });
  const target = targetFrom(values, process.env, { defaultLocal: false });
  const r = await validateAndReport(positionals[0] ?? "content", ctx);
  if (!r.document) return 1;

  if (target.kind === "remote") return publishRemote(ctx, r.document, target, values.stage ?? false);

  const { document } = sanitizeManifest(r.document);
  const store = localKvStore(ctx.io, { cwd: ctx.cwd, ...(target.persistTo ? { persistTo: target.persistTo } : {}) });
  if (values.stage) {
    ctx.io.printErr(`writing version ${document.version} to ${store.name} (staged, not live)…`);
    await store.put(versionKey(document.version), JSON.stringify(document), versionMeta(document));
    ctx.io.printErr(`✓ staged: preview it with p13n preview --version ${document.version}`);
    ctx.io.print(document.version);
    return 0;
  }
  const result = await publishManifest(document, store, { force: values.force ?? false, progress: (l) => ctx.io.printErr(l) });
  if (result.unchanged) {
    ctx.io.printErr(`✓ ${store.name} already serves this content`);
  } else {
    ctx.io.printErr(`✓ published to ${store.name}${result.previous ? ` (previous: ${result.previous})` : ""}`);
  }
  ctx.io.print(result.version);
  return 0;
};

async function publishRemote(ctx: CommandContext, document: Record<string, unknown> & { version: string }, target: { url: string; token: string }, stage: boolean): Promise<number> {
  const api = adminClient(ctx.io, target);
  const bytes = new TextEncoder().encode(JSON.stringify({ manifest: document, activate: !stage })).length;
  ctx.io.printErr(`uploading version ${document.version} (${size(bytes)}) to ${api.name}…`);
  try {
    const answer = await api.publish(document, { activate: !stage });
    ctx.io.printErr(`✓ uploaded and checked by the Worker${answer.written ? "" : " (this version was already there)"}`);
    for (const s of answer.sanitized) ctx.io.printErr(`  sanitized ${s.slot}/${s.variant}: ${s.message}`);
    for (const w of answer.warnings) ctx.io.printErr(`  warning ${w.path.slice(1).join(".")}: ${w.message}`);
    ctx.io.printErr(
      answer.activated
        ? `✓ live on ${api.name}${answer.previous ? ` (previous: ${answer.previous}; p13n rollback undoes it)` : ""}`
        : `✓ staged on ${api.name}, not live: p13n preview --version ${answer.version}`,
    );
    ctx.io.print(answer.version);
    return 0;
  } catch (err) {
    if (!(err instanceof AdminApiError)) throw err;
    ctx.io.printErr(`✗ ${api.name} refused the upload: ${err.code}: ${err.message}`);
    for (const i of err.issues) ctx.io.printErr(`  ${i.path.join(".")}: ${i.message}`);
    return 1;
  }
}
