/**
 * The page path, as numbered steps (DESIGN.md "Shape of the code"):
 *   1. forward the request to the origin at once (unless a page template the origin's own
 *      Cache-Control says is still fresh answers: src/template/);
 *   2. in parallel, only for a request that can become a page (src/proxy/page-request.ts): who
 *      is asking (profile, visitor id), what the request says, the manifest, and their memory
 *      (one snapshot call, within STATE_BUDGET_MS): for a navigation as soon as the visitor is
 *      known, for any other request once the origin's headers say HTML;
 *   3. wait for the origin's headers; anything not safe to rewrite passes through untouched;
 *   4. decide, purely, what fills each slot (without the memory when it missed its budget);
 *   5. stream the page through the slot rewriter, or splice it from the template (and the
 *      client script tag before </body>);
 *   6. mark it private (a page left as it was, while a manifest is published: no validators, so no
 *      later visit revalidates into it), and show the budget in Server-Timing;
 *   7. after the last byte: record the page view and served impressions (one call, waitUntil).
 * Anything that fails in 2–5 degrades to the origin's page, untouched.
 */
import type { Context } from "hono";
import type { AppEnv } from "./app-env.ts";
import type { Config } from "./config/config.ts";
import { readManifest, type ManifestRead } from "./content/manifest-store.ts";
import { pageRequest, type PageRequest } from "./proxy/page-request.ts";
import { requestContext } from "./context/request-context.ts";
import { decide, statedPrefs } from "./engine/decide.ts";
import type { DecideResult } from "./engine/types.ts";
import { describeError } from "./errors.ts";
import { newVisitorGate } from "./identity/new-visitor-limit.ts";
import { resolveIdentity, type Identity } from "./identity/resolve.ts";
import { originFetchFor, originRequest } from "./proxy/origin.ts";
import { misconfiguredOriginPage, originProblem } from "./proxy/origin-guard.ts";
import { scriptNonce } from "./proxy/csp-nonce.ts";
import { markPersonalized, markUnpersonalizedPage, originErrorPage, passThrough } from "./proxy/responses.ts";
import { passThroughReason } from "./proxy/rewritable.ts";
import type { PageMeta } from "./rewrite/page-meta.ts";
import { previewRoute } from "./preview/page.ts";
import type { RewriteReport, SlotRender } from "./rewrite/slot-rewriter.ts";
import { clientScriptTag } from "./client/tag.ts";
import { PageTemplates } from "./template/page-templates.ts";
import { withinBudget } from "./timing.ts";
import { observe, pageTiming } from "./observability/metrics.ts";
import { readSnapshot, type StateRead } from "./visitor/access.ts";
import { recordPageAfter, type RecordContext } from "./visitor/record-page.ts";
import { visitorObjectName } from "./visitor/key.ts";
import { pageTopicsFromManifest } from "./content/page-topics.ts";
import { plainReasons } from "./privacy/plain-reasons.ts";
import type { LastPage } from "./visitor/disclosure.ts";
import { readAllocation } from "./results-store/allocation-store.ts";
import { logEvent } from "./observability/log.ts";

interface Inputs {
  identity: Identity;
  identityMs: number;
  manifest: ManifestRead;
  /** The bandit's published weights (src/results/), or undefined: the manifest's weights apply. */
  allocation: Record<string, Record<string, number>> | undefined;
  /** The visitor's object, when remembering is allowed; null: nothing is read or written. */
  objectName: string | null;
  state: StateRead;
}

const NO_STATE: StateRead = { snapshot: null, status: "miss", ms: 0 };

/** The visitor's snapshot, or a miss when there is nothing to ask (never throws, never over budget). */
function readState(c: Context<AppEnv>, config: Config, identity: Identity, objectName: string | null): Promise<StateRead> {
  const ns = c.env.VISITOR as AppEnv["Bindings"]["VISITOR"] | undefined;
  // A just-issued anonymous id has no memory yet. Read even without personalization consent:
  // the visitor's stated preferences are there, and the engine ignores behaviour without consent.
  const nothingToAsk = !ns || !objectName || (identity.setCookie !== null && !identity.profile);
  if (nothingToAsk) return Promise.resolve(NO_STATE);
  return readSnapshot(ns, objectName, config.stateBudgetMs);
}

