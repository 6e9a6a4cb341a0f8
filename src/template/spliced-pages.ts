/**
 * The last spliced pages, kept as the Blob a page's body is made of. Visitors whose decisions
 * are the same on the same template (a segment's, a context rule's) get the same bytes: the
 * second one's body is the first one's Blob, where `new Blob(parts)` would copy the whole page
 * again on every request.
 *
 * A page is known by what it is made of, by identity: each piece is a range of the template's
 * own bytes, or a fragment the splice keeps encoded (variants, attribute values, tags: never
 * changed once made, each numbered here on first sight). Equal keys are equal pieces in the
 * same order, so equal bytes: a kept page is exactly the page the splice would make. A page
 * with a per-visitor piece (a first page's script tag, made at `</body>`) is never kept.
 *
 * Bounded: at most MAX_BYTES of pages, least recently used out; a key is a short string of
 * numbers whatever the page. Content the splice made, never more than it was given.
 *
 * @example
 * const body = splicedPage(template.bytes, parts); // a Blob, the same one for the same pieces
 */

/** Bytes of spliced pages an isolate keeps (beside TEMPLATE_CACHE_BYTES: a handful per template). */
export const MAX_BYTES = 8 * 1024 * 1024;

const pages = new Map<string, Blob>();
let keptBytes = 0;

/** Pieces' numbers, by identity: a fragment is never changed after it is made, so its number names its bytes. */
const ids = new WeakMap<object, number>();
let nextId = 0;

function idOf(o: object): number {
  let id = ids.get(o);
  if (id === undefined) ids.set(o, (id = nextId++));
  return id;
}

/** The page's key: the template's number, then each piece as a range of its bytes or a fragment's number. */
function keyOf(bytes: Uint8Array, parts: readonly Uint8Array[]): string {
  const buffer = bytes.buffer;
  let key = String(idOf(buffer));
  for (const p of parts) key += p.buffer === buffer ? `,${p.byteOffset}+${p.byteLength}` : `,#${idOf(p)}`;
  return key;
}

/**
 * The page made of `parts` (views into the template's `bytes` and fragments kept encoded), as
 * a Blob: the one kept for the same pieces, else a new one, kept.
 */
export function splicedPage(bytes: Uint8Array, parts: readonly Uint8Array[]): Blob {
  const key = keyOf(bytes, parts);
  let blob = pages.get(key);
  if (blob) {
    // Most recently used last: the first key is the next to go.
    pages.delete(key);
    pages.set(key, blob);
    return blob;
  }
  blob = new Blob(parts as Uint8Array[]);
  if (blob.size > MAX_BYTES / 4) return blob;
  pages.set(key, blob);
  keptBytes += blob.size;
  for (const [k, b] of pages) {
    if (keptBytes <= MAX_BYTES) break;
    pages.delete(k);
    keptBytes -= b.size;
  }
  return blob;
}

/** How many pages and bytes are kept (tests). */
export function splicedPagesKept(): { pages: number; bytes: number } {
  return { pages: pages.size, bytes: keptBytes };
}
