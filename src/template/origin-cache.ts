/**
 * The page path's origin fetch, with the page templates in front of it: it *is* an origin fetch
 * (a request in, a response out) that also says what it did. One call per request, no state
 * shared between requests but the isolate's template store (src/template/store.ts).
 *
 *  - Fresh template (by the origin's own max-age / s-maxage, Age, Date): the origin is not
 *    asked at all — its directives say no request is needed — and the page is the template's.
 *  - Stale within stale-while-revalidate: the template at once; one conditional request in the
 *    background (waitUntil) refreshes it (304) or replaces it (200).
 *  - Stale otherwise: the origin is asked with If-None-Match / If-Modified-Since; a 304 refreshes
 *    the template; any other answer is used as it came and the old template is dropped (a new
 *    page is never mixed with an old template).
 *  - No template: the origin's answer; when it is shareable and the URL was asked for before, a
 *    template is built in the background (a URL seen once — a campaign link, a search — costs no
 *    extra parse): from a copy of the answer when the visitor's request carried nothing to strip,
 *    else from a request of its own.
 *
 * Only for requests any visitor could have made (sharing.ts): no Authorization, no cookie but
 * ours and TEMPLATE_IGNORE_COOKIES. Every request a template is built or revalidated from is
 * stripped of cookies, credentials and the visitor's validators (a revalidation carries the
 * template's own), so a template never holds one visitor's page.
 *
 * Never touched: non-GET, Range and conditional requests, requests with credentials or other
 * cookies, paths in TEMPLATE_BYPASS, and every answer that is not a shareable 200 text/html
 * page (not `public`/`s-maxage` outside TEMPLATE_PATHS, 304, 206, non-2xx, non-HTML,
 * Set-Cookie, private, no-store, no-cache, Vary: *, Cookie or Authorization).
 *
 * @example
 * const { response, did } = await templateFetch(request, { config, now, waitUntil, originFetch, upstream: () => originRequest(request, target) });
 * timing.add("template", did.ms, did.state);
 * const body = renderPage(() => response.body, contentType, renders, opts, did.served);
 */
import type { Config } from "../config/config.ts";
import type { OriginFetch } from "../proxy/origin.ts";
import { forwardedValidators } from "../proxy/page-request.ts";
import { passThroughReason } from "../proxy/rewritable.ts";
import { withinBudget } from "../timing.ts";
import { buildFromOrigin, build, entryOf, policyOf, UNSHAREABLE_NOTE_MS, type TemplateRequest } from "./admit.ts";
import { coloMatch, coloVary } from "./colo-cache.ts";
import { currentAge, freshnessState } from "./http-cache.ts";
import { NO_SELECTORS, type SlotSelectors } from "../rewrite/slot-selectors.ts";
import { templateBody } from "./render.ts";
import { conditional, refresh, revalidateInBackground } from "./revalidate.ts";
import { ServedHead } from "./served-head.ts";
import { alreadyStripped, sharingRefusal, templateRequest } from "./sharing.ts";
import { templateKey, templateStore, type TemplateEntry } from "./store.ts";

/** What Server-Timing says about the template (`template;desc="…"`). */
export type TemplateState = "hit" | "miss" | "stale" | "revalidated" | "bypass";

/** What the cached fetch did, beside the response. */
export interface TemplateReport {
  state: TemplateState;
  /** Time spent in lookups (not waiting for the origin). */
  ms: number;
  /** False when the page came from a template without an origin request. */
  askedOrigin: boolean;
  /**
   * The answer is a page any visitor may get: the request may share a template and the origin
   * said the page is shareable (whether or not a template is kept: TEMPLATE_CACHE_BYTES=0).
   */
  shareable: boolean;
  /** The template the response was rebuilt from (its headers are already clean), or null. */
  served: TemplateEntry | null;
}

/** The origin's answer, or a template served: its head only (no Response made): see `servedBody`. */
export type TemplateAnswer = { response: Response; did: TemplateReport & { served: null } } | ServedAnswer;

