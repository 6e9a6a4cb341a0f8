/**
 * Which slot elements may be filled, and how a filled one is tagged. Shared by the
 * streaming rewriter (slot-rewriter.ts) and the template builder (src/template/build.ts):
 * a page spliced from a template must equal, byte for byte, the same page streamed, so
 * both take every rule from here and nowhere else.
 */
import type { SlotRender, SlotSkipReason } from "./types.ts";

/** The one selector slots are found by. */
export const SLOT_SELECTOR = "[data-p13n-slot]";
export const SLOT_ATTRIBUTE = "data-p13n-slot";
export const VARIANT_ATTRIBUTE = "data-p13n-variant";
export const EXPERIMENT_ATTRIBUTE = "data-p13n-experiment";

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

/**
 * Elements whose content is not HTML (script source, style sheets, raw text): a fragment there
 * would run or be shown as code, past the sanitizer and the placeholders' escaping alike.
 */
const RAW_TEXT = new Set(["script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript", "plaintext"]);

const UTF8 = /^\s*(utf-?8|us-ascii)\s*$/i;

/** Where a slot element stands while the page streams by. */
export interface SlotState {
  /** Inside a slot whose content is being replaced. */
  nested: boolean;
  /** A `<meta>` naming another charset than UTF-8 came before. */
  charsetBlocked: boolean;
  /** The decision has a variant for this slot. */
  hasRender: boolean;
  tagName: string;
}

/**
 * Why a slot keeps its default, or null when it is filled. The order of the checks is
 * part of the contract (reports name the first reason that applies).
 *
 * @example
 * slotSkipReason({ nested: false, charsetBlocked: false, hasRender: true, tagName: "li" }); // "optional-end-tag"
 */
export function slotSkipReason(s: SlotState): SlotSkipReason | null {
  if (s.nested) return "nested";
  if (s.charsetBlocked) return "charset";
  if (!s.hasRender) return "no-decision";
  return elementSkipReason(s.tagName);
}

/**
 * The reason an element can never be filled whatever the decision, or null.
 *
 * @example
 * elementSkipReason("img"); // "void-element"
 */
export function elementSkipReason(tagName: string): "void-element" | "optional-end-tag" | "raw-text" | null {
  if (VOID.has(tagName)) return "void-element";
  if (OPTIONAL_END_TAG.has(tagName)) return "optional-end-tag";
  if (RAW_TEXT.has(tagName)) return "raw-text";
  return null;
}

/**
 * True when a `<meta>` declares a charset other than UTF-8 (slots after it are left alone:
 * UTF-8 variants spliced into another encoding would be garbled). An unreadable meta blocks.
 *
 * @example
 * new HTMLRewriter().on("meta", { element(el) { if (metaBlocksSlots(el)) blocked = true; } });
 */
export function metaBlocksSlots(el: Element): boolean {
  try {
    const charset =
      el.getAttribute("charset") ??
      (el.getAttribute("http-equiv")?.toLowerCase() === "content-type"
        ? /charset=([^;]+)/i.exec(el.getAttribute("content") ?? "")?.[1]
        : undefined);
    return charset !== undefined && charset !== null && !UTF8.test(charset);
  } catch {
    return true;
  }
}

/**
 * Tags the element a slot's selector claimed as the markup slot it stands for, filled or not:
 * the client script finds slots by this attribute only (impressions and clicks, the default's
 * and a holdout's too), and an element that is a slot is never another selector's match.
 *
 * @example
 * tagSelectorSlot(el, "footer-promo"); // <footer class="x" data-p13n-slot="footer-promo">
 */
export function tagSelectorSlot(el: Element, id: string): void {
  el.setAttribute(SLOT_ATTRIBUTE, id);
}

/**
 * Tags a filled slot's start tag, in this order (lol-html appends new attributes in call order).
 *
 * @example
 * tagSlot(el, { variant: "gold", html: "…", experiment: "hero:b" });
 */
export function tagSlot(el: Element, render: Pick<SlotRender, "variant" | "experiment">): void {
  el.setAttribute(VARIANT_ATTRIBUTE, render.variant);
  if (render.experiment) el.setAttribute(EXPERIMENT_ATTRIBUTE, render.experiment);
}
