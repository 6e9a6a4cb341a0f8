/**
 * What the slot rewriter, the slot rules and the template splicer share: what a slot shows,
 * why one keeps its default, and what was rendered. Its own file so that the rules
 * (slot-rules.ts) and the streaming rewriter (slot-rewriter.ts) need not import each other.
 */

/** What one slot shows instead of its default. */
export interface SlotRender {
  variant: string;
  html: string;
  /** `experiment:arm`, set as data-p13n-experiment. */
  experiment?: string;
  /** `html` was filled from this visitor's facts (placeholders): never cache it for another visitor. */
  filled?: true;
}

export type SlotSkipReason = "no-decision" | "nested" | "void-element" | "optional-end-tag" | "raw-text" | "charset" | "error";

/** Filled as the page streams: which slots were rendered (for impressions and explain). */
export interface RewriteReport {
  rendered: Array<{ slot: string; variant: string }>;
  skipped: Array<{ slot: string; reason: SlotSkipReason }>;
}
