/**
 * Turning a shareable origin answer into a template (src/template/origin-cache.ts decides when):
 * what an entry keeps of the answer, the build from a copy of the visitor's answer or from a
 * stripped request of its own, and the notes that stop a URL from being tried again too soon.
 */
import type { Config } from "../config/config.ts";
import { describeError } from "../errors.ts";
import { logEvent } from "../observability/log.ts";
import { stripHopByHop } from "../proxy/hop-by-hop.ts";
import type { OriginFetch } from "../proxy/origin.ts";
import { passThroughReason } from "../proxy/rewritable.ts";
import type { SlotSelectors } from "../rewrite/slot-selectors.ts";
import { readUpTo } from "./bounded-read.ts";
import { buildTemplate } from "./build.ts";
import { coloPut } from "./colo-cache.ts";
import { storagePolicy, type StoragePolicy } from "./http-cache.ts";
import { templateKey, type TemplateEntry, type TemplateStore } from "./store.ts";

/** A URL whose answer was not shareable is not looked up in the colo again for this long. */
export const UNSHAREABLE_NOTE_MS = 60_000;

/** An origin answer a shared cache may store. */
export type Storable = Extract<StoragePolicy, { storable: true }>;

/** The visitor's request as the template steps see it (one per request, never shared). */
export interface TemplateRequest {
  request: Request;
  url: string;
  /** The site owner declared the path shareable on a bare max-age (TEMPLATE_PATHS). */
  optedIn: boolean;
  config: Config;
  now: number;
  store: TemplateStore;
  originFetch: OriginFetch;
  waitUntil: (p: Promise<unknown>) => void;
  /** The live content's slots by selector, recorded in a template built now (asked only when one is built). */
  selectors: () => Promise<SlotSelectors>;
}

/** What the origin's headers allow for this page (the path's opt-in applies). */
export function policyOf(optedIn: boolean, status: number, headers: Headers, now: number): StoragePolicy {
  return storagePolicy(status, headers, now, { optedIn });
}

/** What a stored page keeps of the origin's headers: no hop-by-hop, no Age (recomputed), no length (the runtime sets it). */
export function storedHeaders(headers: Headers): Array<[string, string]> {
  const h = stripHopByHop(headers, { upgrade: false });
  h.delete("age");
  h.delete("content-length");
  return [...h];
}

/** What a template entry keeps of a storable origin answer (all but the parsed page). */
export function entryOf(t: TemplateRequest, res: Response, policy: Storable): Omit<TemplateEntry, "template"> {
  return {
    key: templateKey(t.url, policy.vary, t.request.headers),
    url: t.url,
    vary: policy.vary,
    status: res.status,
    statusText: res.statusText,
    headers: storedHeaders(res.headers),
    validator: policy.validator,
    freshness: policy.freshness,
  };
}

/** Parses `body` into a template and keeps it (isolate, then colo); too large or unmodelled pages are noted. */
export async function build(t: TemplateRequest, base: Omit<TemplateEntry, "template">, body: ReadableStream<Uint8Array>, contentType: string): Promise<void> {
  try {
    // Counted as it arrives: past the limit the copy is dropped (its branch cancelled, so the
    // visitor's page streams on alone) and the page keeps the streaming rewrite.
    const bytes = await readUpTo(body, t.config.maxRewriteBytes);
    if (!bytes) {
      t.store.markUnshareable(base.url, t.now + UNSHAREABLE_NOTE_MS);
      return;
    }
    const template = await buildTemplate(bytes, contentType, await t.selectors());
    if (!template) {
      // Markup the template cannot model (an unclosed slot…): this page keeps streaming.
      t.store.markUnshareable(base.url, t.now + UNSHAREABLE_NOTE_MS);
      return;
    }
    const entry: TemplateEntry = { ...base, template };
    if (t.store.put(entry)) await coloPut(entry, Date.now());
  } catch (err) {
    logEvent("error", "template-build", "TEMPLATE_BUILD_FAILED", { error: describeError(err) });
  }
}

/**
 * The same page again with other slots by selector (the live content changed them since it was
 * built): parsed again from its own bytes, no origin request, and kept in place of the old one
 * unless a newer page replaced it meanwhile (one rebuild per key at a time).
 *
 * @example
 * waitUntil(rebuildForSelectors(store, served, selectors));
 */
export async function rebuildForSelectors(store: TemplateStore, entry: TemplateEntry, selectors: SlotSelectors): Promise<void> {
  if (store.revalidating.has(entry.key)) return;
  store.revalidating.add(entry.key);
  try {
    const contentType = entry.headers.find(([name]) => name === "content-type")?.[1] ?? "text/html";
    const template = await buildTemplate(entry.template.bytes, contentType, selectors);
    if (!template) {
      // These selectors make the page unmodelled (a slot the parser never closes): it streams.
      store.delete(entry.key);
      return;
    }
    const rebuilt: TemplateEntry = { ...entry, template };
    if (store.put(rebuilt)) await coloPut(rebuilt, Date.now());
  } catch (err) {
    logEvent("error", "template-build", "TEMPLATE_BUILD_FAILED", { error: describeError(err) });
  } finally {
    store.revalidating.delete(entry.key);
  }
}

/** A full answer to a stripped request: a template when it is a shareable page, else nothing. */
export async function adopt(t: TemplateRequest, res: Response): Promise<void> {
  const now = Date.now();
  const policy = policyOf(t.optedIn, res.status, res.headers, now);
  if (!policy.storable || passThroughReason(t.request, res, t.config.maxRewriteBytes) !== null || !res.body) {
    await res.body?.cancel();
    if (res.status === 200) t.store.markUnshareable(t.url, now + UNSHAREABLE_NOTE_MS);
    return;
  }
  await build(t, entryOf(t, res, policy), res.body, res.headers.get("content-type") ?? "");
}

/** Builds a template from the origin's answer to a stripped request (one such request per key at a time). */
export async function buildFromOrigin(t: TemplateRequest, request: Request, key: string): Promise<void> {
  if (t.store.revalidating.has(key)) return;
  t.store.revalidating.add(key);
  try {
    await adopt(t, await t.originFetch(request));
  } catch (err) {
    logEvent("error", "template-build", "TEMPLATE_BUILD_FAILED", { error: describeError(err) });
  } finally {
    t.store.revalidating.delete(key);
  }
}
