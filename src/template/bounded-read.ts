/**
 * Reads a body into one buffer, counting bytes as they arrive, and gives up (cancelling the
 * stream) as soon as it passes `maxBytes`: a page sent without Content-Length costs at most
 * `maxBytes` of memory here, whatever its real size.
 */

/**
 * The whole body, or null when it is longer than `maxBytes` (the stream is then cancelled).
 *
 * @example
 * const bytes = await readUpTo(copy, config.maxRewriteBytes);
 * if (!bytes) return; // too large for a template: the page keeps streaming
 */
export async function readUpTo(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array | null> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
