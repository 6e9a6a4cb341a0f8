/**
 * GET /__p13n/decide — the same decisions as the page path, as JSON, for other
 * channels (email, app). The visitor is the request's profile cookie, or a
 * profile token in `X-P13n-Profile`; `path` and `slots` say which page and
 * slots to decide. The reasons (`explain`) are for authenticated editors only.
 */
import type { Context } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../app-env.ts";
import { readManifest } from "../content/manifest-store.ts";
import { requestContext } from "../context/request-context.ts";
import { decide } from "../engine/decide.ts";
import { IdSchema } from "../engine/schema.ts";
import { newVisitorGate } from "../identity/new-visitor-limit.ts";
import { resolveIdentity } from "../identity/resolve.ts";
import { readAllocation } from "../results-store/allocation-store.ts";
import { readSnapshot } from "../visitor/access.ts";
import { visitorObjectName } from "../visitor/key.ts";
import { isEditor } from "./admin-auth.ts";

const QuerySchema = v.object({
  path: v.optional(v.pipe(v.string(), v.startsWith("/", "path must start with /"), v.maxLength(2048)), "/"),
  slots: v.optional(
    v.pipe(
      v.string(),
      v.transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean)),
      v.array(IdSchema),
      v.maxLength(100),
    ),
  ),
});

export async function decideRoute(c: Context<AppEnv>): Promise<Response> {
  const config = c.get("config");
  const query = v.safeParse(QuerySchema, c.req.query());
  if (!query.success) {
    return c.json({ error: { code: "BAD_QUERY", message: query.issues[0]?.message ?? "invalid query" } }, 400);
  }
  const now = Date.now();
  // A channel without cookies (an email renderer) passes the profile token as a header.
  let request = c.req.raw;
  const token = request.headers.get("x-p13n-profile");
  if (token) {
    const headers = new Headers(request.headers);
    headers.set("cookie", `${config.profileCookie}=${token}`);
    request = new Request(request.url, { headers });
  }
  const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
  const [identity, read, editor, allocation] = await Promise.all([
    // A new id goes through the same per-client limit as the page path's.
    resolveIdentity(request, config, now, { issue: newVisitorGate(c.env.NEW_VISITORS, c.req.raw) }),
    readManifest(c.env.CONTENT, {
      ttlMs: config.manifestTtlMs,
      budgetMs: config.manifestBudgetMs,
      waitUntil: (p) => c.executionCtx.waitUntil(p),
    }),
    isEditor(c.req.raw, config.admin.adminToken),
    // The bandit's weights, as the page path uses them (explain names the weight in force).
    readAllocation(c.env.CONTENT, { ttlMs: config.manifestTtlMs, budgetMs: config.manifestBudgetMs, waitUntil }),
  ]);
  const noStore: Record<string, string> = { "cache-control": "private, no-store" };
  // The same sticky id the page path would issue, so this channel's experiments stay sticky too.
  if (identity.setCookie) noStore["set-cookie"] = identity.setCookie;
  if (!read.manifest) return c.json({ version: null, holdout: false, decisions: [] }, 200, noStore);
  // Respect the no: NO_CONSENT_MODE "none" and no consent to track → no personalization (default content everywhere).
  if (identity.privacy.mode === "none") return c.json({ version: read.manifest.version, holdout: false, personalization: "none", decisions: [] }, 200, noStore);

  const url = new URL(c.req.url);
  const context = requestContext(request, new URL(query.output.path, url));
  // The visitor's memory and stated preferences, as the page path reads them (the same budget,
  // the same fallback): one visitor, the same decision on every channel.
  const objectName = visitorObjectName(identity);
  const state =
    objectName && !identity.setCookie ? await readSnapshot(c.env.VISITOR, objectName, config.stateBudgetMs) : null;
  const snapshot = state?.snapshot ?? null;
  const result = decide({
    manifest: read.manifest,
    profile: identity.profile,
    context,
    snapshot,
    statedPrefs: snapshot?.statedPrefs ?? null,
    unitId: identity.unitId,
    consent: identity.consent,
    now,
    ...(query.output.slots ? { slots: query.output.slots } : {}),
    ...(allocation ? { allocation } : {}),
  });
  return c.json(
    {
      version: result.manifestVersion,
      holdout: result.holdout,
      profile: identity.profile ? "verified" : (identity.profileFailure ?? "absent").toLowerCase(),
      decisions: result.decisions.map((d) => ({
        slot: d.slot,
        variant: d.variant,
        html: d.html,
        ...(d.experiment ? { experiment: d.experiment } : {}),
        ...(editor ? { explain: { reasons: d.reasons, rejected: d.rejected, score: d.score } } : {}),
      })),
    },
    200,
    noStore,
  );
}
