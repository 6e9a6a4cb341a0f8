/**
 * A page template: the origin's page bytes exactly as they came, plus where each slot sits
 * in them. Built once per page version (build.ts), spliced per visitor (splice.ts) with no
 * HTML parsing on the request path.
 */
import type { PageMeta } from "../rewrite/page-meta.ts";

/** One slot element of the page (`[data-p13n-slot]`, or a slot's selector), in document order. */
export interface TemplateSlot {
  /** The slot id (its `data-p13n-slot` value, or the id of the slot whose selector matched). */
  id: string;
  /** Lower-case tag name (void, optional-end-tag and raw-text elements are never filled). */
  tag: string;
  /** Offset of the start tag's `<`. */
  at: number;
  /** A `<meta>` naming a charset other than UTF-8 came before it. */
  charsetBlocked: boolean;
  /** Fillable slots only (else -1): first byte of the inner content, and the offset of the end tag. */
  innerStart: number;
  innerEnd: number;
  /**
   * Fillable slots only: the start tag as lol-html re-serializes it once tagged, split around
   * the attribute values: `[before variant, after variant]` and, with an experiment,
   * `[before variant, between, after experiment]`.
   */
  tagged: readonly Uint8Array[];
  taggedWithExperiment: readonly Uint8Array[];
  /**
   * Slots by selector only (else -1 and null): where the start tag ends, and the start tag as
   * lol-html re-serializes it carrying `data-p13n-slot` (what a slot that keeps its default
   * shows; the tagged forms above carry it too).
   */
  tagEnd: number;
  selectorTag: Uint8Array | null;
}

export interface PageTemplate {
  /** The page as the origin sent it (decoded transfer/content encoding). */
  bytes: Uint8Array;
  slots: readonly TemplateSlot[];
  /** Offset of the first `</body>` end tag (where the client script goes), or -1. */
  bodyEnd: number;
  /** The page's own p13n:category / p13n:topics meta. */
  pageMeta: PageMeta;
  /** Approximate bytes this template holds in memory (the isolate cache's budget counts it). */
  size: number;
  /**
   * The slots by selector it was built with (SlotSelectors.key; "" for none): a page rendered
   * with other selectors streams through the rewriter instead (src/template/render.ts).
   */
  selectorKey: string;
}

/** Whether a template slot can be filled by some decision. */
export function fillable(s: TemplateSlot): boolean {
  return s.innerStart >= 0;
}
