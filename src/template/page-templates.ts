/**
 * The page path's template step (one object per request, never shared): it stands in for the
 * origin fetch, and for the slot rewrite.
 *
 *  - Fresh template (by the origin's own max-age / s-maxage, Age, Date): the origin is not
 *    asked at all — its directives say no request is needed — and the page is spliced.
 *  - Stale within stale-while-revalidate: spliced at once; one conditional request in the
 *    background (waitUntil) refreshes it (304) or replaces it (200).
 *  - Stale otherwise: the origin is asked with If-None-Match / If-Modified-Since; a 304 refreshes
 *    the template and the page is spliced; any other answer is used as it came and the old
 *    template is dropped (a new page is never mixed with an old template).
 *  - No template: the origin's answer streams through the rewriter as before; when it is
 *    shareable and the URL was asked for before, a template is built in the background (a URL
 *    seen once — a campaign link, a search — costs no extra parse): from a copy of the answer
 *    when the visitor's request carried nothing to strip, else from a request of its own.
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
 */
import type { Config } from "../config/config.ts";
import { describeError } from "../errors.ts";
import { stripHopByHop } from "../proxy/hop-by-hop.ts";
import type { OriginFetch } from "../proxy/origin.ts";
import { forwardedValidators } from "../proxy/page-request.ts";
import { passThroughReason } from "../proxy/rewritable.ts";
import { rewriteSlots, type RewriteOptions, type SlotRender } from "../rewrite/slot-rewriter.ts";
import { withinBudget } from "../timing.ts";
import { buildTemplate } from "./build.ts";
import { coloMatch, coloPut, coloVary } from "./colo-cache.ts";
import { readUpTo } from "./bounded-read.ts";
import { conditionalHeaders, currentAge, freshnessState, refreshedHeaders, storagePolicy, type StoragePolicy } from "./http-cache.ts";
import { alreadyStripped, sharingRefusal, templateRequest } from "./sharing.ts";
import { spliceParts } from "./splice.ts";
import { templateKey, templateStore, type TemplateEntry, type TemplateStore } from "./store.ts";
import { logEvent } from "../observability/log.ts";

/** What Server-Timing says about the template (`template;desc="…"`). */
export type TemplateState = "hit" | "miss" | "stale" | "revalidated" | "bypass";

/** An origin answer a shared cache may store. */
type Storable = Extract<StoragePolicy, { storable: true }>;

/** How long a cold isolate waits for the colo's copy before asking the origin. */
const COLO_BUDGET_MS = 20;
/** A URL whose answer was not shareable is not looked up in the colo again for this long. */
const UNSHAREABLE_NOTE_MS = 60_000;
/** Build a template on the URL's second request in this isolate (one-off URLs are not worth a parse). */
const ADMIT_AT_SIGHTING = 2;

/**
 * The template's bytes as a body, made once per template: a Blob is a body the runtime
 * streams without copying, where `new Response(bytes)` would copy the whole page (and a
 * JS ReadableStream cost more still) on every request — though a personalized page is
 * spliced from the template and never reads this body.
 */
const blobs = new WeakMap<Uint8Array, Blob>();
function templateBody(bytes: Uint8Array): Blob {
  let blob = blobs.get(bytes);
  if (!blob) {
    blob = new Blob([bytes]);
    blobs.set(bytes, blob);
  }
  return blob;
}

/**
 * Request headers that make a request conditional or partial: those go to the origin as they are.
 * (A page request's If-None-Match / If-Modified-Since never reach the origin: src/proxy/page-request.ts.)
 */
const CONDITIONAL = ["range", "if-match", "if-unmodified-since", "if-range"];

export interface TemplateOptions {
  config: Config;
  waitUntil: (p: Promise<unknown>) => void;
  now: number;
}

/**
 * @example
 * const templates = new PageTemplates(request, { config, now, waitUntil: (p) => ctx.waitUntil(p) });
 * const res = await templates.fetch(originFetch, () => originRequest(request, target));
 * // … decide …
 * const page = templates.rewrite(body, contentType, renders, opts);
 * timing.add("template", templates.ms, templates.state);
 */
