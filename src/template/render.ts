/**
 * The page path's renderer: the body of the visitor's page, spliced from the template the
 * origin-side cache answered with (one buffer, no parsing: src/template/splice.ts), or else the
 * origin's body streamed through the slot rewriter (src/rewrite/slot-rewriter.ts). Both give the
 * same bytes for the same decisions (test/workerd/template-equivalence.test.ts).
 *
 * @example
 * const body = renderPage(() => res.body, contentType, renders, { checkMetaCharset: true, report }, did.served);
 */
import { rewriteSlots, type RewriteOptions, type SlotRender } from "../rewrite/slot-rewriter.ts";
import { NO_SELECTORS, type SlotSelectors } from "../rewrite/slot-selectors.ts";
import { spliceParts } from "./splice.ts";
import { splicedPage } from "./spliced-pages.ts";
import type { TemplateEntry } from "./store.ts";

/**
 * The template's bytes as a body, made once per template: a Blob is a body the runtime
 * streams without copying, where `new Response(bytes)` would copy the whole page (and a
 * JS ReadableStream cost more still) on every request — though a personalized page is
 * spliced from the template and never reads this body.
 */
const blobs = new WeakMap<Uint8Array, Blob>();
export function templateBody(bytes: Uint8Array): Blob {
  let blob = blobs.get(bytes);
  if (!blob) {
    blob = new Blob([bytes]);
    blobs.set(bytes, blob);
  }
  return blob;
}

/**
 * True when `served` was built with other slots by selector than the page is rendered with.
 *
 * @example
 * if (did.served && selectorsChanged(did.served, selectors)) waitUntil(rebuildForSelectors(store, did.served, selectors));
 */
export function selectorsChanged(served: TemplateEntry, selectors: SlotSelectors = NO_SELECTORS): boolean {
  return served.template.selectorKey !== selectors.key;
}

/**
 * `served`: the template the page came from (then `body` is not asked for: the page is spliced
 * from the template's own bytes), or null: `body()`, the origin's, streamed through the
 * rewriter. A template built with other slots by selector than `opts.selectors` (the content
 * changed them since) is not spliced: its bytes, the origin's page, stream through the rewriter
 * (see `selectorsChanged`).
 */
export function renderPage(
  body: () => ReadableStream | null,
  contentType: string,
  renders: ReadonlyMap<string, SlotRender>,
  opts: RewriteOptions,
  served: TemplateEntry | null,
): ReadableStream | Blob | null {
  if (!served || selectorsChanged(served, opts.selectors)) {
    // A template's body is a Blob made once; its stream is only made here, when it is read.
    const source = served ? templateBody(served.template.bytes) : body();
    return rewriteSlots(new Response(source, { headers: { "content-type": contentType } }), renders, opts).body;
  }
  // The template's bytes are the body; the served response's own (a Blob of the same bytes,
  // never streamed) is left unread: asking for it would make a stream only to cancel it.
  const { bytes } = served.template;
  const parts = spliceParts(served.template, renders, opts);
  // The page unchanged is the template's own (cached) body; the same pieces as a recent page
  // are that page's body (spliced-pages.ts); else one copy of the pieces. A per-visitor tag
  // (a function, made at `</body>`) makes a page of its own.
  if (parts.length === 1 && parts[0] === bytes) return templateBody(bytes);
  return typeof opts.beforeBodyEnd === "function" ? new Blob(parts) : splicedPage(bytes, parts);
}
