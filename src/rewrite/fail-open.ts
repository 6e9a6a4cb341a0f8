/**
 * The streaming rewriter's safety net. lol-html can fail in the middle of a page: ambiguous
 * markup in its strict mode (`<select><xmp><script>`), a start tag past its memory limit (a
 * multi-megabyte attribute arriving in chunks), any future parser error. By then the status
 * and the first bytes are on their way, so the page must still arrive whole: from the last
 * point known to be complete, the origin's own bytes pass through untouched (the slots after
 * it keep their defaults, as the page itself would).
 *
 * How that point is known: each chunk of the origin's page goes to the rewriter with a marker
 * at a place where text changes nothing about how the page parses (./markers.ts), and the same
 * markers are taken out of the rewriter's output. Output before a marker is complete and is
 * sent; output after the newest marker is held back until the next one. The origin's bytes
 * since the newest marker are kept, so on a failure the held output is dropped and those bytes
 * follow instead. Markers inside a slot's replaced content vanish with it: the next one seen
 * confirms both. What is kept is bounded (`retainBytes`): past it, a failure errors the stream
 * as before.
 *
 * The cost is JavaScript on both sides of the rewriter, per chunk: both are read in bulk
 * (./bulk-read.ts), and a streamed page still costs 0.5–1 ms more CPU than the rewriter alone.
 * Native pipes, bigger reads and shared buffers did not lower it (README "Measured" lists what
 * was tried): any JavaScript that handles every chunk costs about the same.
 *
 * @example
 * const body = failOpen(res.body, (input) => rewriter.transform(new Response(input, res)).body!, {
 *   retainBytes: 5 * 1024 * 1024,
 *   onFail: (err) => console.error(err),
 * });
 */
import { bulkReader, type BulkRead } from "./bulk-read.ts";
import { insertionPoint, MarkerScanner, Markers } from "./markers.ts";

export interface FailOpenOptions {
  /** The most origin bytes kept to fall back on; past it, a failure errors the stream (as without this module). */
  retainBytes: number;
  /** The rewriter failed and the rest of the page passes through raw. */
  onFail?: (err: unknown) => void;
  /** After a failure: the origin's page has been passed through to its end. */
  onRawEnd?: () => void;
}

/** The origin's bytes since the newest confirmed marker, with the markers among them (their numbers). */
class KeptInput {
  #parts: Array<Uint8Array | number> = [];
  #bytes = 0;
  readonly #limit: number;
  /** False once more than the limit had to be kept: no fallback for this page any more. */
  usable = true;
  /** The rewriter failed: from now on this is the raw path's queue, drained on every pull, so no limit applies. */
  raw = false;

  constructor(limit: number) {
    this.#limit = limit;
  }

  keep(part: Uint8Array | number): void {
    if (!this.usable || (typeof part !== "number" && part.byteLength === 0)) return;
    this.#parts.push(part);
    if (typeof part === "number") return;
    this.#bytes += part.byteLength;
    if (!this.raw && this.#bytes > this.#limit) {
      this.usable = false;
      this.#parts = [];
    }
  }

