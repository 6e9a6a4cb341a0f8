/**
 * The fail-open rewrite's markers (./fail-open.ts): plain text, `\x01<nonce><n>\x02`, put into the
 * origin's page where text changes nothing about how it parses — just after a chunk's last `>`
 * or just before its last `<` — and taken out of the rewriter's output again, each telling how far
 * the output is complete. The nonce is random per page: no page carries it by chance.
 *
 * @example
 * const markers = new Markers();
 * const fed = markers.insert(chunk, 1);            // null: no place for one in this chunk
 * const out = new MarkerScanner(markers);
 * out.scan(rewritten, (ready) => send(ready), (n) => confirmed(n));
 */

const START = 0x01;
const END = 0x02;
const LT = 0x3c;
const GT = 0x3e;
/** Base-36 digits of a marker's number, at most (36^8 chunks is more than any page has). */
const MAX_SEQ_DIGITS = 8;
const encoder = new TextEncoder();

/** Where a marker may go in this chunk: after its last `>` or before its last `<`, whichever is later; -1 for none. */
export function insertionPoint(chunk: Uint8Array): number {
  const lt = chunk.lastIndexOf(LT);
  const gt = chunk.lastIndexOf(GT);
  if (lt < 0 && gt < 0) return -1;
  return Math.max(lt, gt + 1);
}

function join(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let length = 0;
  for (const part of parts) length += part.byteLength;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

export class Markers {
  readonly #text = crypto.randomUUID().replace(/-/g, "").slice(0, 12);
  readonly nonce = encoder.encode(this.#text);

  /** `chunk` with marker `n` at `at` (insertionPoint), as one chunk: every chunk costs a trip through the streams. */
  insert(chunk: Uint8Array, at: number, n: number): Uint8Array {
    return join([chunk.subarray(0, at), encoder.encode(`\u0001${this.#text}${n.toString(36)}\u0002`), chunk.subarray(at)]);
  }

  /** A marker at `at`: its number and where it ends; "partial" when the bytes end inside one; null when it is not ours. */
  read(buf: Uint8Array, at: number): { n: number; end: number } | "partial" | null {
    let i = at + 1;
    for (let k = 0; k < this.nonce.length; k++, i++) {
      if (i >= buf.length) return "partial";
      if (buf[i] !== this.nonce[k]) return null;
    }
    let n = 0;
    for (let digits = 0; ; digits++, i++) {
      if (i >= buf.length) return "partial";
      const b = buf[i]!;
      if (b === END) return digits > 0 ? { n, end: i + 1 } : null;
      const d = b >= 0x30 && b <= 0x39 ? b - 0x30 : b >= 0x61 && b <= 0x7a ? b - 0x61 + 10 : -1;
      if (d < 0 || digits >= MAX_SEQ_DIGITS) return null;
      n = n * 36 + d;
    }
  }
}

/**
 * Takes the markers out of the rewriter's output: what comes before a marker is complete and is
 * handed on (as one chunk); what comes after the newest one is held until the next.
 */
export class MarkerScanner {
  readonly #markers: Markers;
  #held: Uint8Array[] = [];
  /** The start of a marker the last chunk ended inside. */
  #carry: Uint8Array | null = null;

  constructor(markers: Markers) {
    this.#markers = markers;
  }

  /** Scans a chunk of output; `ready` gets what a marker completed, `confirmed` each marker's number. True when something was ready. */
  scan(chunk: Uint8Array, ready: (bytes: Uint8Array) => void, confirmed: (n: number) => void): boolean {
    let sent = false;
    const buf = this.#carry ? join([this.#carry, chunk]) : chunk;
    this.#carry = null;
    let from = 0;
    for (;;) {
      const i = buf.indexOf(START, from);
      const marker = i < 0 ? null : this.#markers.read(buf, i);
      if (i < 0 || marker === "partial") {
        if ((i < 0 ? buf.length : i) > from) this.#held.push(buf.subarray(from, i < 0 ? undefined : i));
        if (marker === "partial") this.#carry = buf.slice(i);
        return sent;
      }
      if (marker === null) {
        // A 0x01 of the page's own.
        this.#held.push(buf.subarray(from, i + 1));
        from = i + 1;
        continue;
      }
      if (i > from) this.#held.push(buf.subarray(from, i));
      sent = this.#release(ready) || sent;
      confirmed(marker.n);
      from = marker.end;
    }
  }

  /** The output ended: everything held is complete. */
  end(ready: (bytes: Uint8Array) => void): boolean {
    if (this.#carry) this.#held.push(this.#carry);
    this.#carry = null;
    return this.#release(ready);
  }

  /** The rewriter failed: what is held will never be complete. */
  drop(): void {
    this.#held = [];
    this.#carry = null;
  }

  #release(ready: (bytes: Uint8Array) => void): boolean {
    if (this.#held.length === 0) return false;
    ready(join(this.#held));
    this.#held = [];
    return true;
  }
}
