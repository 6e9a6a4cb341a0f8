/**
 * GET /__p13n/decide — the same decisions as the page path, as JSON, for other
 * channels (email, app). The visitor is the request's profile cookie, or a
 * profile token in `X-P13n-Profile`; `path` and `slots` say which page and
 * slots to decide. The reasons (`explain`) are for authenticated editors only.
 */
import type { Context } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../app-env.ts";
import { decide } from "../engine/decide.ts";
import { IdSchema } from "../engine/schema.ts";
import { refuse } from "../errors.ts";
import { gatherInputs } from "../pipeline/inputs.ts";
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
    return refuse("BAD_QUERY", query.issues[0]?.message ?? "invalid query");
  }
  const now = Date.now();
  const request = c.req.raw;
  // The same inputs as the page path's (src/pipeline/inputs.ts): the same identity (a channel
  // without cookies, an email renderer or an app, passes the profile token as a header), the
  // same per-client limit on new ids, the same memory and stated preferences, within the same
  // budgets. One visitor, the same decision on every channel.
  const [inputs, editor] = await Promise.all([
    gatherInputs(
      { config, env: c.env, waitUntil: (p) => c.executionCtx.waitUntil(p) },
      {
        request,
        url: new URL(query.output.path, request.url),
        now,
        // An app's call is its page: an id is issued and memory read at once.
        isPage: Promise.resolve(true),
        profileToken: request.headers.get("x-p13n-profile") ?? undefined,
        slots: query.output.slots,
      },
    ),
    isEditor(request, config.admin),
  ]);
  const { identity, manifest } = inputs;
  const noStore: Record<string, string> = { "cache-control": "private, no-store" };
  // The same sticky id the page path would issue, so this channel's experiments stay sticky too.
  if (identity.setCookie) noStore["set-cookie"] = identity.setCookie;
  if (!manifest.manifest) return c.json({ version: null, holdout: false, decisions: [] }, 200, noStore);
  // Respect the no: NO_CONSENT_MODE "none" and no consent to track → no personalization (default content everywhere).
  if (!inputs.input) return c.json({ version: manifest.manifest.version, holdout: false, personalization: "none", decisions: [] }, 200, noStore);
  const result = decide(inputs.input);
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
