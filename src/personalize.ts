/**
 * The page path, as numbered steps (README "How it works"):
 *   1. forward the request to the origin at once — unless a page template the origin's own
 *      Cache-Control says is still fresh answers (src/template/origin-cache.ts);
 *   2. in parallel, only for a request that can become a page (src/proxy/page-request.ts), gather
 *      the decision's inputs (src/pipeline/inputs.ts): who is asking, the manifest, the bandit's
 *      weights, their memory (for a navigation at once, else once the origin's headers say HTML);
 *   3. wait for the origin's headers; anything not safe to rewrite passes through untouched;
 *   4. decide, purely, what fills each slot (src/pipeline/decide-page.ts);
 *   5–7. plan what the page needs (src/pipeline/page-plan.ts: what to track, inject, which headers)
 *      and carry it out (src/pipeline/page-response.ts): fill the slots (spliced from the template
 *      or streamed through the rewriter), mark the page private, record the page view after the
 *      last byte (waitUntil).
 * Anything that fails in 2–5 degrades to the origin's page, untouched.
 */
import type { Context } from "hono";
import type { AppEnv } from "./app-env.ts";
import { throwIfRefused } from "./configure.ts";
import { describeError } from "./errors.ts";
import { logEvent } from "./observability/log.ts";
import { observe, pageTiming } from "./observe.ts";
import { decidePage } from "./pipeline/decide-page.ts";
import { gatherInputs, liveManifest, type InputDeps, type Inputs } from "./pipeline/inputs.ts";
import { originTarget, reportOriginFailure, reportStateProblem } from "./pipeline/page-io.ts";
import { decidedPage } from "./pipeline/page-response.ts";
import { previewRoute } from "./pipeline/preview-page.ts";
import { originFetchFor, originRequest, type OriginTarget } from "./proxy/origin.ts";
import { misconfiguredOriginPage, originProblem } from "./proxy/origin-guard.ts";
import { pageRequest } from "./proxy/page-request.ts";
import { passThrough } from "./proxy/responses.ts";
import { passThroughReason } from "./proxy/rewritable.ts";
import { slotSelectorsOf } from "./rewrite/slot-selectors.ts";
import { isServed, servedBody, templateFetch } from "./template/origin-cache.ts";
import { withinBudget } from "./timing.ts";

/** Hono handler for every path outside /__p13n/. */
export async function personalize(c: Context<AppEnv>): Promise<Response> {
  // As `requireConfig` (one layer less per page): a refused config is thrown; onError serves the origin's page.
  throwIfRefused(c);
  // An editor's signed preview link or cookie has its own path; null at once for everyone else.
  const preview = previewRoute(c);
  if (preview) {
    const res = await preview;
    if (res) return res;
  }
  const config = c.get("config");
  const request = c.req.raw;
  const url = new URL(request.url);
  const timing = pageTiming(c);
  const now = Date.now();
  const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
  const target = originTarget(config, c.env);
  // A loop, or an ORIGIN_URL naming this very host: a page that names the fix, never a forward.
  const misconfigured = originProblem(request, target, url);
  if (misconfigured) return misconfiguredOriginPage(misconfigured);

  // 1. The origin first, before any personalization work (or a template it says is fresh).
  const deps = { config, env: c.env, waitUntil };
  const origin = askOrigin(c, { request, url }, target, deps, now);

  // 2. Meanwhile, the decision's inputs, only for what can become a page (never for assets,
  //    API calls, HEAD, uploads); a non-navigation spends nothing on the visitor before step 3.
  const page = pageRequest(request);
  let saidHtml: (html: boolean) => void = () => {};
  const html = new Promise<boolean>((resolve) => (saidHtml = resolve));
  const isPage = page === "navigation" ? Promise.resolve(true) : html;
  const gathering = page ? settle(gatherInputs(deps, { request, url, now, isPage })) : null;

  // 3. The origin's answer decides whether there is anything to do.
  const answer = await origin;
  if (!answer.ok) {
    saidHtml(false);
    return reportOriginFailure(timing, answer);
  }
  const fetched = answer.value;
  const { response: res, did } = fetched;
  // A served template's answer is its head, no Response and no body until one is needed (origin-cache.ts `servedBody`).
  const whole = () => servedBody(fetched);
  // A fresh template answered: the origin was not asked (its Cache-Control said no need).
  timing.add("origin", did.askedOrigin ? answer.ms : 0, did.askedOrigin ? undefined : "not-asked");
  // A template is only ever built from a page that passed this very check (origin-cache.ts `consider`).
  const rewritable = isServed(fetched) || passThroughReason(request, fetched.response, config.maxRewriteBytes) === null;
  saidHtml(rewritable);
  if (!gathering || !rewritable) return passThrough(whole(), config.originUrl, url);
  const inputs = usableInputs(await gathering, timing);
  if (!inputs) return passThrough(whole(), config.originUrl, url);

  // 4. Decide (pure); an engine error never costs the page.
  const decision = decidePage(inputs, { now, path: url.pathname, timing, observe: (r) => observe(c)?.decided(r) });

  // 5–7. What the page needs (page-plan.ts), then the page: filled, private, recorded after the last byte.
  // A template's stored headers are already clean (its head's are made only if read); a constructed Response's are mutable.
  const out = isServed(fetched) ? fetched.response : passThrough(fetched.response, config.originUrl, url);
  timing.add("template", did.ms, did.state);
  return decidedPage({ deps, inputs, decision, res, out, did, serverTiming: timing.header(), path: url.pathname, now });
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Step 1: the origin, or a template its own Cache-Control says is still fresh, within the origin's time budget. */
function askOrigin(c: Context<AppEnv>, { request, url }: { request: Request; url: URL }, target: OriginTarget, deps: InputDeps, now: number) {
  const originFetch = c.get("originFetch") ?? originFetchFor(target);
  const upstream = () => originRequest(request, target);
  // A template built meanwhile records the live content's slots by selector.
  const selectors = () => liveManifest(deps, now).then((read) => slotSelectorsOf(read.manifest));
  const { config, waitUntil } = deps;
  return withinBudget(templateFetch(request, { config, now, waitUntil, originFetch, upstream, selectors, path: url.pathname }), config.originTimeoutMs);
}

/** The gathered inputs, their timings reported; null (logged) when gathering failed: the page then passes through. */
function usableInputs(gathered: Settled<Inputs>, timing: ReturnType<typeof pageTiming>): Inputs | null {
  if (!gathered.ok) {
    timing.add("inputs", 0, "error");
    logEvent("error", "inputs", "INPUTS_FAILED", { error: describeError(gathered.error) });
    return null;
  }
  const inputs = gathered.value;
  for (const t of inputs.timings) timing.add(t.name, t.ms, t.desc);
  reportStateProblem(inputs.state);
  return inputs;
}

/** A promise's outcome as a value (never rejects): the inputs fail open. */
function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }));
}
