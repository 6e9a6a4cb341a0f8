/**
 * Slots declared by selector (`selector:` in a slot's content): which element of a page each one
 * is. Shared by the streaming rewriter (slot-rewriter.ts) and the template builder
 * (src/template/build.ts), so a spliced page equals the streamed one.
 *
 * The rule, decided element by element as the page streams (nothing depends on what comes
 * later, nor on the visitor's decisions):
 *  - a selector slot is the first element its selector matches that carries no `data-p13n-slot`
 *    (an element is a markup slot or nothing else);
 *  - once a markup slot with the same id has been met, the selector no longer applies: the
 *    markup slot wins (a selector match before it has already been filled, as a second
 *    markup element of one id would be);
 *  - one element is one slot: the element is tagged `data-p13n-slot="<id>"` when claimed
 *    (slot-rules.ts `tagSelectorSlot`), so a second selector that matches it moves on to its
 *    next match, as it would past a markup slot (publishing refuses two slots with the same
 *    selector).
 * From there a selector slot follows every rule a markup slot does (slot-rules.ts).
 *
 * @example
 * const selectors = slotSelectorsOf(manifest); // { list: [{ id: "footer-promo", selector: "footer .promo" }], key: "…" }
 */
import { SLOT_ATTRIBUTE } from "./slot-rules.ts";

export interface SlotSelector {
  id: string;
  selector: string;
}

/** A manifest's selector slots in its order, and a key that changes whenever they do (a template records it). */
export interface SlotSelectors {
  readonly list: readonly SlotSelector[];
  readonly key: string;
}

export const NO_SELECTORS: SlotSelectors = Object.freeze({ list: Object.freeze([]), key: "" });

type WithSlots = { readonly slots: Readonly<Record<string, { readonly selector?: string | undefined }>> };

// Per manifest object (versions are immutable and held per isolate): content, not visitor state.
const memo = new WeakMap<WithSlots, SlotSelectors>();

/**
 * The selector slots of a manifest (none for null), computed once per manifest object.
 *
 * @example
 * rewriteSlots(res, renders, { checkMetaCharset: true, selectors: slotSelectorsOf(manifest) });
 */
export function slotSelectorsOf(manifest: WithSlots | null | undefined): SlotSelectors {
  if (!manifest) return NO_SELECTORS;
  let held = memo.get(manifest);
  if (!held) {
    const list: SlotSelector[] = [];
    for (const [id, slot] of Object.entries(manifest.slots)) if (slot.selector !== undefined) list.push({ id, selector: slot.selector });
    held = list.length === 0 ? NO_SELECTORS : { list, key: JSON.stringify(list.map((s) => [s.id, s.selector])) };
    memo.set(manifest, held);
  }
  return held;
}

/** One page's claims: which selector slots have found their element, or were turned off by markup. */
export class SelectorClaims {
  readonly #settled = new Set<string>();

  /** A markup slot `id` was met: a selector of the same id no longer applies. */
  markup(id: string): void {
    this.#settled.add(id);
  }

  /** The number of the element last claimed, when claimed elements are not tagged. */
  #lastClaimed = -1;

  /**
   * Whether `el`, matched by selector slot `id`'s selector, is that slot's element. A caller that
   * tags what it claims (the rewriter) needs nothing more: the tag makes the element a slot. One
   * that leaves the bytes alone (the template builder, a page only read) passes the element's
   * number in the page, so an element once claimed is not claimed again.
   */
  claims(id: string, el: Element, element?: number): boolean {
    if (this.#settled.has(id) || el.hasAttribute(SLOT_ATTRIBUTE)) return false;
    if (element !== undefined && element === this.#lastClaimed) return false;
    this.#settled.add(id);
    if (element !== undefined) this.#lastClaimed = element;
    return true;
  }
}

/**
 * Registers one handler per selector slot, in the manifest's order. A selector HTMLRewriter
 * refuses (publishing checks them, so only a version written around the API could hold one)
 * is left out, the same way wherever a page is rendered.
 *
 * @example
 * rewriter = onSelectorSlots(rewriter, selectors, (id) => ({ element(el) { … } }));
 */
export function onSelectorSlots(rewriter: HTMLRewriter, selectors: SlotSelectors, handler: (id: string) => HTMLRewriterElementContentHandlers): HTMLRewriter {
  for (const { id, selector } of selectors.list) {
    try {
      rewriter = rewriter.on(selector, handler(id));
    } catch {
      // Not installable: the slot is simply not on the page.
    }
  }
  return rewriter;
}
