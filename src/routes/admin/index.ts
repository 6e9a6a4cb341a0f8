/**
 * `/__p13n/admin/*`, the editors' API. Every route is behind `adminGuard`
 * (not cross-site, an editor's header credential, the host rule, JSON bodies only) and answers
 * JSON, errors as `{ error: { code, message, path? } }`. Roles (src/editors/editor.ts): an
 * `editor` reads, edits the draft, previews and uploads; a `publisher` also publishes, rolls
 * back and changes trusted slots.
 *
 * | method | path | does |
 * |---|---|---|
 * | GET | /whoami | the signed-in editor, their role and what it may do |
 * | POST | /validate | check a manifest: schema, rules, sanitizer report |
 * | POST | /publish | write a version, flip the pointer (`activate: false` stages it); publishers; recorded |
 * | GET | /versions | every version, newest first, live and previous marked |
 * | GET | /versions/:id/diff | what making that version live would change |
 * | POST | /rollback | point back at `version`, or the previous one; publishers; recorded |
 * | GET | /current | the live manifest, with a summary for the console |
 * | GET | /versions/:id | one version, live or not |
 * | GET PUT DELETE | /draft | the shared draft, changed on a version precondition (src/routes/admin/draft.ts) |
 * | GET | /draft/diff | the draft against the live version |
 * | POST | /draft/publish | the draft goes live; publishers; recorded |
 * | POST | /preview-link | a signed, expiring preview URL (of the draft with `draft: true`) |
 * | POST GET | /assets | upload an image (recorded) / the newest ones (src/routes/admin/assets.ts) |
 * | GET | /audit | who published, rolled back, uploaded or discarded what |
 * | GET | /attributes | the attributes and operators a rule may use |
 * | POST | /sanitize | one fragment through the sanitizer (the console's warnings as the editor types) |
 * | GET | /experiments | experiments with units per arm and the SRM flag |
 * | GET | /experiments/:id/results | one experiment's results (src/routes/admin/results.ts) |
 * | GET | /stats?minutes= | requests, decisions, fallbacks, budgets (src/routes/admin/stats.ts) |
 * | GET | /performance?minutes= | impressions, clicks, conversions per slot and variant (src/routes/admin/performance.ts) |
 *
 * @example
 * own.route("/admin", adminApi());
 */
import { Hono } from "hono";
import type { AppEnv } from "../../app-env.ts";
import { P13nError } from "../../errors.ts";
import { listAssetsRoute, uploadAssetRoute } from "./assets.ts";
import { currentRoute, publishRoute, rollbackRoute, validateRoute, versionDiffRoute, versionsRoute } from "./content.ts";
import { discardDraftRoute, draftDiffRoute, getDraftRoute, publishDraftRoute, putDraftRoute } from "./draft.ts";
import { attributesRoute, auditRoute, sanitizeRoute, whoamiRoute } from "./editors.ts";
import { adminGuard, requireRole } from "./guard.ts";
import { performanceRoute } from "./performance.ts";
import { previewLinkRoute } from "./preview-link.ts";
import { experimentResultsRoute, experimentsRoute } from "./results.ts";
import { adminError } from "./respond.ts";
import { statsRoute } from "./stats.ts";

export function adminApi(): Hono<AppEnv> {
  const admin = new Hono<AppEnv>();
  admin.use("*", adminGuard);
  admin.get("/whoami", whoamiRoute);
  admin.post("/validate", validateRoute);
  admin.post("/publish", requireRole("publish"), publishRoute);
  admin.get("/versions", versionsRoute);
  admin.get("/versions/:id/diff", versionDiffRoute);
  admin.get("/versions/:id", currentRoute);
  admin.post("/rollback", requireRole("rollback"), rollbackRoute);
  admin.get("/current", currentRoute);
  admin.get("/draft", getDraftRoute);
  admin.put("/draft", requireRole("draft"), putDraftRoute);
  admin.delete("/draft", requireRole("draft"), discardDraftRoute);
  admin.get("/draft/diff", draftDiffRoute);
  admin.post("/draft/publish", requireRole("publish"), publishDraftRoute);
  admin.post("/preview-link", requireRole("preview"), previewLinkRoute);
  admin.post("/assets", requireRole("upload"), uploadAssetRoute);
  admin.get("/assets", listAssetsRoute);
  admin.get("/audit", auditRoute);
  admin.get("/attributes", attributesRoute);
  admin.post("/sanitize", sanitizeRoute);
  admin.get("/experiments", experimentsRoute);
  admin.get("/experiments/:id/results", experimentResultsRoute);
  admin.get("/stats", statsRoute);
  admin.get("/performance", performanceRoute);
  admin.all("*", (c) => adminError(c, new P13nError("NOT_FOUND", `no ${c.req.method} ${c.req.path} in the admin API`)));
  return admin;
}
