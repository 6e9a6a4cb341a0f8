/**
 * `p13n results [experiment] [--goal g] [--json] [--url https://site --token …]`: the
 * experiments (units per arm, SRM) or one experiment's results as a table, from the admin
 * API. Without --url (or P13N_URL): `npm run dev`'s worker on localhost:8787, with the admin
 * token from .dev.vars.
 */
import { parseArgs } from "node:util";
import { adminClient, apiFailed } from "../admin-client.ts";
import { listTable, reportTable } from "../results-table.ts";
import { adminApiFrom, TARGET_OPTIONS, targetFrom } from "../target.ts";
import { UsageError, type Command } from "./context.ts";

export const resultsUsage = `p13n results [experiment] [--goal name] [--json] [--port 8787 | --url https://site --token $P13N_ADMIN_TOKEN]
   experiments with units per arm and the sample-ratio check; with an id, its results table`;

export const resultsCommand: Command = async (argv, ctx) => {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...TARGET_OPTIONS, goal: { type: "string" }, json: { type: "boolean" }, port: { type: "string" } },
  });
  if (positionals.length > 1) throw new UsageError("name at most one experiment");
  const target = targetFrom(values, process.env, { defaultLocal: true });
  const remote = await adminApiFrom(values, target, ctx.cwd);
  const api = adminClient(ctx.io, remote);
  const id = positionals[0];
  try {
    if (id === undefined) {
      const { experiments } = await api.experiments();
      ctx.io.print(values.json ? JSON.stringify(experiments, null, 2) : listTable(experiments));
    } else {
      const report = await api.results(id, values.goal);
      ctx.io.print(values.json ? JSON.stringify(report, null, 2) : reportTable(report));
    }
    return 0;
  } catch (err) {
    return apiFailed(ctx.io, api.name, err);
  }
};
