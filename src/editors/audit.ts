/**
 * The audit record: who published, rolled back, uploaded or discarded what, and when. One
 * object per entry in the editors' bucket under `audit/`, keyed newest first (the key starts
 * with the time counted down), the entry itself in the object's metadata so a listing needs no
 * reads. R2 lists what was written, from anywhere, at once.
 *
 * Written BEFORE the change it describes (`recordAudit`, then the change): if the record cannot
 * be written, the change is not made, so nothing goes live unrecorded. A change that then fails
 * gets a second entry saying so (`outcome: "failed"`).
 *
 * @example
 * await recordAudit(bucket, { at, who: "alice@example.com", via: "access", role: "publisher", action: "publish", target: "20261123T…" });
 * const { entries, cursor } = await listAudit(bucket, { limit: 50 });
 */
import { r2 } from "./files.ts";
import type { Editor } from "./editor.ts";
import type { AuditEntry } from "./audit-entry.ts";

export type { AuditAction, AuditEntry } from "./audit-entry.ts";

const PREFIX = "audit/";
/** Larger than any epoch-millisecond time for the next few thousand years: keys sort newest first. */
const FAR = 10_000_000_000_000;
const MAX_DETAIL = 300;
export const MAX_AUDIT_PAGE = 100;

function keyFor(ms: number): string {
  const random = crypto.getRandomValues(new Uint32Array(1))[0]!.toString(16).padStart(8, "0");
  return `${PREFIX}${String(FAR - ms).padStart(14, "0")}-${random}`;
}

/**
 * Records one entry (throws EDITOR_FILES_UNAVAILABLE when it cannot: the caller then makes no change).
 *
 * @example
 * await recordAudit(bucket, entry);
 */
export async function recordAudit(bucket: R2Bucket, entry: AuditEntry, changes: readonly string[] = []): Promise<void> {
  const e: AuditEntry = entry.detail && entry.detail.length > MAX_DETAIL ? { ...entry, detail: `${entry.detail.slice(0, MAX_DETAIL - 1)}…` } : entry;
  // The full list of changes in the body; the listing reads the metadata only.
  await r2(bucket.put(keyFor(Date.parse(e.at)), JSON.stringify({ ...e, changes: changes.slice(0, 200) }), { customMetadata: { entry: JSON.stringify(e) } }), "write the audit record");
}

/**
 * Entries, newest first, a page at a time.
 *
 * @example
 * const page = await listAudit(bucket, { limit: 20 });
 * const next = await listAudit(bucket, { limit: 20, cursor: page.cursor });
 */
export async function listAudit(bucket: R2Bucket, opts: { limit: number; cursor?: string }): Promise<{ entries: AuditEntry[]; cursor: string | null }> {
  const listed = await r2(
    bucket.list({ prefix: PREFIX, limit: Math.min(MAX_AUDIT_PAGE, opts.limit), include: ["customMetadata"], ...(opts.cursor ? { cursor: opts.cursor } : {}) }),
    "read the audit record",
  );
  const entries: AuditEntry[] = [];
  for (const o of listed.objects) {
    try {
      entries.push(JSON.parse(o.customMetadata?.entry ?? "null") as AuditEntry);
    } catch {
      // An entry whose metadata was damaged is skipped, not the whole page.
    }
  }
  return { entries: entries.filter(Boolean), cursor: listed.truncated ? listed.cursor : null };
}

/**
 * Records the entry, makes the change, and records a failure if the change then fails.
 *
 * @example
 * const flip = await audited(bucket, entry, () => flipPointer(store, version, now));
 */
export async function audited<T>(bucket: R2Bucket, entry: AuditEntry, change: () => Promise<T>, changes: readonly string[] = []): Promise<T> {
  await recordAudit(bucket, entry, changes);
  try {
    return await change();
  } catch (err) {
    await recordAudit(bucket, { ...entry, at: new Date().toISOString(), outcome: "failed", detail: `failed: ${(err as Error).message}` }).catch(() => undefined);
    throw err;
  }
}

/** The audit fields of the signed-in editor. */
export function actor(editor: Editor): Pick<AuditEntry, "who" | "via" | "role"> {
  return { who: editor.who, via: editor.via, role: editor.role };
}
