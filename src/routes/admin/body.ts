/**
 * Reads a JSON request body without ever holding more than the limit: a declared
 * Content-Length over it is refused at once, and the stream is counted as it
 * arrives (a missing or false length cannot smuggle more in).
 *
 * @example
 * const body = await readJson(c.req.raw, MAX_MANIFEST_BYTES, "manifest");
 */
import { P13nError } from "../../errors.ts";

/** A published manifest: far under KV's 25 MiB value cap, and quick to parse in an isolate. */
export const MAX_MANIFEST_BYTES = 5 * 1024 * 1024;
/** Small requests (rollback, preview links). */
export const MAX_SMALL_BYTES = 64 * 1024;

const mib = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(n % (1024 * 1024) ? 1 : 0)} MiB` : `${Math.round(n / 1024)} KiB`);

export async function readJson(request: Request, limit: number, what: string): Promise<unknown> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    throw new P13nError("TOO_LARGE", `the ${what} is ${mib(declared)}; at most ${mib(limit)} is accepted`);
  }
  if (!request.body) throw new P13nError("BAD_JSON", `send the ${what} as a JSON body`);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw new P13nError("TOO_LARGE", `the ${what} is over ${mib(limit)}; at most ${mib(limit)} is accepted`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes)) as unknown;
  } catch (err) {
    throw new P13nError("BAD_JSON", `the ${what} is not valid UTF-8 JSON: ${(err as Error).message}`);
  }
}