/**
 * `html` settles once the origin's headers are in: true when the answer is a page that will be
 * rewritten. A navigation does not wait for it; any other request spends nothing on the
 * visitor (no memory read, no new id) before it.
 */
async function gatherInputs(c: Context<AppEnv>, config: Config, now: number, page: PageRequest, html: Promise<boolean>): Promise<Inputs> {
  const started = performance.now();
  const isPage = page === "navigation" ? Promise.resolve(true) : html;
  const gate = newVisitorGate(c.env.NEW_VISITORS, c.req.raw);
  // A new visitor id is counted against the client's limit (src/identity/new-visitor-limit.ts).
  const issue = () => isPage.then((yes) => yes && gate());
  const identityPromise = resolveIdentity(c.req.raw, config, now, { issue }).then((identity) => ({
    identity,
    ms: performance.now() - started,
  }));
  // Started as soon as we know whose memory to read (and that it is a page): still in parallel with KV.
  const statePromise = Promise.all([identityPromise, isPage]).then(([{ identity }, yes]) => {
    const objectName = visitorObjectName(identity);
    if (!yes) return { objectName, state: NO_STATE };
    return readState(c, config, identity, objectName).then((state) => ({ objectName, state }));
  });
  const manifestPromise = readManifest(c.env.CONTENT, {
    ttlMs: config.manifestTtlMs,
    budgetMs: config.manifestBudgetMs,
    waitUntil: (p) => c.executionCtx.waitUntil(p),
  });
  // Beside the manifest, read the same way (held per isolate; never throws).
  const allocationPromise = readAllocation(c.env.CONTENT, {
    ttlMs: config.manifestTtlMs,
    budgetMs: config.manifestBudgetMs,
    waitUntil: (p) => c.executionCtx.waitUntil(p),
  });
  const [{ identity, ms }, manifest, { objectName, state }, allocation] = await Promise.all([identityPromise, manifestPromise, statePromise, allocationPromise]);
  return { identity, identityMs: ms, manifest, allocation, objectName, state };
}

function rendersOf(result: DecideResult): Map<string, SlotRender> {
  const renders = new Map<string, SlotRender>();
  for (const d of result.decisions) {
    if (d.variant === null || d.html === null) continue;
    const render: SlotRender = { variant: d.variant, html: d.html };
    if (d.experiment) render.experiment = `${d.experiment.id}:${d.experiment.arm}`;
    renders.set(d.slot, render);
  }
  return renders;
}

