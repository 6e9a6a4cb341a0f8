/**
 * Streams an HTML response through HTMLRewriter and replaces the inner
 * content of each `[data-p13n-slot]` element, and of each slot declared by
 * selector (./slot-selectors.ts), that has something to render.
 * Bytes outside slots are not touched. Every handler is wrapped: an error in
 * one slot keeps that slot's default content and never breaks the stream; an
 * error of the parser itself passes the rest of the page through as it came
 * (./fail-open.ts).
 */
import { failOpen } from "./fail-open.ts";
import { PAGE_META_SELECTOR, PageMetaHandler, type PageMeta } from "./page-meta.ts";
import { metaBlocksSlots, SLOT_ATTRIBUTE, SLOT_SELECTOR, slotSkipReason, tagSelectorSlot, tagSlot } from "./slot-rules.ts";
import { onSelectorSlots, SelectorClaims, type SlotSelectors } from "./slot-selectors.ts";
import type { RewriteReport, SlotRender, SlotSkipReason } from "./types.ts";

export type { RewriteReport, SlotRender, SlotSkipReason } from "./types.ts";

export interface RewriteOptions {
  /** The Content-Type named no charset: watch `<meta charset>` and stop if it is not UTF-8. */
  checkMetaCharset: boolean;
  /** The manifest's slots declared by selector (slotSelectorsOf); none when absent. */
  selectors?: SlotSelectors;
  /**
   * Give each slot by selector's element `data-p13n-slot` (default true), filled or not, as a
   * markup slot carries it: the client script counts only such elements. False for a page that
   * is only read, whose bytes must not change.
   */
  tagSelectorSlots?: boolean;
  report?: RewriteReport;
  /** Called with an error thrown while rendering a slot (logged by the caller). */
  onError?: (slot: string, err: unknown) => void;
  /**
   * HTML to insert just before `</body>` (the client script tag); a function is asked there, once
   * the slots before it are in `report` (a first page's exposure token names the slots it carried).
   */
  beforeBodyEnd?: string | (() => string);
  /** Filled with the page's p13n:category / p13n:topics meta as the head streams. */
  pageMeta?: PageMeta;
  /** Called once the whole document went through (the page view is recorded then). */
  onEnd?: () => void;
  /**
   * The most origin bytes held to fall back on if the parser fails mid-page (./fail-open.ts);
   * default FALLBACK_BYTES. The page path passes MAX_REWRITE_BYTES.
   */
  fallbackBytes?: number;
}

/** Default bound on what is held to fall back on: past lol-html's own limit on a buffered tag (about 3 MiB). */
export const FALLBACK_BYTES = 5 * 1024 * 1024;

class SlotHandler implements HTMLRewriterElementContentHandlers {
  /** Depth of replaced slots we are inside (their content, nested slots included, is gone). */
  #insideReplaced = 0;
  #charsetBlocked = false;
  readonly #renders: ReadonlyMap<string, SlotRender>;
  readonly #opts: RewriteOptions;
  readonly claims = new SelectorClaims();
  /** Elements started so far: counted only when claimed elements are not tagged (./slot-selectors.ts). */
  elements = 0;

  constructor(renders: ReadonlyMap<string, SlotRender>, opts: RewriteOptions) {
    this.#renders = renders;
    this.#opts = opts;
  }

  blockCharset(): void {
    this.#charsetBlocked = true;
  }

  /** A `[data-p13n-slot]` element. */
  element(el: Element): void {
    const slot = el.getAttribute(SLOT_ATTRIBUTE) ?? "";
    this.claims.markup(slot);
    this.fill(el, slot);
  }

  /** The slot `slot` is `el` (by markup or by selector): fill it, or report why it keeps its default. */
  fill(el: Element, slot: string): void {
    try {
      const reason = this.#skipReason(el, slot);
      if (reason) {
        this.#opts.report?.skipped.push({ slot, reason });
        return;
      }
      const render = this.#renders.get(slot)!;
      // The end tag first: an element lol-html gives none (`<svg><g data-p13n-slot="x"/>`) throws
      // here, before anything changed, so the slot keeps its default whole (no variant claimed
      // for content that was never replaced) and the slots after it are not taken for nested.
      let replacing = false;
      el.onEndTag(() => {
        if (replacing) this.#insideReplaced--;
      });
      tagSlot(el, render);
      el.setInnerContent(render.html, { html: true });
      replacing = true;
      this.#insideReplaced++;
      this.#opts.report?.rendered.push({ slot, variant: render.variant });
    } catch (err) {
      this.fail(slot, err);
    }
  }

  /** The slot keeps its default: an error. */
  fail(slot: string, err: unknown): void {
    this.#opts.report?.skipped.push({ slot, reason: "error" });
    this.#opts.onError?.(slot, err);
  }

