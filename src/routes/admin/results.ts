/**
 * The experiment results, for editors (behind the admin guard like every admin route):
 *
 * | method | path | answer |
 * |---|---|---|
 * | GET | /experiments | `{ experiments: [{ id, status, bandit, goal, units, srm }], holdoutUplift }` |
 * | GET | /experiments/:id/results?goal= | the full report (src/results/report.ts): SRM first, arms with rates, intervals, lift, p-value, probability to beat control, holdout uplift, a daily series |
 *
 * The numbers are as of the counters' last flush into D1 (at most FLUSH_INTERVAL_MS behind).
 *
 * @example
 * admin.get("/experiments/:id/results", experimentResultsRoute);
 */
import type { Context } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../../app-env.ts";
import { IdSchema } from "../../engine/schema.ts";
import { P13nError } from "../../errors.ts";
import { readRows, type StoredRow } from "../../results-store/d1-store.ts";
import { liveManifest } from "../../results-store/live-manifest.ts";
import { experimentReport, globalUplift, listExperiments } from "../../results/report.ts";
import { GLOBAL_EXPERIMENT } from "../../results/tally.ts";
import { ADMIN_HEADERS, adminError } from "./respond.ts";

const GoalSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, "not a goal name"));

/** D1 read; its failure is the editor's 503, not a 500 (the site itself is unaffected). */
async function rows(db: D1Database | undefined, experiment?: string): Promise<StoredRow[]> {
  if (!db) throw new P13nError("RESULTS_UNAVAILABLE", "no RESULTS (D1) binding: see README \"Results\"");
  try {
    return await readRows(db, experiment);
  } catch (err) {
    throw new P13nError("RESULTS_UNAVAILABLE", "the results store (D1) did not answer; try again", { cause: err });
  }
}

/** GET /experiments */
export async function experimentsRoute(c: Context<AppEnv>): Promise<Response> {
  try {
    const [all, manifest] = await Promise.all([rows(c.env.RESULTS), liveManifest(c.env.CONTENT)]);
    const global = all.filter((r) => r.experiment === GLOBAL_EXPERIMENT);
    const experiments = listExperiments(all, manifest);
    // The global holdout is judged on the first declared goal of an experiment, if any.
    const goal = experiments.find((x) => x.goal !== null)?.goal ?? null;
    const uplift = goal === null ? null : globalUplift(global, manifest, goal);
    return c.json({ experiments, holdoutUplift: uplift }, 200, ADMIN_HEADERS);
  } catch (err) {
    return adminError(c, err);
  }
}

/** GET /experiments/:id/results */
export async function experimentResultsRoute(c: Context<AppEnv>): Promise<Response> {
  try {
    const id = c.req.param("id");
    if (!v.is(IdSchema, id)) throw new P13nError("BAD_REQUEST", "not an experiment id", { path: ["experiment"] });
    const goal = c.req.query("goal");
    if (goal !== undefined && !v.is(GoalSchema, goal)) throw new P13nError("BAD_REQUEST", "not a goal name", { path: ["goal"] });
    const [own, global, manifest] = await Promise.all([rows(c.env.RESULTS, id), rows(c.env.RESULTS, GLOBAL_EXPERIMENT), liveManifest(c.env.CONTENT)]);
    const known = own.length > 0 || Object.hasOwn(manifest?.experiments ?? {}, id);
    if (!known) throw new P13nError("EXPERIMENT_NOT_FOUND", `no experiment ${id} in the live manifest or the results`);
    return c.json(experimentReport(id, own, global, manifest, goal !== undefined ? { goal } : {}), 200, ADMIN_HEADERS);
  } catch (err) {
    return adminError(c, err);
  }
}