export class PageTemplates {
  /** For Server-Timing. */
  state: TemplateState = "bypass";
  /** Time spent in lookups and splicing (not waiting for the origin). */
  ms = 0;
  /** False when the page came from a template without an origin request. */
  askedOrigin = true;
  /**
   * The answer is a page any visitor may get: the request may share a template and the origin
   * said the page is shareable (whether or not a template is kept: TEMPLATE_CACHE_BYTES=0).
   */
  shareable = false;
  readonly #request: Request;
  readonly #opts: TemplateOptions;
  readonly #store: TemplateStore | null;
  readonly #url: string;
  /** The request passes the sharing rules (sharing.ts) and its path is not opted out. */
  readonly #mayShare: boolean;
  /** The site owner declared the path shareable on a bare max-age (TEMPLATE_PATHS). */
  readonly #optedIn: boolean;
  #served: TemplateEntry | null = null;

  constructor(request: Request, opts: TemplateOptions) {
    this.#request = request;
    this.#opts = opts;
    this.#url = request.url;
    const path = new URL(request.url).pathname;
    this.#mayShare = mayShare(request, opts.config, path);
    this.#optedIn = opts.config.templatePaths?.test(path) ?? false;
    this.#store = this.#mayShare && opts.config.templateCacheBytes > 0 ? templateStore(opts.config.templateCacheBytes) : null;
  }

