/**
 * The streaming rewriter's safety net. lol-html can fail in the middle of a page: ambiguous
 * markup in its strict mode (`<select><xmp><script>`), a filled slot's start tag past its
 * memory limit (a multi-megabyte attribute arriving in chunks), any future parser error. By
 * then the status and the first bytes are on their way, so the page must still arrive whole:
 * from the last point known to be complete, the origin's own bytes pass through untouched
 * (the slots after it keep their defaults, as the page itself would).
 *
 * How that point is known: each chunk of the origin's page goes to the rewriter with a marker
 * (`\x01<nonce><n>\x02`, plain text) at a place where text changes nothing about how the page
 * parses — just after its last `>` or just before its last `<` — and the same markers are taken
 * out of the rewriter's output. Output before a marker is complete and is sent; output after
 * the newest marker is held back until the next one. The origin's bytes since the newest
 * marker are kept, so on a failure the held output is dropped and those bytes follow instead.
 * Markers inside a slot's replaced content vanish with it: the next one seen confirms both.
 * What is kept is bounded (`retainBytes`): past it, a failure errors the stream as before.
 *
 * The cost is JavaScript on both sides of the rewriter, per chunk: both are read in bulk (BYOB
 * reads take what is ready, where default reads take a fetched body's many small pieces one by
 * one), so a streamed page costs about 0.5 ms more CPU (README "Measured").
 *
 * @example
 * const body = failOpen(res.body, (input) => rewriter.transform(new Response(input, res)).body!, {
 *   retainBytes: 5 * 1024 * 1024,
 *   onFail: (err) => console.error(err),
 * });
 */

export interface FailOpenOptions {
  /** The most origin bytes kept to fall back on; past it, a failure errors the stream (as without this module). */
  retainBytes: number;
  /** The rewriter failed and the rest of the page passes through raw. */
  onFail?: (err: unknown) => void;
  /** After a failure: the origin's page has been passed through to its end. */
  onRawEnd?: () => void;
}

const START = 0x01;
const END = 0x02;
const LT = 0x3c;
const GT = 0x3e;
/** Base-36 digits of a marker's number, at most (36^8 chunks is more than any page has). */
const MAX_SEQ_DIGITS = 8;
const encoder = new TextEncoder();

/** Where a marker may go in this chunk: after its last `>` or before its last `<`, whichever is later; -1 for none. */
function insertionPoint(chunk: Uint8Array): number {
  const lt = chunk.lastIndexOf(LT);
  const gt = chunk.lastIndexOf(GT);
  if (lt < 0 && gt < 0) return -1;
  return Math.max(lt, gt + 1);
}

