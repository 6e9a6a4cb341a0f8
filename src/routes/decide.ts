/**
 * GET /__p13n/decide — the same decisions as the page path, as JSON, for other
 * channels (email, app). The visitor is the request's profile cookie, or a
 * profile token in `X-P13n-Profile`; `path` and `slots` say which page and
 * slots to decide; `channel` (or `X-P13n-Channel`) says which channel asks, for
 * rules on `context.channel`. The reasons (`explain`) are for authenticated editors only.
 *
 * One visitor on every channel: what it answers is recorded as served impressions in the
 * visitor's memory (after the answer, as a page's are), so a frequency cap counts the web,
 * the app and email together. Not recorded: `record=0` (or `X-P13n-Record: 0`: an email
 * preview, a test render), an editor's preview (its cookie), a visitor who does not allow
 * tracking, a just-issued anonymous id (no object until the cookie comes back), and a browser
 * sent here by another site (src/routes/cross-site.ts: a link or a redirect to this URL carries
 * the visitor's Lax cookies; it must not spend their caps on JSON they never saw as content).
 */
import type { Context } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../app-env.ts";
import { readCookie } from "../cookies.ts";
import { CHANNEL_TOKEN } from "../engine/attributes.ts";
import { decide } from "../engine/decide.ts";
import { IdSchema } from "../engine/schema.ts";
import type { DecideResult, Manifest } from "../engine/types.ts";
import { describeError, refuse } from "../errors.ts";
import { logEvent } from "../observability/log.ts";
import { gatherInputs, memoryToAsk, type Inputs } from "../pipeline/inputs.ts";
import { PREVIEW_COOKIE } from "../preview/link.ts";
import { recordEvents } from "../visitor/access.ts";
import { copyKeeper } from "../visitor/edge-copy.ts";
import { servedImpressions } from "../visitor/page-visit.ts";
import { isEditor } from "./admin-auth.ts";
import { crossSiteReason } from "./cross-site.ts";

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
  channel: v.optional(v.pipe(v.string(), v.regex(CHANNEL_TOKEN, "channel: a lower-case token of at most 16 letters, digits or '-' (app, email, …)"))),
  record: v.optional(v.picklist(["0", "1"], "record: 0 (a preview: nothing counted) or 1"), "1"),
});

/** The query, with the channel and the record switch also taken from their headers. */
function askOf(c: Context<AppEnv>): Record<string, string> {
  const query: Record<string, string> = { ...c.req.query() };
  const channel = c.req.header("x-p13n-channel");
  if (query.channel === undefined && channel !== undefined) query.channel = channel.trim();
  if (c.req.header("x-p13n-record")?.trim() === "0") query.record = "0";
  return query;
}

/** After the answer: the served variants as impressions in the visitor's memory (never on the answer's path). */
function recordServed(c: Context<AppEnv>, inputs: Inputs, result: DecideResult, manifest: Manifest, channel: string | undefined, now: number): boolean {
  const { identity, objectName, state } = inputs;
  if (!memoryToAsk(identity, objectName) || state.status === "overload") return false;
  const shown = result.decisions.filter((d): d is typeof d & { variant: string } => d.variant !== null).map((d) => ({ slot: d.slot, variant: d.variant }));
  if (shown.length === 0) return false;
  const config = c.get("config");
  // Under the visitor's own event rate (the beacon's bucket, BEACON_RATE_PER_MIN): a client that
  // calls /decide in a loop gets its answers, but writes no more than a beacon could.
  const batch = { events: servedImpressions(shown, manifest, now, channel), now, personalize: identity.consent.personalize, rate: { perMinute: config.beaconRatePerMin } };
  // The object's answer refreshes this colo's copy of the memory: the next page here counts these impressions against caps.
  const copies = copyKeeper(config, (p) => c.executionCtx.waitUntil(p));
  c.executionCtx.waitUntil(
    recordEvents(c.env.VISITOR, objectName, batch, config.stateWriteBudgetMs, copies).then((out) => {
      if (!out.ok) logEvent("error", "decide.record", "RECORD_FAILED", { status: out.status, error: describeError(out.error) });
      else if (!out.result.ok) logEvent("warn", "decide.record", out.result.code, {});
    }),
  );
  return true;
}

export async function decideRoute(c: Context<AppEnv>): Promise<Response> {
  const config = c.get("config");
  const query = v.safeParse(QuerySchema, askOf(c));
  if (!query.success) {
    return refuse("BAD_QUERY", query.issues[0]?.message ?? "invalid query");
  }
  const now = Date.now();
  const request = c.req.raw;
  const channel = query.output.channel;
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
        // The channel is what the caller says (absent when it says nothing); a page's is `web`.
        context: (base) => {
          const { channel: _page, ...rest } = base;
          return channel !== undefined ? { ...rest, channel } : rest;
        },
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
  // A preview (record=0, or an editor's preview cookie) is never counted, nor what another site made a browser ask.
  const preview = query.output.record === "0" || readCookie(request, PREVIEW_COOKIE) !== undefined;
  const recorded = !preview && crossSiteReason(request) === undefined && recordServed(c, inputs, result, manifest.manifest, channel, now);
  return c.json(answerOf(result, inputs, { channel, recorded, editor }), 200, noStore);
}

/** The JSON answer: each slot's decision (its reasons for an editor only), and what was recorded. */
function answerOf(result: DecideResult, inputs: Inputs, p: { channel: string | undefined; recorded: boolean; editor: boolean }) {
  const { identity } = inputs;
  return {
    version: result.manifestVersion,
    holdout: result.holdout,
    profile: identity.profile ? "verified" : (identity.profileFailure ?? "absent").toLowerCase(),
    ...(p.channel !== undefined ? { channel: p.channel } : {}),
    recorded: p.recorded,
    decisions: result.decisions.map((d) => ({
      slot: d.slot,
      variant: d.variant,
      html: d.html,
      ...(d.experiment ? { experiment: d.experiment } : {}),
      ...(p.editor ? { explain: { reasons: d.reasons, rejected: d.rejected, score: d.score } } : {}),
    })),
  };
}
