/**
 * `p13n deploy` (`npm run deploy`): production in one command, safe to re-run.
 *   1. check wrangler.toml's production config (cli/deploy/checks.ts): no demo assets, no
 *      placeholder ids, an origin that is not the Worker itself, a route for the zone's origin;
 *   2. validate content/ (every error at file:line);
 *   3. publish it to the production KV namespace: the immutable version, then the pointer
 *      (nothing is written when the live version already has the same content);
 *   4. `wrangler deploy` (the top level of wrangler.toml: never the dev environment).
 * `--dry-run` runs 1 and 2 (local) and prints the rest; no Cloudflare call is made.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { POINTER_KEY, versionKey } from "../../src/content/keys.ts";
import { validateAndReport } from "./validate.ts";
import { productionChecks, readProductionConfig } from "../deploy/checks.ts";
import { deployed } from "../deploy/wrangler-output.ts";
import { localKvStore } from "../local-kv.ts";
import { publishManifest } from "../publish.ts";
import { UsageError, type Command } from "./context.ts";

export const deployUsage = `p13n deploy [--dry-run] [--skip-content]   (npm run deploy)
   checks wrangler.toml's production config, validates content/, publishes it to the production KV
   and runs wrangler deploy; --dry-run checks and prints the plan without calling Cloudflare`;

export const deployCommand: Command = async (argv, ctx) => {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { "dry-run": { type: "boolean" }, "skip-content": { type: "boolean" }, env: { type: "string" } } });
  if (positionals.length) throw new UsageError(`unexpected '${positionals[0]}'`);
  if (values.env !== undefined) throw new UsageError(`deploy publishes the production config (the top level of wrangler.toml); --env ${values.env} is for local development only`);
  const { io, cwd } = ctx;
  const dry = values["dry-run"] === true;

  io.printErr("1. checking wrangler.toml's production config…");
  const config = readProductionConfig(join(cwd, "wrangler.toml"));
  const { problems, warnings } = productionChecks(config);
  for (const w of warnings) io.printErr(`  ! ${w.code}: ${w.message}\n    fix: ${w.fix}`);
  if (problems.length) {
    for (const p of problems) io.printErr(`  ✗ ${p.code}: ${p.message}\n    fix: ${p.fix}`);
    io.printErr(`refused: ${problems.length} problem${problems.length === 1 ? "" : "s"} in wrangler.toml (nothing was published or deployed)`);
    return 1;
  }
  const routes = config.routes.map((r) => (typeof r === "string" ? r : r.pattern));
  io.printErr(`  ok: ${config.name}, ${routes.length ? `route ${routes.join(", ")}` : "no route"}, origin ${String(config.vars.ORIGIN_URL ?? "") || "the zone's own"}`);

  let plan: string[] = [];
  if (!values["skip-content"]) {
    io.printErr("2. validating content/…");
    const r = await validateAndReport("content", ctx);
    if (!r.document) {
      io.printErr("refused: content/ has errors (nothing was published or deployed)");
      return 1;
    }
    const doc = r.document;
    const slots = Object.keys((doc as { slots?: object }).slots ?? {}).length;
    if (dry) {
      plan.push(
        `3. publish content version ${doc.version} (${slots} slots) to the production KV (binding CONTENT), unless the live version has the same content:`,
        `     npx wrangler kv key get ${POINTER_KEY} --binding CONTENT --remote --env= --text`,
        `     npx wrangler kv key put ${versionKey(doc.version)} --path <manifest.json> --binding CONTENT --remote --env= --metadata <summary>`,
        `     npx wrangler kv key put ${POINTER_KEY} --path <pointer.json> --binding CONTENT --remote --env=`,
      );
    } else {
      io.printErr("3. publishing content/ to the production KV…");
      const store = localKvStore(io, { cwd, remote: true });
      const published = await publishManifest(doc, store, { progress: (l) => io.printErr(`  ${l}`) });
      io.printErr(published.unchanged ? `  content unchanged: version ${published.version} is live` : `  version ${published.version} is live (previous: ${published.previous ?? "none"})`);
    }
  }
  if (dry) {
    plan.push("4. deploy the Worker (wrangler.toml's top level; no demo assets):", "     npx wrangler deploy --env=");
    io.print(["p13n deploy --dry-run: checks passed; the plan (nothing is called, published or deployed)", "", ...plan].join("\n"));
    plan = [];
    return 0;
  }
  io.printErr("4. wrangler deploy…");
  // --env= : wrangler.toml's top level, explicitly (it has a dev environment too).
  const r = await io.wrangler(["deploy", "--env="], { cwd, online: true });
  if (r.code !== 0) {
    io.printErr(`✗ wrangler deploy failed (exit ${r.code}):\n${(r.stderr || r.stdout).trim().split("\n").slice(-12).join("\n")}`);
    return 1;
  }
  const { versionId, targets } = deployed(r.stdout);
  const host = routes[0]?.split("/")[0]?.replace(/^\*\./, "");
  io.print(
    [
      `✓ deployed ${config.name}${versionId ? ` version ${versionId}` : ""}${targets.length ? ` to ${targets.join(", ")}` : ""}`,
      ...(host ? [`  check:    curl -s https://${host}/__p13n/healthz`, `  counts:   npx p13n stats --url https://${host} --token $P13N_ADMIN_TOKEN`] : []),
      "  roll back the code: npx wrangler rollback    the content: npx p13n rollback --url … --token …",
    ].join("\n"),
  );
  return 0;
};
