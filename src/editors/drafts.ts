/**
 * The shared draft: the one version editors change together before it goes live. One object in
 * the editors' bucket (`drafts/current.json`), written only on a precondition: the R2 ETag the
 * writer last read (`If-Match`), or "there is none" (`If-None-Match: *`). R2 checks it at the
 * bucket, atomically, so two editors saving at once cannot both win: the second is told what
 * changed (from the revision copy kept for each ETag) instead of silently overwriting.
 *
 * A discarded or published draft leaves a tombstone (`manifest: null`) rather than no object:
 * R2 deletes take no precondition, and a tombstone keeps "discard" and "publish" conditional too.
 *
 * @example
 * const d = await readDraft(bucket);                       // null, or { etag, manifest, base, … }
 * const r = await saveDraft(bucket, record, { ifMatch: d.etag });
 * if (!r.ok) r.current;                                   // what is there now: the 409's subject
 */
import { r2 } from "./files.ts";

export const DRAFT_KEY = "drafts/current.json";
const REVISIONS = "drafts/revisions/";
/** Revisions kept for 409 answers ("what changed since you read it"). */
export const MAX_REVISIONS = 50;

/** What is stored. */
export interface DraftRecord {
  /** The live version when the draft was started (null: nothing was live). */
  base: string | null;
  updatedAt: string;
  updatedBy: string;
  /** The manifest document being edited; null in a tombstone (discarded or published). */
  manifest: Record<string, unknown> | null;
  /** On a tombstone: the version the draft was published as. */
  publishedAs?: string;
}

/** A record as read, with the ETag a later write must name. */
export interface StoredDraft extends DraftRecord {
  etag: string;
}

export type Precondition = { ifMatch: string } | { ifNoneMatch: "*" };

export type SaveResult = { ok: true; draft: StoredDraft } | { ok: false; current: StoredDraft | null };

const revisionKey = (etag: string) => `${REVISIONS}${etag}.json`;

async function readRecord(bucket: R2Bucket, key: string): Promise<StoredDraft | null> {
  const obj = await r2(bucket.get(key), "read the draft");
  if (!obj) return null;
  const record = JSON.parse(await obj.text()) as DraftRecord;
  return { ...record, etag: obj.etag };
}

/** The draft object as stored, tombstone included (the ETag "create" must match), or null when none was ever saved. */
export function readDraftObject(bucket: R2Bucket): Promise<StoredDraft | null> {
  return readRecord(bucket, DRAFT_KEY);
}

/** The draft being edited, or null (none, or a tombstone). */
export async function readDraft(bucket: R2Bucket): Promise<StoredDraft | null> {
  const d = await readDraftObject(bucket);
  return d && d.manifest ? d : null;
}

/** The draft as it was at `etag` (kept for the last MAX_REVISIONS saves), or null. */
export function readRevision(bucket: R2Bucket, etag: string): Promise<StoredDraft | null> {
  return /^[0-9a-f]{32}$/.test(etag) ? readRecord(bucket, revisionKey(etag)) : Promise.resolve(null);
}

/**
 * Writes the draft if the precondition holds. `ifNoneMatch: "*"` means "no draft is being
 * edited": true of no object and of a tombstone (then the tombstone's ETag is the condition).
 */
export async function saveDraft(bucket: R2Bucket, record: DraftRecord, pre: Precondition): Promise<SaveResult> {
  let condition: R2Conditional;
  if ("ifMatch" in pre) condition = { etagMatches: pre.ifMatch };
  else {
    const existing = await readDraftObject(bucket);
    if (existing?.manifest) return { ok: false, current: existing };
    condition = existing ? { etagMatches: existing.etag } : { etagDoesNotMatch: "*" };
  }
  const body = JSON.stringify(record);
  const written = await r2(bucket.put(DRAFT_KEY, body, { onlyIf: condition, httpMetadata: { contentType: "application/json" } }), "save the draft");
  if (!written) return { ok: false, current: await readDraftObject(bucket) };
  // A copy under its ETag, so a writer who lost the race can be told what changed; bounded.
  await r2(bucket.put(revisionKey(written.etag), body, { customMetadata: { savedAt: record.updatedAt } }), "keep the draft's revision");
  await pruneRevisions(bucket);
  return { ok: true, draft: { ...record, etag: written.etag } };
}

/** Keeps the newest MAX_REVISIONS revision copies. */
async function pruneRevisions(bucket: R2Bucket): Promise<void> {
  const listed = await r2(bucket.list({ prefix: REVISIONS, limit: 1000, include: ["customMetadata"] }), "list the draft's revisions");
  if (listed.objects.length <= MAX_REVISIONS) return;
  const oldest = listed.objects
    .slice()
    .sort((a, b) => (a.customMetadata?.savedAt ?? "").localeCompare(b.customMetadata?.savedAt ?? ""))
    .slice(0, listed.objects.length - MAX_REVISIONS)
    .map((o) => o.key);
  await r2(bucket.delete(oldest), "drop old draft revisions");
}