/** A marker at `at`: its number and where it ends; "partial" when the chunk ends inside one; null when it is not ours. */
function readMarker(buf: Uint8Array, at: number, nonce: Uint8Array): { seq: number; end: number } | "partial" | null {
  let i = at + 1;
  for (let k = 0; k < nonce.length; k++, i++) {
    if (i >= buf.length) return "partial";
    if (buf[i] !== nonce[k]) return null;
  }
  let seq = 0;
  for (let digits = 0; ; digits++, i++) {
    if (i >= buf.length) return "partial";
    const b = buf[i]!;
    if (b === END) return digits > 0 ? { seq, end: i + 1 } : null;
    const d = b >= 0x30 && b <= 0x39 ? b - 0x30 : b >= 0x61 && b <= 0x7a ? b - 0x61 + 10 : -1;
    if (d < 0 || digits >= MAX_SEQ_DIGITS) return null;
    seq = seq * 36 + d;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * `source` through `rewrite`, failing open: see the module comment.
 */
export function failOpen(
  source: ReadableStream<Uint8Array>,
  rewrite: (input: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array>,
  opts: FailOpenOptions,
): ReadableStream<Uint8Array> {
  const nonceText = crypto.randomUUID().replace(/-/g, "").slice(0, 12);
  const nonce = encoder.encode(nonceText);
  // The origin's page in as few reads as it allows (a fetched body is a byte stream).
  const origin = bulkReader(source);
  /** The origin's bytes since the newest confirmed marker, and the markers among them (numbers). */
  let kept: Array<Uint8Array | number> = [];
  let keptBytes = 0;
  let canFallBack = true;
  let raw = false;
  let originDone = false;
  let seq = 0;

  // One read of the origin at a time, in order: the rewriter's input and, after a failure, the raw path share it.
  let reading: Promise<unknown> = Promise.resolve();
  const readOrigin = (): Promise<ReadableStreamReadResult<Uint8Array>> => {
    const next = reading.then(() => origin());
    reading = next.catch(() => {});
    return next.then((r) => {
      if (r.done) originDone = true;
      return r;
    });
  };

  const keep = (part: Uint8Array | number): void => {
    if (!canFallBack && !raw) return;
    if (typeof part !== "number" && part.byteLength === 0) return;
    kept.push(part);
    if (typeof part === "number") return;
    keptBytes += part.byteLength;
    if (!raw && keptBytes > opts.retainBytes) {
      // Too much to hold: no fallback for this page any more (the stream behaves as it did without one).
      canFallBack = false;
      kept = [];
      keptBytes = 0;
    }
  };

  /** The newest marker seen in the output: the origin's bytes before it are no longer needed. */
  const confirm = (n: number): void => {
    if (raw || !canFallBack) return;
    const at = kept.indexOf(n);
    if (at < 0) return;
    for (let i = 0; i <= at; i++) {
      const part = kept[i]!;
      if (typeof part !== "number") keptBytes -= part.byteLength;
    }
    kept = kept.slice(at + 1);
  };

  const input = new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      const r = await readOrigin();
      if (r.done || raw) {
        // After a failure the chunk belongs to the raw path (kept above, sent from there).
        if (!r.done) keep(r.value);
        try {
          ctrl.close();
        } catch {
          // The rewriter already gave up on its input.
        }
        return;
      }
      const chunk = r.value;
      const at = insertionPoint(chunk);
      let fed = chunk;
      if (at < 0) keep(chunk);
      else {
        const n = ++seq;
        keep(chunk.subarray(0, at));
        keep(n);
        keep(chunk.subarray(at));
        // One chunk to the rewriter, the marker inside it: every chunk costs a trip through the streams.
        const mark = encoder.encode(`\u0001${nonceText}${n.toString(36)}\u0002`);
        fed = new Uint8Array(chunk.byteLength + mark.byteLength);
        fed.set(chunk.subarray(0, at), 0);
        fed.set(mark, at);
        fed.set(chunk.subarray(at), at + mark.byteLength);
      }
      try {
        ctrl.enqueue(fed);
      } catch {
        // The rewriter failed meanwhile: the raw path sends what was kept.
      }
    },
    // The rewriter letting go of its input (it failed, or finished) must not cancel the origin:
    // the raw path may still need the rest of the page.
    cancel() {},
  });

  const output = bulkReader(rewrite(input));
  /** Rewritten bytes after the newest marker: sent once the next marker confirms them. */
  let held: Uint8Array[] = [];
  let carry: Uint8Array | null = null;

  /** Sends what is held, as one chunk (each chunk is a trip through the streams). */
  const release = (ctrl: ReadableStreamDefaultController<Uint8Array>): boolean => {
    if (held.length === 0) return false;
    let out = held[0]!;
    if (held.length > 1) {
      let length = 0;
      for (const part of held) length += part.byteLength;
      out = new Uint8Array(length);
      let at = 0;
      for (const part of held) {
        out.set(part, at);
        at += part.byteLength;
      }
    }
    held = [];
    ctrl.enqueue(out);
    return true;
  };

  /** Splits rewritten bytes at our markers; returns true when something was sent. */
  const scan = (chunk: Uint8Array, ctrl: ReadableStreamDefaultController<Uint8Array>): boolean => {
    let sent = false;
    const buf = carry ? concat(carry, chunk) : chunk;
    carry = null;
    let from = 0;
    for (;;) {
      const i = seq === 0 ? -1 : buf.indexOf(START, from);
      if (i < 0) {
        if (from < buf.length) held.push(buf.subarray(from));
        return sent;
      }
      const marker = readMarker(buf, i, nonce);
      if (marker === "partial") {
        if (i > from) held.push(buf.subarray(from, i));
        carry = buf.slice(i);
        return sent;
      }
      if (marker === null) {
        held.push(buf.subarray(from, i + 1));
        from = i + 1;
        continue;
      }
      if (i > from) held.push(buf.subarray(from, i));
      sent = release(ctrl) || sent;
      confirm(marker.seq);
      from = marker.end;
    }
  };

  /** The rewriter failed: true when the raw path takes over, false when the stream was errored instead. */
  const fallBack = (err: unknown, ctrl: ReadableStreamDefaultController<Uint8Array>): boolean => {
    if (!canFallBack) {
      ctrl.error(err);
      void origin.cancel(err).catch(() => {});
      return false;
    }
    raw = true;
    held = [];
    carry = null;
    opts.onFail?.(err);
    return true;
  };

  return new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      // A pull that enqueues nothing is not called again: each path reads until something goes out.
      while (!raw) {
        let r: ReadableStreamReadResult<Uint8Array>;
        try {
          r = await output();
        } catch (err) {
          if (!fallBack(err, ctrl)) return;
          break;
        }
        if (r.done) {
          if (carry) held.push(carry);
          carry = null;
          release(ctrl);
          ctrl.close();
          return;
        }
        if (scan(r.value, ctrl)) return;
      }
      // The origin's bytes from the last complete point on: what was kept, then the rest as it comes.
      for (;;) {
        const parts = kept.filter((p): p is Uint8Array => typeof p !== "number");
        kept = [];
        keptBytes = 0;
        if (parts.length > 0) {
          for (const p of parts) ctrl.enqueue(p);
          return;
        }
        if (originDone) {
          ctrl.close();
          opts.onRawEnd?.();
          return;
        }
        const r = await readOrigin();
        if (!r.done) keep(r.value);
      }
    },
    cancel(reason) {
      void output.cancel(reason).catch(() => {});
      void origin.cancel(reason).catch(() => {});
    },
  });
}

