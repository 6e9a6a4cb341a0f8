/**
 * `/__p13n/admin/*`, the editors' API. Every route is behind `adminGuard`
 * (not cross-site, an editor's header credential, JSON bodies only) and answers
 * JSON, errors as `{ error: { code, message, path? } }`.
 *
 * | method | path | does |
 * |---|---|---|
 * | POST | /validate | check a manifest: schema, rules, sanitizer report |
 * | POST | /publish | write a version, flip the pointer (`activate: false` stages it) |
 * | GET | /versions | every version, newest first, live and previous marked |
 * | POST | /rollback | point back at `version`, or the previous one |
 * | GET | /current | the live manifest, with a summary for the console |
 * | GET | /versions/:id | one version, live or not |
 * | POST | /preview-link | a signed, expiring preview URL |
 * | GET | /experiments | experiments with units per arm and the SRM flag |
 * | GET | /experiments/:id/results | one experiment's results (src/routes/admin/results.ts) |
 * | GET | /stats?minutes= | requests, decisions, fallbacks, budgets (src/routes/admin/stats.ts) |
 *
 * @example
 * own.route("/admin", adminApi());
 */
import { Hono } from "hono";
import type { AppEnv } from "../../app-env.ts";
import { P13nError } from "../../errors.ts";
import { currentRoute, publishRoute, rollbackRoute, validateRoute, versionsRoute } from "./content.ts";
import { adminGuard } from "./guard.ts";
import { previewLinkRoute } from "./preview-link.ts";
import { experimentResultsRoute, experimentsRoute } from "./results.ts";
import { adminError } from "./respond.ts";
import { statsRoute } from "./stats.ts";

export function adminApi(): Hono<AppEnv> {
  const admin = new Hono<AppEnv>();
  admin.use("*", adminGuard);
  admin.post("/validate", validateRoute);
  admin.post("/publish", publishRoute);
  admin.get("/versions", versionsRoute);
  admin.get("/versions/:id", currentRoute);
  admin.post("/rollback", rollbackRoute);
  admin.get("/current", currentRoute);
  admin.post("/preview-link", previewLinkRoute);
  admin.get("/experiments", experimentsRoute);
  admin.get("/experiments/:id/results", experimentResultsRoute);
  admin.get("/stats", statsRoute);
  admin.all("*", (c) => adminError(c, new P13nError("NOT_FOUND", `no ${c.req.method} ${c.req.path} in the admin API`)));
  return admin;
}
