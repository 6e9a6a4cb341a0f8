/**
 * Adds `data-p13n-slot="<id>"` to real elements of a real page, as start-tag attribute
 * insertions: every other byte of the page stays as it was. Works on a latin1 view of
 * the bytes (one char per byte), so pages that are not UTF-8 survive unchanged.
 *
 * The scan is a small tokenizer, not a parser: it skips comments, doctype/processing
 * instructions and the raw-text elements (script, style, textarea, title, noscript, xmp,
 * iframe, noembed, noframes, plaintext), so a `<div` inside a script is never picked.
 * Slot hosts are elements the worker can fill (src/rewrite/slot-rewriter.ts): a required
 * end tag (no p, li, td…: lol-html does not infer omitted end tags), never void, never one
 * inside another (a filled outer slot swallows the inner one), and small (a few KB), so
 * filling five of them leaves the page mostly as the origin sent it. They are spread
 * over the body: the first slot near the top, the last near the end.
 *
 * @example
 * const { html, placed } = addSlots(Buffer.from(page), ["hero", "promo"]);
 */
import { isUtf8 as bufferIsUtf8 } from "node:buffer";

/** Elements whose content is raw text: a `<` inside them is not a tag. */
const RAW_TEXT = new Set(["script", "style", "textarea", "title", "noscript", "xmp", "iframe", "noembed", "noframes", "plaintext"]);
/** Block containers with required end tags: the usual homes of a personalized region. */
const BLOCK_HOSTS = new Set(["div", "section", "aside", "article", "header", "footer", "nav", "figure", "blockquote", "h1", "h2", "h3", "h4"]);
/** Inline hosts, used only when a page has too few block ones. */
const INLINE_HOSTS = new Set(["span", "a", "strong", "em", "small", "b", "i"]);

export interface Tag {
  name: string;
  closing: boolean;
  /** Offset of the `<`. */
  start: number;
  /** Offset just past the `>`. */
  end: number;
  /** Offset just after the tag name: where an attribute can be inserted. */
  insertAt: number;
  /** The tag is in the body (after `<body>`, or after `</head>` when there is no body tag). */
  inBody: boolean;
}

export interface SlotResult {
  html: Buffer;
  /** The slot ids placed, in page order, with the element they went on. */
  placed: { slot: string; tag: string; offset: number }[];
}

/** Every start and end tag of the page, in order (see the module comment for what is skipped). */
export function tokenize(text: string): Tag[] {
  const tags: Tag[] = [];
  let inBody = false;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const lt = text.indexOf("<", i);
    if (lt < 0) break;
    if (text.startsWith("<!--", lt)) {
      const end = text.indexOf("-->", lt + 4);
      i = end < 0 ? n : end + 3;
      continue;
    }
    if (text[lt + 1] === "!" || text[lt + 1] === "?") {
      const end = text.indexOf(">", lt + 2);
      i = end < 0 ? n : end + 1;
      continue;
    }
    const closing = text[lt + 1] === "/";
    const nameStart = lt + (closing ? 2 : 1);
    const m = /^[A-Za-z][A-Za-z0-9-]*/.exec(text.slice(nameStart, nameStart + 32));
    if (!m) {
      i = lt + 1;
      continue;
    }
    const name = m[0].toLowerCase();
    const insertAt = nameStart + m[0].length;
    const end = findTagEnd(text, insertAt);
    if (closing && name === "head") inBody = true;
    if (!closing && name === "body") inBody = true;
    tags.push({ name, closing, start: lt, end, insertAt, inBody: inBody && name !== "body" });
    i = end;
    if (!closing && RAW_TEXT.has(name)) {
      if (name === "plaintext") break;
      const close = new RegExp(`</${name}[\\s/>]`, "ig");
      close.lastIndex = i;
      const cm = close.exec(text);
      i = cm ? cm.index : n;
    }
  }
  // A page with neither <body> nor </head>: all of it is body.
  if (!tags.some((t) => t.inBody)) for (const t of tags) t.inBody = !["html", "head", "meta", "link", "base", "body"].includes(t.name);
  return tags;
}

/** Start tags in the body, in order. */
export function bodyStartTags(text: string): Tag[] {
  return tokenize(text).filter((t) => !t.closing && t.inBody);
}

