/**
 * `p13n stats [--since 60m|24h|7d] [--json] [--port 8787 | --url https://site --token … |
 * --account-id ID]`: is it working, and what does it cost? Requests, the personalized share,
 * decisions by slot and variant, fallbacks by cause, budget percentiles, over a period.
 * Through the admin API (`npm run dev`'s worker by default, whose local stand-in holds the
 * counts; a deployed one reads Workers Analytics Engine), or straight from Analytics Engine's
 * SQL API with `--account-id` and CLOUDFLARE_API_TOKEN (an Account Analytics Read token).
 */
import { parseArgs } from "node:util";
import { AdminApiError, adminClient } from "../admin-client.ts";
import { statsTable } from "../stats-table.ts";
import { adminApiFrom, TARGET_OPTIONS, targetFrom } from "../target.ts";
import { analyticsEngineSource } from "../../src/observability/analytics-engine.ts";
import { MAX_MINUTES, type StatsReport } from "../../src/observability/stats.ts";
import { UsageError, type Command } from "./context.ts";

export const statsUsage = `p13n stats [--since 60m|24h|7d] [--json] [--port 8787 | --url https://site --token $P13N_ADMIN_TOKEN | --account-id ID]
   requests, personalized share, decisions by slot/variant, fallbacks by cause, budget p50/p99
   (--account-id, or CLOUDFLARE_ACCOUNT_ID: straight from Analytics Engine with CLOUDFLARE_API_TOKEN)`;

/** "90m", "24h", "7d" or a bare number of minutes → minutes. */
export function parseSince(text: string): number {
  const m = /^(\d{1,6})(m|h|d)?$/.exec(text.trim());
  if (!m) throw new UsageError(`--since must look like 60m, 24h or 7d, got '${text}'`);
  const minutes = Number(m[1]) * (m[2] === "d" ? 1440 : m[2] === "h" ? 60 : 1);
  if (minutes < 1 || minutes > MAX_MINUTES) throw new UsageError(`--since must be between 1m and ${MAX_MINUTES / 1440}d`);
  return minutes;
}

export const statsCommand: Command = async (argv, ctx) => {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...TARGET_OPTIONS, since: { type: "string" }, json: { type: "boolean" }, port: { type: "string" }, "account-id": { type: "string" } },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected '${positionals[0]}'`);
  const minutes = parseSince(values.since ?? "60m");
  const accountId = values["account-id"] ?? (values.url || values.local ? undefined : process.env.CLOUDFLARE_ACCOUNT_ID);
  let report: StatsReport;
  let where: string;
  try {
    if (accountId) {
      const token = process.env.CLOUDFLARE_API_TOKEN;
      if (!token) throw new UsageError("reading Analytics Engine needs CLOUDFLARE_API_TOKEN (a token with Account Analytics Read)");
      where = "Analytics Engine";
      report = await analyticsEngineSource({ accountId, token, fetch: ctx.io.fetch }).report(minutes, Date.now());
    } else {
      const target = targetFrom(values, process.env, { defaultLocal: true });
      const remote = await adminApiFrom(values, target, ctx.cwd);
      const api = adminClient(ctx.io, remote);
      where = api.name;
      report = await api.stats(minutes);
    }
  } catch (err) {
    if (err instanceof AdminApiError) {
      ctx.io.printErr(`✗ ${err.code}: ${err.message}`);
      return 1;
    }
    if (err instanceof UsageError) throw err;
    ctx.io.printErr(`✗ ${(err as Error).message}`);
    return 1;
  }
  ctx.io.print(values.json ? JSON.stringify(report, null, 2) : `p13n stats — ${where}\n${statsTable(report)}`);
  return 0;
};
