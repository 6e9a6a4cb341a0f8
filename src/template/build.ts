/**
 * Parses a page once with HTMLRewriter into a template (template.ts). The parse applies the
 * streaming rewriter's own rules (src/rewrite/slot-rules.ts, and for slots declared by
 * selector src/rewrite/slot-selectors.ts: the template records the selectors it was built
 * with) and leaves every byte as it was: it only inserts unique markers where slots start, where their content starts and
 * ends, and before `</body>`; their positions become offsets into the untouched page.
 *
 * The one thing a template cannot copy from the page is a tagged start tag (a filled slot's, and
 * every slot by selector's, which carries `data-p13n-slot`): lol-html re-serializes a start tag
 * whose attributes change. So each such start tag is run
 * through HTMLRewriter once more on its own, tagged with placeholder values, and the bytes
 * lol-html produced are kept around the placeholders: the splice then equals the stream
 * whatever lol-html's serialization rules are.
 *
 * Anything unexpected (a slot whose end tag never comes, markers not where they should be,
 * bytes that changed) gives no template: the page then keeps the streaming rewrite.
 */
import { PAGE_META_SELECTOR, PageMetaHandler, type PageMeta } from "../rewrite/page-meta.ts";
import { elementSkipReason, metaBlocksSlots, SLOT_ATTRIBUTE, SLOT_SELECTOR, tagSelectorSlot } from "../rewrite/slot-rules.ts";
import { NO_SELECTORS, onSelectorSlots, SelectorClaims, type SlotSelectors } from "../rewrite/slot-selectors.ts";
import type { PageTemplate, TemplateSlot } from "./template.ts";
import { indexOf, sameBytes } from "./bytes.ts";
import { retag, taggedForms } from "./tagged-start.ts";

/** Per-entry bookkeeping beyond the page bytes (slot records, maps), counted in a template's size. */
const OVERHEAD_BYTES = 1024;
const SLOT_OVERHEAD_BYTES = 160;

interface Found {
  id: string;
  /** Declared by selector: its start tag is tagged `data-p13n-slot` when the page is filled. */
  bySelector: boolean;
  tag: string;
  charsetBlocked: boolean;
  fillable: boolean;
  closed: boolean;
}

const encoder = new TextEncoder();

/**
 * Builds a template from a whole page, or returns null when the page must keep the streaming rewrite.
 *
 * @example
 * const t = await buildTemplate(new Uint8Array(await res.arrayBuffer()), "text/html; charset=utf-8", slotSelectorsOf(manifest));
 * if (t) splice(t, renders, { checkMetaCharset: false });
 */
export async function buildTemplate(bytes: Uint8Array, contentType: string, selectors: SlotSelectors = NO_SELECTORS): Promise<PageTemplate | null> {
  const nonce = crypto.randomUUID().replace(/-/g, "");
  // \x01 and \x02 around a random nonce: no page carries these by chance, and they are ASCII,
  // so they come out the same in any encoding lol-html writes.
  const mark = (kind: string, i: number) => `\u0001${nonce}${kind}${i}\u0002`;
  let charsetBlocked = false;
  const pageMeta: PageMeta = {};
  const checkMetaCharset = !/charset=/i.test(contentType);
  const slots = new SlotRecorder(mark, () => charsetBlocked);
  const found = slots.found;

  let rewriter = new HTMLRewriter();
  // The builder does not tag what a selector claims: counting elements keeps one element one slot (src/rewrite/slot-selectors.ts).
  if (selectors.list.length > 0) {
    rewriter = rewriter.on("*", {
      element() {
        slots.elements++;
      },
    });
  }
  // Registered in the streaming rewriter's order: a <meta data-p13n-slot charset> blocks itself.
  if (checkMetaCharset) {
    rewriter = rewriter.on("meta", {
      element(el) {
        if (metaBlocksSlots(el)) charsetBlocked = true;
      },
    });
  }
  rewriter = slots.install(rewriter, selectors);
  rewriter = markBodyEnd(rewriter, mark("E", 0));
  rewriter = rewriter.on(PAGE_META_SELECTOR, new PageMetaHandler(pageMeta));

  const marked = new Uint8Array(
    await rewriter.transform(new Response(bytes, { headers: { "content-type": contentType } })).arrayBuffer(),
  );
  const positions = locateMarkers(marked, bytes, nonce);
  if (!positions) return null;

  const records: TemplateSlot[] = [];
  let lastAt = -1;
  let size = bytes.byteLength + OVERHEAD_BYTES;
  for (let i = 0; i < found.length; i++) {
    const r = await slotRecord(found[i]!, i, positions, bytes, contentType, nonce);
    if (!r || r.at < lastAt) return null;
    lastAt = r.at;
    for (const part of r.tagged) size += part.byteLength;
    for (const part of r.taggedWithExperiment) size += part.byteLength;
    if (r.selectorTag) size += r.selectorTag.byteLength;
    size += SLOT_OVERHEAD_BYTES + r.id.length * 2;
    records.push(r);
  }
  const bodyEnd = positions.get("E0") ?? -1;
  // The client script's place must survive any decision: never inside content a slot may replace.
  if (bodyEnd >= 0 && records.some((r) => r.innerStart >= 0 && bodyEnd >= r.innerStart && bodyEnd < r.innerEnd)) return null;
  return { bytes, slots: records, bodyEnd, pageMeta, size, selectorKey: selectors.key };
}

/** A marker before the first `</body>`: where the client script goes. */
function markBodyEnd(rewriter: HTMLRewriter, marker: string): HTMLRewriter {
  let bodyDone = false;
  return rewriter.on("body", {
    element(el) {
      el.onEndTag((end) => {
        if (bodyDone) return;
        bodyDone = true;
        end.before(marker, { html: true });
      });
    },
  });
}

