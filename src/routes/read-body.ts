/**
 * The one way a route reads a request body: never more than its limit. A declared
 * `Content-Length` over the limit is refused before a byte is read; otherwise the stream is
 * counted as it arrives and cancelled the moment it passes the limit, so a chunked body
 * without a length (or with a false one) cannot make the Worker hold more than `limit` bytes.
 * Every route that accepts a body (beacons, /me, the admin API) reads it here and answers 413
 * in its own error format.
 *
 * @example
 * const body = await readBody(c.req.raw, 64 * 1024);
 * if (!body.ok) return refuse(c, 413, "BEACON_TOO_LARGE", `at most ${body.limit} bytes`);
 * const text = new TextDecoder().decode(body.bytes);
 */

export type BodyRead =
  | { ok: true; bytes: Uint8Array }
  /** `declared`: the Content-Length that was refused unread; absent when the stream itself ran over. */
  | { ok: false; limit: number; declared?: number };

/**
 * @example
 * const r = await readBody(request, 4096);
 * r.ok ? r.bytes.byteLength : r.declared; // bytes read, or the declared length that was refused
 */
export async function readBody(request: Request, limit: number): Promise<BodyRead> {
  const header = request.headers.get("content-length");
  const declared = header === null ? NaN : Number(header);
  if (Number.isFinite(declared) && declared > limit) {
    // Not read at all; cancelling tells the runtime the rest is not wanted.
    await request.body?.cancel().catch(() => undefined);
    return { ok: false, limit, declared };
  }
  if (!request.body) return { ok: true, bytes: new Uint8Array(0) };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return { ok: false, limit };
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return { ok: true, bytes: chunks[0]! };
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return { ok: true, bytes };
}

/**
 * "4 KiB", "5 MiB": a limit as an editor or developer reads it.
 *
 * @example
 * byteSize(5 * 1024 * 1024); // "5 MiB"
 * byteSize(300); // "300 bytes"
 */
export function byteSize(n: number): string {
  if (n < 1024) return `${n} bytes`;
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(n % (1024 * 1024) ? 1 : 0)} MiB` : `${Math.round(n / 1024)} KiB`;
}