  /** Marker `n` came out of the rewriter: the bytes before it are no longer needed. */
  confirm(n: number): void {
    const at = this.#parts.indexOf(n);
    if (at < 0) return;
    for (const part of this.#parts.slice(0, at)) if (typeof part !== "number") this.#bytes -= part.byteLength;
    this.#parts = this.#parts.slice(at + 1);
  }

  /** The kept bytes, in order, and nothing kept any more. */
  take(): Uint8Array[] {
    const bytes = this.#parts.filter((p): p is Uint8Array => typeof p !== "number");
    this.#parts = [];
    this.#bytes = 0;
    return bytes;
  }
}

interface SerialReads {
  next(): Promise<ReadableStreamReadResult<Uint8Array>>;
  /** The origin's page has ended. */
  done: boolean;
}

/** One read of the origin at a time, in order: the rewriter's input and, after a failure, the raw path share it. */
function serialReads(read: BulkRead): SerialReads {
  let reading: Promise<unknown> = Promise.resolve();
  const state = {
    done: false,
    next(): Promise<ReadableStreamReadResult<Uint8Array>> {
      const r = reading.then(() => read());
      reading = r.catch(() => {});
      return r.then((x) => ((state.done ||= x.done), x));
    },
  };
  return state;
}

/**
 * `source` through `rewrite`, failing open: see the module comment.
 */
export function failOpen(
  source: ReadableStream<Uint8Array>,
  rewrite: (input: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array>,
  opts: FailOpenOptions,
): ReadableStream<Uint8Array> {
  const origin = bulkReader(source);
  const reads = serialReads(origin);
  const markers = new Markers();
  const kept = new KeptInput(opts.retainBytes);
  const output = bulkReader(rewrite(markedInput(reads, markers, kept)));
  return completeOutput(output, new MarkerScanner(markers), kept, reads, origin, opts);
}

/** The origin's page for the rewriter: a marker in each chunk that has a place for one, every byte kept until confirmed. */
function markedInput(reads: SerialReads, markers: Markers, kept: KeptInput): ReadableStream<Uint8Array> {
  let seq = 0;
  return new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      const r = await reads.next();
      // After a failure a chunk belongs to the raw path, which sends what was kept.
      if (r.done || kept.raw) {
        if (!r.done) kept.keep(r.value);
        closeQuietly(ctrl);
        return;
      }
      const at = insertionPoint(r.value);
      if (at < 0) kept.keep(r.value);
      else for (const part of [r.value.subarray(0, at), ++seq, r.value.subarray(at)]) kept.keep(part);
      enqueueQuietly(ctrl, at < 0 ? r.value : markers.insert(r.value, at, seq));
    },
    // The rewriter letting go of its input (it failed, or finished) must not cancel the origin:
    // the raw path may still need the rest of the page.
    cancel() {},
  });
}

/** The visitor's page: the rewriter's output as far as markers confirm it, or from a failure on, the origin's own bytes. */
function completeOutput(output: BulkRead, scanner: MarkerScanner, kept: KeptInput, reads: SerialReads, origin: BulkRead, opts: FailOpenOptions): ReadableStream<Uint8Array> {
  /** The visitor went away: the reads that fail now fail because of it, not the rewriter. */
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      const send = (bytes: Uint8Array) => ctrl.enqueue(bytes);
      // A pull that enqueues nothing is not called again: each path reads until something goes out.
      while (!kept.raw) {
        let r: ReadableStreamReadResult<Uint8Array>;
        try {
          r = await output();
        } catch (err) {
          if (cancelled) return;
          if (!kept.usable) {
            ctrl.error(err);
            void origin.cancel(err).catch(() => {});
            return;
          }
          kept.raw = true;
          scanner.drop();
          opts.onFail?.(err);
          break;
        }
        if (r.done) {
          scanner.end(send);
          ctrl.close();
          return;
        }
        if (scanner.scan(r.value, send, (n) => kept.confirm(n))) return;
      }
      await sendRaw(ctrl, kept, reads, opts.onRawEnd);
    },
    cancel(reason) {
      cancelled = true;
      void output.cancel(reason).catch(() => {});
      void origin.cancel(reason).catch(() => {});
    },
  });
}

/** The raw path: what was kept, then the rest of the origin's page as it comes (one step per pull). */
async function sendRaw(ctrl: ReadableStreamDefaultController<Uint8Array>, kept: KeptInput, reads: SerialReads, onEnd?: () => void): Promise<void> {
  for (;;) {
    const parts = kept.take();
    if (parts.length > 0) {
      for (const p of parts) ctrl.enqueue(p);
      return;
    }
    if (reads.done) {
      ctrl.close();
      onEnd?.();
      return;
    }
    const r = await reads.next();
    if (!r.done) kept.keep(r.value);
  }
}

function closeQuietly(ctrl: ReadableStreamDefaultController<Uint8Array>): void {
  try {
    ctrl.close();
  } catch {
    // The rewriter already gave up on its input.
  }
}

function enqueueQuietly(ctrl: ReadableStreamDefaultController<Uint8Array>, bytes: Uint8Array): void {
  try {
    ctrl.enqueue(bytes);
  } catch {
    // The rewriter failed meanwhile: the raw path sends what was kept.
  }
}