  /**
   * Stands in for the origin fetch: the origin's answer, or the page rebuilt from a template.
   * `makeUpstream` builds the origin request only when one is sent (a fresh template sends none).
   */
  async fetch(originFetch: OriginFetch, makeUpstream: () => Request): Promise<Response> {
    let built: Request | undefined;
    const upstream = () => (built ??= makeUpstream());
    const store = this.#store;
    if (!store) {
      const res = await originFetch(upstream());
      this.shareable = this.#mayShare && passThroughReason(this.#request, res, this.#opts.config.maxRewriteBytes) === null && this.#policy(res.status, res.headers, this.#opts.now).storable;
      return res;
    }
    const started = performance.now();
    let entry = store.get(templateKey(this.#url, store.varyOf(this.#url), this.#request.headers)) ?? null;
    if (!entry && !store.unshareable(this.#url, this.#opts.now)) entry = await this.#fromColo(store);
    this.ms += performance.now() - started;

    if (entry) {
      const fresh = freshnessState(entry.freshness, this.#opts.now);
      if (fresh === "fresh") return this.#serve(entry, "hit");
      if (fresh === "stale-while-revalidate") {
        this.#opts.waitUntil(this.#revalidateInBackground(store, entry, originFetch, upstream()));
        return this.#serve(entry, "stale");
      }
      // Asked as any visitor would be, with the template's own validators (never the visitor's).
      const res = await originFetch(conditional(upstream(), entry));
      if (res.status === 304) {
        const refreshed = this.#refresh(store, entry, res);
        if (refreshed) return this.#serve(refreshed, "revalidated");
        store.delete(entry.key);
        return this.#consider(store, originFetch, upstream(), await originFetch(upstream()), alreadyStripped(upstream()));
      }
      // Anything else is the origin's new word: the old template goes, whatever comes next.
      store.delete(entry.key);
      return this.#consider(store, originFetch, upstream(), res, true);
    }
    return this.#consider(store, originFetch, upstream(), await originFetch(upstream()), alreadyStripped(upstream()));
  }

  /** The page came from a template: its headers are already clean (stored without hop-by-hop ones). */
  get fromTemplate(): boolean {
    return this.#served !== null;
  }

  /**
   * Stands in for `rewriteSlots`: the body of the visitor's page, spliced from the template
   * when one answered (one buffer, no parsing), else `body` streamed through the rewriter.
   */
  rewrite(body: ReadableStream | null, contentType: string, renders: ReadonlyMap<string, SlotRender>, opts: RewriteOptions): ReadableStream | Blob | null {
    const entry = this.#served;
    if (!entry) return rewriteSlots(new Response(body, { headers: { "content-type": contentType } }), renders, opts).body;
    const started = performance.now();
    // The template's bytes are the body: the synthetic response's own body is not read.
    void body?.cancel().catch(() => {});
    const parts = spliceParts(entry.template, renders, opts);
    this.ms += performance.now() - started;
    // The page unchanged is the template's own (cached) body; else one copy of the pieces.
    return parts.length === 1 && parts[0] === entry.template.bytes ? templateBody(entry.template.bytes) : new Blob(parts);
  }

  /** The page as the origin's shareable 200, rebuilt from the template (Age brought up to date). */
  #serve(entry: TemplateEntry, state: TemplateState): Response {
    this.state = state;
    this.shareable = true;
    this.#served = entry;
    if (state !== "revalidated") this.askedOrigin = false;
    const headers = new Headers(entry.headers as Array<[string, string]>);
    headers.set("age", String(Math.floor(currentAge(entry.freshness, this.#opts.now))));
    return new Response(templateBody(entry.template.bytes), { status: entry.status, statusText: entry.statusText, headers });
  }

  /** What the origin's headers allow for this page (the path's opt-in applies). */
  #policy(status: number, headers: Headers, now: number): StoragePolicy {
    return storagePolicy(status, headers, now, { optedIn: this.#optedIn });
  }

  /**
   * The origin answered in full: note what it says, and build a template when worth it — from
   * a copy of this answer when `sent` carried nothing to strip (`stripped`), else in the
   * background from a stripped request of its own (the visitor's answer is theirs alone).
   */
  #consider(store: TemplateStore, originFetch: OriginFetch, sent: Request, res: Response, stripped: boolean): Response {
    const now = this.#opts.now;
    if (passThroughReason(this.#request, res, this.#opts.config.maxRewriteBytes) !== null) {
      if (res.status === 200) store.markUnshareable(this.#url, now + UNSHAREABLE_NOTE_MS);
      return res;
    }
    const policy = this.#policy(res.status, res.headers, now);
    if (!policy.storable) {
      store.markUnshareable(this.#url, now + UNSHAREABLE_NOTE_MS);
      return res;
    }
    this.state = "miss";
    this.shareable = true;
    // Not worth a parse yet, or recently found unbuildable (too large, markup a template cannot model).
    if (store.sight(this.#url) < ADMIT_AT_SIGHTING || !res.body || store.unshareable(this.#url, now)) return res;
    if (!stripped) {
      this.#opts.waitUntil(this.#buildFromOrigin(store, originFetch, templateRequest(sent), this.#entryOf(res, policy).key));
      return res;
    }
    const [visitor, copy] = res.body.tee();
    const contentType = res.headers.get("content-type") ?? "";
    this.#opts.waitUntil(this.#build(store, this.#entryOf(res, policy), copy, contentType));
    return new Response(visitor, { status: res.status, statusText: res.statusText, headers: res.headers });
  }

  /** Builds a template from the origin's answer to a stripped request (one such request per key at a time). */
  async #buildFromOrigin(store: TemplateStore, originFetch: OriginFetch, request: Request, key: string): Promise<void> {
    if (store.revalidating.has(key)) return;
    store.revalidating.add(key);
    try {
      await this.#adopt(store, await originFetch(request));
    } catch (err) {
      logEvent("error", "template-build", "TEMPLATE_BUILD_FAILED", { error: describeError(err) });
    } finally {
      store.revalidating.delete(key);
    }
  }

  /** A full answer to a stripped request: a template when it is a shareable page, else nothing. */
  async #adopt(store: TemplateStore, res: Response): Promise<void> {
    const now = Date.now();
    const policy = this.#policy(res.status, res.headers, now);
    if (!policy.storable || passThroughReason(this.#request, res, this.#opts.config.maxRewriteBytes) !== null || !res.body) {
      await res.body?.cancel();
      if (res.status === 200) store.markUnshareable(this.#url, now + UNSHAREABLE_NOTE_MS);
      return;
    }
    await this.#build(store, this.#entryOf(res, policy), res.body, res.headers.get("content-type") ?? "");
  }

  /** What a template entry keeps of a storable origin answer (all but the parsed page). */
  #entryOf(res: Response, policy: Storable): Omit<TemplateEntry, "template"> {
    return {
      key: templateKey(this.#url, policy.vary, this.#request.headers),
      url: this.#url,
      vary: policy.vary,
      status: res.status,
      statusText: res.statusText,
      headers: storedHeaders(res.headers),
      validator: policy.validator,
      freshness: policy.freshness,
    };
  }

  async #build(store: TemplateStore, base: Omit<TemplateEntry, "template">, body: ReadableStream<Uint8Array>, contentType: string): Promise<void> {
    try {
      // Counted as it arrives: past the limit the copy is dropped (its branch cancelled, so the
      // visitor's page streams on alone) and the page keeps the streaming rewrite.
      const bytes = await readUpTo(body, this.#opts.config.maxRewriteBytes);
      if (!bytes) {
        store.markUnshareable(base.url, this.#opts.now + UNSHAREABLE_NOTE_MS);
        return;
      }
      const template = await buildTemplate(bytes, contentType);
      if (!template) {
        // Markup the template cannot model (an unclosed slot…): this page keeps streaming.
        store.markUnshareable(base.url, this.#opts.now + UNSHAREABLE_NOTE_MS);
        return;
      }
      const entry: TemplateEntry = { ...base, template };
      if (store.put(entry)) await coloPut(entry, Date.now());
    } catch (err) {
      logEvent("error", "template-build", "TEMPLATE_BUILD_FAILED", { error: describeError(err) });
    }
  }

  /** A 304 brings the template's headers and freshness up to date; null when it names another version. */
  #refresh(store: TemplateStore, entry: TemplateEntry, notModified: Response): TemplateEntry | null {
    const headers = refreshedHeaders(new Headers(entry.headers as Array<[string, string]>), notModified.headers, entry.validator);
    if (!headers) return null;
    const now = Date.now();
    const policy = this.#policy(200, headers, now);
    if (!policy.storable || policy.vary.join(",") !== entry.vary.join(",")) return null;
    const refreshed: TemplateEntry = {
      ...entry,
      headers: storedHeaders(headers),
      validator: policy.validator,
      freshness: policy.freshness,
    };
    store.put(refreshed);
    this.#opts.waitUntil(coloPut(refreshed, now).catch(() => {}));
    return refreshed;
  }

  async #revalidateInBackground(store: TemplateStore, entry: TemplateEntry, originFetch: OriginFetch, upstream: Request): Promise<void> {
    if (store.revalidating.has(entry.key)) return;
    store.revalidating.add(entry.key);
    try {
      const res = await originFetch(conditional(upstream, entry));
      if (res.status === 304) {
        if (!this.#refresh(store, entry, res)) store.delete(entry.key);
        return;
      }
      if (res.status >= 500) {
        // The origin is struggling: keep the stale copy for the rest of its window.
        await res.body?.cancel();
        return;
      }
      store.delete(entry.key);
      await this.#adopt(store, res);
    } catch (err) {
      logEvent("error", "template-revalidate", "TEMPLATE_REVALIDATE_FAILED", { error: describeError(err) });
    } finally {
      store.revalidating.delete(entry.key);
    }
  }

  /** A cold isolate asks the colo (within COLO_BUDGET_MS) before the origin. */
  async #fromColo(store: TemplateStore): Promise<TemplateEntry | null> {
    const lookup = async () => {
      // The URL-only key and the URL's Vary names in parallel: one round trip when the page does not vary.
      const [plain, vary] = await Promise.all([coloMatch(this.#url), coloVary(this.#url)]);
      if (vary.length === 0) return plain;
      return coloMatch(templateKey(this.#url, vary, this.#request.headers));
    };
    const r = await withinBudget(lookup(), COLO_BUDGET_MS);
    if (!r.ok || !r.value) return null;
    store.put(r.value);
    return r.value;
  }
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

/** The revalidation request: stripped like any template request, with the template's own validators. */
function conditional(upstream: Request, entry: TemplateEntry): Request {
  return templateRequest(upstream, conditionalHeaders(entry.validator));
}

/** What a stored page keeps of the origin's headers: no hop-by-hop, no Age (recomputed), no length (the runtime sets it). */
function storedHeaders(headers: Headers): Array<[string, string]> {
  const h = stripHopByHop(headers, { upgrade: false });
  h.delete("age");
  h.delete("content-length");
  return [...h];
}