/** Hono handler for every path outside /__p13n/. */
export async function personalize(c: Context<AppEnv>): Promise<Response> {
  // Preview (src/preview/page.ts): an editor's signed link or cookie is served by its own path,
  // which reads and records no visitor state. Null at once for everyone else.
  const preview = previewRoute(c);
  if (preview) {
    const res = await preview;
    if (res) return res;
  }
  const config = c.get("config");
  const request = c.req.raw;
  const publicUrl = new URL(request.url);
  // Shared with the request's metrics (src/observability/), which read the same entries.
  const timing = pageTiming(c);
  const now = Date.now();
  const target = { url: config.originUrl, fetcher: c.env.ORIGIN ?? c.env.DEMO_ORIGIN };
  // A loop, or an ORIGIN_URL naming this very host: a page that names the fix, never a forward.
  const misconfigured = originProblem(request, target);
  if (misconfigured) return misconfiguredOriginPage(misconfigured);
  const originFetch = c.get("originFetch") ?? originFetchFor(target);

  // 1. The origin first, before any personalization work — unless a shared page template
  //    (src/template/) is fresh by the origin's own Cache-Control: then no request is needed
  //    (stale ones revalidate, in the background while stale-while-revalidate allows).
  const templates = new PageTemplates(request, { config, now, waitUntil: (p) => c.executionCtx.waitUntil(p) });
  const origin = withinBudget(templates.fetch(originFetch, () => originRequest(request, target)), config.originTimeoutMs);

  // 2. Meanwhile, everything personalization needs, only for what can become a page (never for
  //    assets, API calls, HEAD, uploads): src/proxy/page-request.ts.
  const page = pageRequest(request);
  let saidHtml: (html: boolean) => void = () => {};
  const html = new Promise<boolean>((resolve) => (saidHtml = resolve));
  const inputs = page
    ? gatherInputs(c, config, now, page, html).then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      )
    : null;

  // 3. The origin's answer decides whether there is anything to do.
  const answer = await origin;
  if (!answer.ok) {
    saidHtml(false);
    timing.add("origin", answer.ms, answer.reason);
    logEvent("error", "origin", answer.reason === "timeout" ? "ORIGIN_TIMEOUT" : "ORIGIN_UNREACHABLE", { reason: answer.reason, error: describeError(answer.error) });
    return originErrorPage(answer.reason === "timeout" ? 504 : 502);
  }
  const res = answer.value;
  // A fresh template answered: the origin was not asked (its Cache-Control said no need).
  timing.add("origin", templates.askedOrigin ? answer.ms : 0, templates.askedOrigin ? undefined : "not-asked");
  const rewritable = passThroughReason(request, res, config.maxRewriteBytes) === null;
  saidHtml(rewritable);
  if (!inputs || !rewritable) {
    return passThrough(res, config.originUrl, publicUrl);
  }
  const settled = await inputs;
  if (!settled.ok) {
    timing.add("inputs", 0, "error");
    logEvent("error", "inputs", "INPUTS_FAILED", { error: describeError(settled.error) });
    return passThrough(res, config.originUrl, publicUrl);
  }
  const gathered = settled.value;
  const { identity, manifest } = gathered;
  timing.add("profile", gathered.identityMs, identity.profile ? "verified" : (identity.profileFailure ?? "none").toLowerCase());
  timing.add("manifest", manifest.ms, manifest.source);
  const state = gathered.state;
  timing.add("state", state.ms, state.status);
  if (state.status === "error" || state.status === "overload") {
    logEvent("error", "state", `STATE_${state.status.toUpperCase()}`, { status: state.status, error: describeError(state.error) });
  }

  const context = requestContext(request, publicUrl);
  // 4. Decide (pure). An engine error must never cost the page.
  let renders = new Map<string, SlotRender>();
  let why = (): LastPage | null => null;
  let decided: DecideResult | null = null;
  // Without consent to track, NO_CONSENT_MODE "none" means no personalization at all.
  if (manifest.manifest && identity.privacy.mode !== "none") {
    const t = performance.now();
    try {
      const result = decide({
        manifest: manifest.manifest,
        profile: identity.profile,
        context,
        snapshot: state.snapshot,
        unitId: identity.unitId,
        consent: identity.consent,
        // The visitor's own stated preferences (preference centre) outrank the profile's.
        statedPrefs: state.snapshot?.statedPrefs ?? null,
        now,
        // The bandit's learned weights, for experiments with `bandit: true`; absent → the manifest's.
        ...(gathered.allocation ? { allocation: gathered.allocation } : {}),
      });
      decided = result;
      observe(c)?.decided(result);
      renders = rendersOf(result);
      const used = { manifest: manifest.manifest, snapshot: state.snapshot, personalize: identity.consent.personalize };
      why = () => plainReasons(publicUrl.pathname, now, { result, prefs: statedPrefs(identity.profile?.prefs, state.snapshot?.statedPrefs), ...used });
    } catch (err) {
      logEvent("error", "decide", "DECIDE_FAILED", { error: describeError(err) });
    }
    timing.add("decide", performance.now() - t, decided === null ? "error" : undefined);
  }

  // A template's stored headers are already clean; a constructed Response's headers are mutable.
  const out = templates.fromTemplate ? res : passThrough(res, config.originUrl, publicUrl);
  const headers = out.headers;
  timing.add("template", templates.ms, templates.state);
  headers.append("server-timing", timing.header());
  // Crawlers get no memory: an object (and a 30-day alarm) per bot request would be waste.
  const trackable = gathered.objectName !== null && context.device !== "bot";
  // A visitor seen for the first time (their id issued on this very response) costs no object:
  // memory starts when they come back with the signed cookie (their next page, or a beacon from
  // this one). No header proves a browser, and a client that ignores cookies would otherwise
  // create an object per request.
  const firstSight = identity.setCookie !== null && !identity.profile;
  const tracked = trackable && !firstSight;
  const personalized = renders.size > 0 || identity.setCookie !== null;
  const inject = trackable && config.clientScript !== "off" && (personalized || config.clientScript === "all");
  // The page's category and topics: the manifest's mapping, else the page's own meta as it streams.
  const mapped = tracked ? pageTopicsFromManifest(manifest.manifest, publicUrl.pathname) : null;
  const meta: PageMeta | null = tracked && !mapped ? {} : null;
  let end = (): void => {};
  const ended = new Promise<void>((resolve) => (end = resolve));
  const recording: RecordContext = {
    ns: c.env.VISITOR as AppEnv["Bindings"]["VISITOR"] | undefined,
    objectName: gathered.objectName,
    identity,
    state,
    manifest: manifest.manifest,
    allocation: gathered.allocation,
    budgetMs: config.stateWriteBudgetMs,
    now,
    waitUntil: (p) => c.executionCtx.waitUntil(p),
  };

  // A control arm or a holdout shows the default: the page is still read for its slots, so
  // that exposure counts like a treatment's (or the arms could not be compared).
  const measured = tracked && decided !== null && decided.decisions.some((d) => d.experiment !== undefined);

  // Nothing visitor-specific to send: the origin's page. While a manifest is published, a later
  // visit could be personalized: no validators to revalidate into this copy (no stale defaults).
  if (!personalized && !inject) {
    if (manifest.manifest) markUnpersonalizedPage(headers, templates.shareable);
    if (!meta && !measured) {
      if (tracked) {
        recordPageAfter(recording, { path: publicUrl.pathname, mapped, meta, report: null, why, decided }, Promise.resolve());
      }
      return new Response(out.body, { status: out.status, statusText: out.statusText, headers });
    }
    // Read the page meta and which slots it has on the way through; not a byte changes.
    const found: RewriteReport | null = measured ? { rendered: [], skipped: [] } : null;
    const read = templates.rewrite(out.body, res.headers.get("content-type") ?? "", new Map(), {
      checkMetaCharset: false,
      ...(meta ? { pageMeta: meta } : {}),
      ...(found ? { report: found } : {}),
      onEnd: end,
    });
    headers.delete("content-length");
    recordPageAfter(recording, { path: publicUrl.pathname, mapped, meta, report: found, why, decided }, ended);
    return new Response(read, { status: out.status, statusText: out.statusText, headers });
  }

  // 5. Fill the slots.
  const report: RewriteReport = { rendered: [], skipped: [] };
  const contentType = res.headers.get("content-type") ?? "";
  // From the template when one answered (spliced, no parsing), else streamed through the rewriter.
  const rewritten = templates.rewrite(out.body, contentType, renders, {
    checkMetaCharset: !/charset=/i.test(contentType),
    report,
    onError: (slot, err) => logEvent("error", "rewrite", "REWRITE_FAILED", { slot, error: describeError(err) }),
    // The page's own CSP nonce, when it has one: strict-CSP sites would block the tag otherwise.
    ...(inject ? { beforeBodyEnd: clientScriptTag(scriptNonce(res.headers)) } : {}),
    ...(meta ? { pageMeta: meta } : {}),
    ...(tracked ? { onEnd: end } : {}),
  });

  // 6. Never let a shared cache keep a visitor's page.
  markPersonalized(headers);
  if (identity.setCookie) headers.append("set-cookie", identity.setCookie);

  // 7. After the last byte: what was seen, in one call.
  if (tracked) recordPageAfter(recording, { path: publicUrl.pathname, mapped, meta, report, why, decided }, ended);
  return new Response(rewritten, { status: out.status, statusText: out.statusText, headers });
}
