/**
 * Streams an HTML response through HTMLRewriter and replaces the inner
 * content of each `[data-p13n-slot]` element that has something to render.
 * Bytes outside slots are not touched. Every handler is wrapped: an error in
 * one slot keeps that slot's default content and never breaks the stream.
 */

/** What one slot shows instead of its default. */
export interface SlotRender {
  variant: string;
  html: string;
  /** `experiment:arm`, set as data-p13n-experiment. */
  experiment?: string;
}

export type SlotSkipReason = "no-decision" | "nested" | "void-element" | "optional-end-tag" | "charset" | "error";

/** Filled as the page streams: which slots were rendered (for impressions and explain). */
export interface RewriteReport {
  rendered: Array<{ slot: string; variant: string }>;
  skipped: Array<{ slot: string; reason: SlotSkipReason }>;
}

export interface RewriteOptions {
  /** The Content-Type named no charset: watch `<meta charset>` and stop if it is not UTF-8. */
  checkMetaCharset: boolean;
  report?: RewriteReport;
  /** Called with an error thrown while rendering a slot (logged by the caller). */
  onError?: (slot: string, err: unknown) => void;
  /** HTML to insert just before `</body>` (the client script tag). */
  beforeBodyEnd?: string;
}

/**
 * Elements whose end tag HTML lets authors omit. lol-html does not infer
 * those implied end tags, so replacing such an element's content could eat
 * its following siblings: slots on them keep their default (README says so).
 */
const OPTIONAL_END_TAG = new Set([
  "p", "li", "dt", "dd", "td", "th", "tr", "thead", "tbody", "tfoot", "option", "optgroup",
  "rb", "rt", "rtc", "rp", "colgroup", "caption", "html", "head", "body",
]);

/** Void elements have no content to replace. */
const VOID = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param", "source", "track", "wbr"]);

const UTF8 = /^\s*(utf-?8|us-ascii)\s*$/i;

class SlotHandler implements HTMLRewriterElementContentHandlers {
  /** Depth of replaced slots we are inside (their content, nested slots included, is gone). */
  #insideReplaced = 0;
  #charsetBlocked = false;
  readonly #renders: ReadonlyMap<string, SlotRender>;
  readonly #opts: RewriteOptions;

  constructor(renders: ReadonlyMap<string, SlotRender>, opts: RewriteOptions) {
    this.#renders = renders;
    this.#opts = opts;
  }

  blockCharset(): void {
    this.#charsetBlocked = true;
  }

  element(el: Element): void {
    const slot = el.getAttribute("data-p13n-slot") ?? "";
    try {
      const reason = this.#skipReason(el, slot);
      if (reason) {
        this.#opts.report?.skipped.push({ slot, reason });
        return;
      }
      const render = this.#renders.get(slot)!;
      el.setAttribute("data-p13n-variant", render.variant);
      if (render.experiment) el.setAttribute("data-p13n-experiment", render.experiment);
      el.setInnerContent(render.html, { html: true });
      this.#insideReplaced++;
      el.onEndTag(() => {
        this.#insideReplaced--;
      });
      this.#opts.report?.rendered.push({ slot, variant: render.variant });
    } catch (err) {
      this.#opts.report?.skipped.push({ slot, reason: "error" });
      this.#opts.onError?.(slot, err);
    }
  }

  #skipReason(el: Element, slot: string): SlotSkipReason | null {
    if (this.#insideReplaced > 0) return "nested";
    if (this.#charsetBlocked) return "charset";
    if (!this.#renders.has(slot)) return "no-decision";
    if (VOID.has(el.tagName)) return "void-element";
    if (OPTIONAL_END_TAG.has(el.tagName)) return "optional-end-tag";
    return null;
  }
}

class MetaCharsetHandler implements HTMLRewriterElementContentHandlers {
  readonly #slots: SlotHandler;
  constructor(slots: SlotHandler) {
    this.#slots = slots;
  }
  element(el: Element): void {
    try {
      const charset =
        el.getAttribute("charset") ??
        (el.getAttribute("http-equiv")?.toLowerCase() === "content-type"
          ? /charset=([^;]+)/i.exec(el.getAttribute("content") ?? "")?.[1]
          : undefined);
      if (charset !== undefined && charset !== null && !UTF8.test(charset)) this.#slots.blockCharset();
    } catch {
      this.#slots.blockCharset();
    }
  }
}

class BodyEndHandler implements HTMLRewriterElementContentHandlers {
  #done = false;
  readonly #html: string;
  constructor(html: string) {
    this.#html = html;
  }
  element(el: Element): void {
    try {
      el.onEndTag((end) => {
        if (this.#done) return;
        this.#done = true;
        end.before(this.#html, { html: true });
      });
    } catch {
      // A body without an end tag gets no script: the page is whole, only unmeasured.
    }
  }
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
  const slots = new SlotHandler(renders, opts);
  let rewriter = new HTMLRewriter();
  if (opts.checkMetaCharset) rewriter = rewriter.on("meta", new MetaCharsetHandler(slots));
  rewriter = rewriter.on("[data-p13n-slot]", slots);
  if (opts.beforeBodyEnd) rewriter = rewriter.on("body", new BodyEndHandler(opts.beforeBodyEnd));
  return rewriter.transform(response);
}