/** One found slot's record from the marker positions, or null when the markers say the page cannot be spliced. */
async function slotRecord(
  f: Found,
  i: number,
  positions: Map<string, number>,
  bytes: Uint8Array,
  contentType: string,
  nonce: string,
): Promise<TemplateSlot | null> {
  const at = positions.get(`A${i}`);
  if (at === undefined) return null;
  let innerStart = -1;
  let innerEnd = -1;
  let tagged: Uint8Array[] = [];
  let taggedWithExperiment: Uint8Array[] = [];
  const slotId = f.bySelector ? f.id : undefined;
  if (f.fillable) {
    // A slot lol-html closed implicitly (no end tag of its own) is not modelled: stream it.
    if (!f.closed) return null;
    const b = positions.get(`B${i}`);
    const c = positions.get(`C${i}`);
    if (b === undefined || c === undefined || !(at < b && b <= c)) return null;
    innerStart = b;
    innerEnd = c;
    const forms = await taggedForms(bytes.subarray(at, b), contentType, nonce, slotId);
    if (!forms) return null;
    ({ tagged, taggedWithExperiment } = forms);
  }
  let selectorTag: Uint8Array | null = null;
  let tagEnd = -1;
  if (slotId !== undefined) {
    // Where its start tag ends: the content's start when fillable, else a marker of its own.
    const end = f.fillable ? innerStart : positions.get(`T${i}`);
    if (end === undefined || !(at < end)) return null;
    tagEnd = end;
    selectorTag = await retag(bytes.subarray(at, end), contentType, (el) => tagSelectorSlot(el, slotId));
  }
  return { id: f.id, tag: f.tag, at, charsetBlocked: f.charsetBlocked, innerStart, innerEnd, tagged, taggedWithExperiment, tagEnd, selectorTag };
}

/**
 * Finds the page's slots while the builder's parse runs, by the streaming rewriter's rules, and
 * marks where each starts (A), where its content starts (B) and ends (C).
 */
class SlotRecorder {
  readonly found: Found[] = [];
  /** Elements started so far (counted only when there are slots by selector). */
  elements = 0;
  readonly #claims = new SelectorClaims();
  readonly #mark: (kind: string, i: number) => string;
  readonly #charsetBlocked: () => boolean;

  constructor(mark: (kind: string, i: number) => string, charsetBlocked: () => boolean) {
    this.#mark = mark;
    this.#charsetBlocked = charsetBlocked;
  }

  /** The markup slot handler, then one per slot by selector (the streaming rewriter's order). */
  install(rewriter: HTMLRewriter, selectors: SlotSelectors): HTMLRewriter {
    rewriter = rewriter.on(SLOT_SELECTOR, {
      element: (el) => {
        const id = el.getAttribute(SLOT_ATTRIBUTE) ?? "";
        this.#claims.markup(id);
        this.#record(el, id, false);
      },
    });
    return onSelectorSlots(rewriter, selectors, (id) => ({
      element: (el) => {
        if (this.#claims.claims(id, el, this.elements)) this.#record(el, id, true);
      },
    }));
  }

  // One element is one slot (src/rewrite/slot-selectors.ts), so each end-tag handler is its own.
  #record(el: Element, id: string, bySelector: boolean): void {
    const i = this.found.length;
    const charsetBlocked = this.#charsetBlocked();
    const entry: Found = { id, bySelector, tag: el.tagName, charsetBlocked, fillable: !charsetBlocked && elementSkipReason(el.tagName) === null, closed: false };
    this.found.push(entry);
    el.before(this.#mark("A", i), { html: true });
    if (!entry.fillable) {
      // Where a slot by selector's start tag ends: after a void element, else before its content.
      // (Not placed: the marker is missing, so no template.)
      if (bySelector) {
        try {
          if (elementSkipReason(el.tagName) === "void-element") el.after(this.#mark("T", i), { html: true });
          else el.prepend(this.#mark("T", i), { html: true });
        } catch {
          // No marker: no template.
        }
      }
      return;
    }
    try {
      // First, as the streaming rewriter does: an element lol-html gives no end tag
      // (`<svg><g data-p13n-slot="x"/>`) throws here; it stays unclosed, so no template.
      el.onEndTag((end) => {
        entry.closed = true;
        end.before(this.#mark("C", i), { html: true });
      });
    } catch {
      return;
    }
    el.prepend(this.#mark("B", i), { html: true });
  }
}

/**
 * Offsets of every marker in the marker-free page, keyed `<kind><index>`; null when a marker
 * repeats or the marker-free output differs from the original bytes by a single byte.
 */
function locateMarkers(marked: Uint8Array, original: Uint8Array, nonce: string): Map<string, number> | null {
  const positions = new Map<string, number>();
  const head = encoder.encode(`\u0001${nonce}`);
  let out = 0; // offset in the marker-free page
  let from = 0; // offset in the marked output
  for (;;) {
    const hit = indexOf(marked, head, from);
    const segmentEnd = hit < 0 ? marked.length : hit;
    const length = segmentEnd - from;
    if (out + length > original.length || !sameBytes(marked, from, original, out, length)) return null;
    out += length;
    if (hit < 0) break;
    const close = marked.indexOf(2, hit + head.length);
    if (close < 0) return null;
    const key = new TextDecoder().decode(marked.subarray(hit + head.length, close));
    if (positions.has(key)) return null;
    positions.set(key, out);
    from = close + 1;
  }
  return out === original.length ? positions : null;
}
