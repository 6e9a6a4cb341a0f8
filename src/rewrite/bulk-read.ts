/**
 * Reads a stream in as few reads as it allows. A fetched body and the rewriter's output are byte
 * streams: a BYOB read takes everything ready (up to READ_BYTES), where a default read takes one
 * of their many small pieces — and every read from JavaScript is a trip through the streams
 * (measured on a real page: 4 reads instead of 46; a streamed page 4.4 → 1.7 ms of CPU in the bench).
 *
 * @example
 * const read = bulkReader(res.body!);
 * for (let r = await read(); !r.done; r = await read()) use(r.value);
 */

/** Bytes a bulk read asks for at most. */
const READ_BYTES = 64 * 1024;

export type BulkRead = (() => Promise<ReadableStreamReadResult<Uint8Array>>) & { cancel(reason?: unknown): Promise<void> };

export function bulkReader(stream: ReadableStream<Uint8Array>): BulkRead {
  let byob: ReadableStreamBYOBReader | null;
  try {
    byob = stream.getReader({ mode: "byob" });
  } catch {
    // Not a byte stream (a body a test or another layer built): one chunk per read.
    const reader = stream.getReader();
    return Object.assign(() => reader.read(), { cancel: (reason?: unknown) => reader.cancel(reason) });
  }
  const reader = byob;
  // One buffer goes back and forth (a read hands it over and gives it back); what was read is
  // copied out at its own size: a fresh 64 KiB buffer per read cost more than the read.
  let pool = new ArrayBuffer(READ_BYTES);
  const read = async (): Promise<ReadableStreamReadResult<Uint8Array>> => {
    const r = await reader.read(new Uint8Array(pool));
    if (r.value) pool = r.value.buffer as ArrayBuffer;
    return r.done ? { done: true, value: undefined } : { done: false, value: r.value.slice() };
  };
  return Object.assign(read, { cancel: (reason?: unknown) => reader.cancel(reason) });
}
