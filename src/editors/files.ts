/**
 * The editors' R2 bucket (binding `EDITOR_FILES`): uploaded images under `assets/`, the shared
 * draft under `drafts/`, the audit record under `audit/`. R2 rather than KV because these need
 * what KV does not give: a conditional write (the draft's version precondition is R2's own
 * `onlyIf` on its ETag, atomic at the bucket) and reads that see the last write from anywhere
 * (KV may serve a minute-old draft in another location, and that is how an edit gets lost).
 *
 * Every call is time-boxed; a missing binding or a failing bucket is EDITOR_FILES_UNAVAILABLE
 * (503) naming the fix. The page path never touches this bucket except to serve images.
 *
 * @example
 * const bucket = editorFiles(c.env);
 * const obj = await r2(bucket.get("drafts/current.json"), "read the draft");
 */
import { P13nError } from "../errors.ts";
import { withinBudget } from "../timing.ts";

/** Per R2 call: an editor waits this long at most before being told to try again. */
export const R2_BUDGET_MS = 5_000;

/** The bucket, or EDITOR_FILES_UNAVAILABLE naming the binding to add. */
export function editorFiles(env: { EDITOR_FILES?: R2Bucket }): R2Bucket {
  if (!env.EDITOR_FILES) {
    throw new P13nError("EDITOR_FILES_UNAVAILABLE", "no EDITOR_FILES binding: add the [[r2_buckets]] EDITOR_FILES bucket to wrangler.toml (README \"Configuration\") and create it (npx wrangler r2 bucket create p13n-editor)");
  }
  return env.EDITOR_FILES;
}

/**
 * One R2 call within the budget; a failure or timeout is EDITOR_FILES_UNAVAILABLE saying what failed.
 *
 * @example
 * await r2(bucket.put(key, body), "store the image");
 */
export async function r2<T>(work: Promise<T>, what: string): Promise<T> {
  const r = await withinBudget(work, R2_BUDGET_MS);
  if (r.ok) return r.value;
  throw new P13nError("EDITOR_FILES_UNAVAILABLE", `could not ${what}: the editors' bucket ${r.reason === "timeout" ? `did not answer within ${R2_BUDGET_MS / 1000} s` : "failed"}; try again`, { cause: r.error });
}