/** Index just past the `>` that ends a tag whose name ends at `from`, honouring quoted attribute values. */
function findTagEnd(text: string, from: number): number {
  let quote: string | null = null;
  for (let j = from; j < text.length; j++) {
    const c = text[j];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      // Quotes only open an attribute value right after `=` (allowing spaces).
      let k = j - 1;
      while (k > from && /\s/.test(text[k]!)) k--;
      if (text[k] === "=") quote = c;
    } else if (c === ">") return j + 1;
  }
  return text.length;
}

/** An element with its extent: start of its start tag to end of its matching end tag. */
export interface Span {
  tag: Tag;
  to: number;
  /** Bytes of inner content. */
  inner: number;
}

/** Elements whose end tag was found (same-name nesting counted), in document order. */
export function elementSpans(tags: readonly Tag[]): Span[] {
  const open = new Map<string, Tag[]>();
  const spans: Span[] = [];
  for (const t of tags) {
    if (!t.closing) {
      let stack = open.get(t.name);
      if (!stack) open.set(t.name, (stack = []));
      stack.push(t);
    } else {
      const o = open.get(t.name)?.pop();
      if (o) spans.push({ tag: o, to: t.end, inner: t.start - o.end });
    }
  }
  return spans.sort((a, b) => a.tag.start - b.tag.start);
}

/** Picks `count` evenly spread indices out of `n` (first and last included when count ≥ 2). */
export function spread(n: number, count: number): number[] {
  if (count <= 0 || n <= 0) return [];
  if (count >= n) return Array.from({ length: n }, (_, i) => i);
  if (count === 1) return [0];
  return Array.from({ length: count }, (_, k) => Math.round((k * (n - 1)) / (count - 1)));
}

const overlaps = (a: Span, b: Span) => a.tag.start < b.to && b.tag.start < a.to;

/** Up to `count` non-overlapping spans from `pool`, spread over it; keeps `chosen` and adds to it. */
function pickSpread(pool: readonly Span[], count: number, chosen: Span[]): void {
  for (const target of spread(pool.length, count)) {
    if (chosen.length >= count) return;
    // From the target outwards, the nearest candidate that does not overlap one already chosen.
    for (let d = 0; d < pool.length; d++) {
      const found = [pool[target + d], pool[target - d]].find((s) => s && !chosen.some((x) => x === s || overlaps(x, s)));
      if (found) {
        chosen.push(found);
        break;
      }
    }
  }
}

/** Adds one `data-p13n-slot` attribute per id in `slotIds` (see the module comment). */
export function addSlots(page: Buffer, slotIds: readonly string[]): SlotResult {
  const text = page.toString("latin1");
  const spans = elementSpans(tokenize(text)).filter(
    (s) => s.tag.inBody && !/data-p13n-slot/i.test(text.slice(s.tag.insertAt, s.tag.end)) && s.inner > 0,
  );
  const cap = Math.max(1024, Math.min(8192, page.length * 0.05));
  const tiers: ((s: Span) => boolean)[] = [
    (s) => BLOCK_HOSTS.has(s.tag.name) && s.inner <= cap,
    (s) => (BLOCK_HOSTS.has(s.tag.name) || INLINE_HOSTS.has(s.tag.name)) && s.inner <= cap,
    (s) => BLOCK_HOSTS.has(s.tag.name) || INLINE_HOSTS.has(s.tag.name),
  ];
  const chosen: Span[] = [];
  for (const tier of tiers) {
    if (chosen.length >= slotIds.length) break;
    pickSpread(spans.filter(tier), slotIds.length, chosen);
  }
  chosen.sort((a, b) => a.tag.start - b.tag.start);
  const placed = chosen.map((s, k) => ({ slot: slotIds[k]!, tag: s.tag.name, offset: s.tag.insertAt }));
  const parts: Buffer[] = [];
  let prev = 0;
  for (const p of placed) {
    parts.push(page.subarray(prev, p.offset), Buffer.from(` data-p13n-slot="${p.slot}"`, "latin1"));
    prev = p.offset;
  }
  parts.push(page.subarray(prev));
  return { html: Buffer.concat(parts), placed };
}

/** True when the bytes are valid UTF-8. */
export function isUtf8(bytes: Uint8Array): boolean {
  return bufferIsUtf8(bytes);
}

/** The charset a page declares in a `<meta>` (first 4 KiB, as the HTML spec's prescan), or null. */
export function declaredCharset(bytes: Uint8Array): string | null {
  const head = Buffer.from(bytes.subarray(0, 4096)).toString("latin1");
  const m = /<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)/i.exec(head);
  return m ? m[1]!.toLowerCase() : null;
}
