/**
 * An admin request's JSON body, read through the one body reader (src/routes/read-body.ts):
 * never more than the limit held, a false or missing Content-Length cannot smuggle more in.
 *
 * @example
 * const body = await readJson(c.req.raw, MAX_MANIFEST_BYTES, "manifest");
 */
import { P13nError } from "../../errors.ts";
import { byteSize, readBody } from "../read-body.ts";

/** A published manifest: far under KV's 25 MiB value cap, and quick to parse in an isolate. */
export const MAX_MANIFEST_BYTES = 5 * 1024 * 1024;
/** Small requests (rollback, preview links). */
export const MAX_SMALL_BYTES = 64 * 1024;

export async function readJson(request: Request, limit: number, what: string): Promise<unknown> {
  if (!request.body) throw new P13nError("BAD_JSON", `send the ${what} as a JSON body`);
  const read = await readBody(request, limit);
  if (!read.ok) {
    const size = read.declared !== undefined ? `is ${byteSize(read.declared)}` : `is over ${byteSize(limit)}`;
    throw new P13nError("TOO_LARGE", `the ${what} ${size}; at most ${byteSize(limit)} is accepted`);
  }
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(read.bytes)) as unknown;
  } catch (err) {
    throw new P13nError("BAD_JSON", `the ${what} is not valid UTF-8 JSON: ${(err as Error).message}`);
  }
}