  #skipReason(el: Element, slot: string): SlotSkipReason | null {
    // The rules live in slot-rules.ts: the template splicer (src/template/) applies the same ones.
    return slotSkipReason({
      nested: this.#insideReplaced > 0,
      charsetBlocked: this.#charsetBlocked,
      hasRender: this.#renders.has(slot),
      tagName: el.tagName,
    });
  }
}

/** One slot declared by selector: its first claimable match is the slot (./slot-selectors.ts). */
class SelectorSlotHandler implements HTMLRewriterElementContentHandlers {
  readonly #slots: SlotHandler;
  readonly #id: string;
  readonly #tag: boolean;
  constructor(slots: SlotHandler, id: string, tag: boolean) {
    this.#slots = slots;
    this.#id = id;
    this.#tag = tag;
  }
  element(el: Element): void {
    if (!this.#slots.claims.claims(this.#id, el, this.#tag ? undefined : this.#slots.elements)) return;
    if (this.#tag) {
      try {
        // Before anything else, as a markup slot carries it whatever becomes of its content.
        tagSelectorSlot(el, this.#id);
      } catch (err) {
        this.#slots.fail(this.#id, err);
        return;
      }
    }
    this.#slots.fill(el, this.#id);
  }
}

class MetaCharsetHandler implements HTMLRewriterElementContentHandlers {
  readonly #slots: SlotHandler;
  constructor(slots: SlotHandler) {
    this.#slots = slots;
  }
  element(el: Element): void {
    if (metaBlocksSlots(el)) this.#slots.blockCharset();
  }
}

class BodyEndHandler implements HTMLRewriterElementContentHandlers {
  #done = false;
  readonly #html: string | (() => string);
  constructor(html: string | (() => string)) {
    this.#html = html;
  }
  element(el: Element): void {
    try {
      el.onEndTag((end) => {
        if (this.#done) return;
        this.#done = true;
        try {
          end.before(typeof this.#html === "string" ? this.#html : this.#html(), { html: true });
        } catch {
          // A tag that cannot be made is left out: the page is whole, only unmeasured.
        }
      });
    } catch {
      // A body without an end tag gets no script: the page is whole, only unmeasured.
    }
  }
}

/**
 * True when rewriting would change or read anything: a slot to fill, HTML to insert,
 * page meta to read, or an end-of-document callback.
 *
 * @example
 * if (!needsParser(new Map(), {})) return originResponse; // bytes untouched
 */
export function needsParser(renders: ReadonlyMap<string, SlotRender>, opts: Pick<RewriteOptions, "beforeBodyEnd" | "pageMeta" | "onEnd">): boolean {
  return renders.size > 0 || !!opts.beforeBodyEnd || opts.pageMeta !== undefined || opts.onEnd !== undefined;
}

/**
 * Returns a response whose body streams with slots replaced.
 *
 * @example
 * const report: RewriteReport = { rendered: [], skipped: [] };
 * const out = rewriteSlots(originResponse, new Map([["home-hero", { variant: "gold", html: "<h1>Hi</h1>" }]]), {
 *   checkMetaCharset: true,
 *   report,
 * });
 */
export function rewriteSlots(response: Response, renders: ReadonlyMap<string, SlotRender>, opts: RewriteOptions): Response {
  // Nothing to fill, insert or read: the bytes go through untouched, never into the parser
  // (an anonymous visitor who only gets a cookie costs a pass-through, not a parse).
  if (!needsParser(renders, opts)) return response;
  const slots = new SlotHandler(renders, opts);
  let rewriter = new HTMLRewriter();
  if (opts.checkMetaCharset) rewriter = rewriter.on("meta", new MetaCharsetHandler(slots));
  const selectors = opts.selectors;
  const tag = opts.tagSelectorSlots !== false;
  // Untagged claims tell elements apart by number: counted before any slot handler sees one.
  if (selectors && selectors.list.length > 0 && !tag) {
    rewriter = rewriter.on("*", {
      element() {
        slots.elements++;
      },
    });
  }
  rewriter = rewriter.on(SLOT_SELECTOR, slots);
  if (selectors) rewriter = onSelectorSlots(rewriter, selectors, (id) => new SelectorSlotHandler(slots, id, tag));
  if (opts.beforeBodyEnd) rewriter = rewriter.on("body", new BodyEndHandler(opts.beforeBodyEnd));
  if (opts.pageMeta) rewriter = rewriter.on(PAGE_META_SELECTOR, new PageMetaHandler(opts.pageMeta));
  const onEnd = opts.onEnd;
  const ended = () => {
    try {
      onEnd?.();
    } catch {
      // Bookkeeping after the last byte must never error the stream.
    }
  };
  if (onEnd) rewriter = rewriter.onDocument({ end: ended });
  if (!response.body) return rewriter.transform(response);
  const body = failOpen(response.body, (input) => rewriter.transform(new Response(input, { headers: response.headers })).body!, {
    retainBytes: opts.fallbackBytes ?? FALLBACK_BYTES,
    onFail: (err) => opts.onError?.("(parser)", err),
    onRawEnd: ended,
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