export interface ServedAnswer {
  response: ServedHead;
  did: TemplateReport & { served: TemplateEntry };
}

/** True when a template answered (the response is its head: status and headers, no body). */
export function isServed(answer: TemplateAnswer): answer is ServedAnswer {
  return answer.did.served !== null;
}

export interface TemplateFetchOptions {
  config: Config;
  now: number;
  waitUntil: (p: Promise<unknown>) => void;
  originFetch: OriginFetch;
  /** Builds the origin request, only when one is sent (a fresh template sends none). */
  upstream: () => Request;
  /** The live content's slots by selector, for a template built meanwhile (default: none). */
  selectors?: () => Promise<SlotSelectors>;
  /** The request URL's path, when the caller has parsed it already. */
  path?: string;
}

/** How long a cold isolate waits for the colo's copy before asking the origin. */
const COLO_BUDGET_MS = 20;
/** Build a template on the URL's second request in this isolate (one-off URLs are not worth a parse). */
const ADMIT_AT_SIGHTING = 2;
/**
 * Request headers that make a request conditional or partial: those go to the origin as they are.
 * (A page request's If-None-Match / If-Modified-Since never reach the origin: src/proxy/page-request.ts.)
 */
const CONDITIONAL = ["range", "if-match", "if-unmodified-since", "if-range"];

const report = (state: TemplateState, ms: number, extra: Partial<Omit<TemplateReport, "served">> = {}): TemplateReport & { served: null } => ({
  state,
  ms,
  askedOrigin: true,
  shareable: false,
  ...extra,
  served: null,
});

/** The origin's answer, or the page rebuilt from a template, and what was done. */
export async function templateFetch(request: Request, o: TemplateFetchOptions): Promise<TemplateAnswer> {
  let built: Request | undefined;
  const upstream = () => (built ??= o.upstream());
  const path = o.path ?? new URL(request.url).pathname;
  const may = mayShare(request, o.config, path);
  const optedIn = o.config.templatePaths?.test(path) ?? false;
  const store = may && o.config.templateCacheBytes > 0 ? templateStore(o.config.templateCacheBytes) : null;
  if (!store) {
    const response = await o.originFetch(upstream());
    const shareable = may && passThroughReason(request, response, o.config.maxRewriteBytes) === null && policyOf(optedIn, response.status, response.headers, o.now).storable;
    return { response, did: report("bypass", 0, { shareable }) };
  }
  const selectors = o.selectors ?? (() => Promise.resolve(NO_SELECTORS));
  const t: TemplateRequest = { request, url: request.url, optedIn, config: o.config, now: o.now, store, originFetch: o.originFetch, waitUntil: o.waitUntil, selectors };
  const started = performance.now();
  let entry = store.get(templateKey(t.url, store.varyOf(t.url), request.headers)) ?? null;
  if (!entry && !store.unshareable(t.url, o.now)) entry = await fromColo(t);
  const ms = performance.now() - started;
  if (!entry) return consider(t, ms, upstream(), await o.originFetch(upstream()), alreadyStripped(upstream()));

  const fresh = freshnessState(entry.freshness, o.now);
  if (fresh === "fresh") return serve(t, entry, report("hit", ms, { askedOrigin: false }));
  if (fresh === "stale-while-revalidate") {
    o.waitUntil(revalidateInBackground(t, entry, upstream()));
    return serve(t, entry, report("stale", ms, { askedOrigin: false }));
  }
  // Asked as any visitor would be, with the template's own validators (never the visitor's).
  const res = await o.originFetch(conditional(upstream(), entry));
  if (res.status === 304) {
    const refreshed = refresh(t, entry, res);
    if (refreshed) return serve(t, refreshed, report("revalidated", ms));
    store.delete(entry.key);
    return consider(t, ms, upstream(), await o.originFetch(upstream()), alreadyStripped(upstream()));
  }
  // Anything else is the origin's new word: the old template goes, whatever comes next.
  store.delete(entry.key);
  return consider(t, ms, upstream(), res, true);
}