/** Bytes a bulk read asks for at most. */
const READ_BYTES = 64 * 1024;

/**
 * Reads a stream in as few reads as it allows: the rewriter's output is a byte stream, and a BYOB
 * read takes everything it has ready (up to READ_BYTES) where a default read takes one of its many
 * small chunks — each read a trip through the streams (measured: 4 reads a page instead of 46).
 */
function bulkReader(stream: ReadableStream<Uint8Array>, bulk = true): (() => Promise<ReadableStreamReadResult<Uint8Array>>) & { cancel(reason?: unknown): Promise<void> } {
  let byob: ReadableStreamBYOBReader | null = null;
  try {
    byob = bulk ? stream.getReader({ mode: "byob" }) : null;
  } catch {
    byob = null;
  }
  if (byob) {
    const reader = byob;
    // One buffer goes back and forth (a read hands it over and returns it); what was read is
    // copied out at its own size: a fresh 64 KiB buffer per read cost more than the read.
    let pool = new ArrayBuffer(READ_BYTES);
    const read = async (): Promise<ReadableStreamReadResult<Uint8Array>> => {
      const r = await reader.read(new Uint8Array(pool));
      if (r.value) pool = r.value.buffer as ArrayBuffer;
      return r.done ? { done: true, value: undefined } : { done: false, value: r.value.slice() };
    };
    return Object.assign(read, { cancel: (reason?: unknown) => reader.cancel(reason) });
  }
  const reader = stream.getReader();
  return Object.assign(() => reader.read(), { cancel: (reason?: unknown) => reader.cancel(reason) });
}