/**
 * The page as the origin's shareable 200, from the template (Age brought up to date): its head
 * only. No body (the page is spliced from the template's bytes, or served as them: `servedBody`)
 * and no Response: the page's one Response is made when its body is known (page-response.ts).
 */
function serve(t: TemplateRequest, entry: TemplateEntry, did: TemplateReport): ServedAnswer {
  return { response: new ServedHead(entry, currentAge(entry.freshness, t.now)), did: { ...did, shareable: true, served: entry } };
}

/**
 * The origin answered in full: note what it says, and build a template when worth it — from
 * a copy of this answer when `sent` carried nothing to strip (`stripped`), else in the
 * background from a stripped request of its own (the visitor's answer is theirs alone).
 */
function consider(t: TemplateRequest, ms: number, sent: Request, res: Response, stripped: boolean): TemplateAnswer {
  const { store, now } = t;
  const bypass = { response: res, did: report("bypass", ms) };
  if (passThroughReason(t.request, res, t.config.maxRewriteBytes) !== null) {
    if (res.status === 200) store.markUnshareable(t.url, now + UNSHAREABLE_NOTE_MS);
    return bypass;
  }
  const policy = policyOf(t.optedIn, res.status, res.headers, now);
  if (!policy.storable) {
    store.markUnshareable(t.url, now + UNSHAREABLE_NOTE_MS);
    return bypass;
  }
  const miss = report("miss", ms, { shareable: true });
  // Not worth a parse yet, or recently found unbuildable (too large, markup a template cannot model).
  if (store.sight(t.url) < ADMIT_AT_SIGHTING || !res.body || store.unshareable(t.url, now)) return { response: res, did: miss };
  if (!stripped) {
    t.waitUntil(buildFromOrigin(t, templateRequest(sent), entryOf(t, res, policy).key));
    return { response: res, did: miss };
  }
  const [visitor, copy] = res.body.tee();
  t.waitUntil(build(t, entryOf(t, res, policy), copy, res.headers.get("content-type") ?? ""));
  return { response: new Response(visitor, { status: res.status, statusText: res.statusText, headers: res.headers }), did: miss };
}

/**
 * The response as a whole page: a served template's response gets the template's bytes as its
 * body (a Blob made once per template); any other is returned as it is.
 *
 * @example
 * return passThrough(servedBody(answer), config.originUrl, url);
 */
export function servedBody(answer: TemplateAnswer): Response {
  if (!isServed(answer)) return answer.response;
  const { response, did } = answer;
  return new Response(templateBody(did.served.template.bytes), { status: response.status, statusText: response.statusText, headers: response.headers });
}

/** A cold isolate asks the colo (within COLO_BUDGET_MS) before the origin. */
async function fromColo(t: TemplateRequest): Promise<TemplateEntry | null> {
  const lookup = async () => {
    // The URL-only key and the URL's Vary names in parallel: one round trip when the page does not vary.
    const [plain, vary] = await Promise.all([coloMatch(t.url), coloVary(t.url)]);
    if (vary.length === 0) return plain;
    return coloMatch(templateKey(t.url, vary, t.request.headers));
  };
  const r = await withinBudget(lookup(), COLO_BUDGET_MS);
  if (!r.ok || !r.value) return null;
  t.store.put(r.value);
  return r.value;
}

/**
 * Only a plain GET that any visitor could have made (sharing.ts), of a path not opted out,
 * may share a template.
 */
function mayShare(request: Request, config: Config, path: string): boolean {
  if (request.method !== "GET") return false;
  for (const h of CONDITIONAL) if (request.headers.has(h)) return false;
  if (forwardedValidators(request).length > 0) return false;
  if (request.headers.get("upgrade")) return false;
  if (sharingRefusal(request, config) !== null) return false;
  return !config.templateBypass?.test(path);
}

