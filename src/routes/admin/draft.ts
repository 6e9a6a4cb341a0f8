/**
 * The shared draft (src/editors/drafts.ts): edits are staged here, never live, until a publisher
 * publishes it. Every change names the draft's ETag it was made on:
 *
 * | method | path | does |
 * |---|---|---|
 * | GET | /draft | `{ draft: { manifest, etag, base, baseIsLive, updatedAt, updatedBy, summary } \| null, live }`, `ETag` |
 * | PUT | /draft | `{ manifest }` or `{ from: "live" \| <version> }` with `If-Match: <etag>` (or `If-None-Match: *` to start one) → the saved draft and the sanitizer's report |
 * | DELETE | /draft | `If-Match`: discard it (recorded) |
 * | GET | /draft/diff | what publishing it would change against the live version |
 * | POST | /draft/publish | `If-Match`: publish it (publishers; recorded), the draft is then done |
 *
 * No precondition: 428 PRECONDITION_REQUIRED. A stale one: 409 DRAFT_CHANGED with who changed
 * it, when, and what changed since the ETag the editor sent (`current`, `changes`), so nobody
 * overwrites anybody silently. An editor (not a publisher) may not touch a `trusted` slot: 403.
 *
 * @example
 * admin.put("/draft", requireRole("draft"), putDraftRoute);
 */
import type { Context } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../../app-env.ts";
import { readDocument, readLive } from "../../content/live-document.ts";
import { diffManifests } from "../../content/diff.ts";
import { invalidateManifest } from "../../content/manifest-store.ts";
import { kvVersionStore } from "../../content/kv-version-store.ts";
import { flipPointer, readPointer, writeVersion } from "../../content/versions.ts";
import { actor, audited } from "../../editors/audit.ts";
import { readDraft, readDraftObject, readRevision, saveDraft, type DraftRecord, type Precondition, type StoredDraft } from "../../editors/drafts.ts";
import { editorFiles, r2 } from "../../editors/files.ts";
import { trustedChanges } from "../../editors/trusted.ts";
import { asDraft, asVersion } from "../../editors/versioning.ts";
import { IdSchema, ManifestSchema } from "../../engine/schema.ts";
import { errorResponse, P13nError } from "../../errors.ts";
import { MAX_MANIFEST_BYTES, readJson } from "./body.ts";
import { editorOf, mayDo } from "./guard.ts";
import { checkManifest } from "./manifest-check.ts";
import { ADMIN_HEADERS, adminError } from "./respond.ts";
import { summarizeManifest } from "./summary.ts";

const PutBody = v.union([v.strictObject({ manifest: v.record(v.string(), v.unknown()) }), v.strictObject({ from: v.union([v.literal("live"), IdSchema]) })]);

/** `"abc"`, `W/"abc"`, `abc` → `abc`; `*` stays `*`. */
function tagOf(header: string | undefined): string | undefined {
  const t = header?.trim();
  if (!t) return undefined;
  return t === "*" ? t : t.replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
}

/** The request's precondition, or 428 naming what to send. */
function preconditionOf(c: Context<AppEnv>, allowCreate: boolean): Precondition {
  const match = tagOf(c.req.header("if-match"));
  if (match && match !== "*") return { ifMatch: match };
  if (allowCreate && tagOf(c.req.header("if-none-match")) === "*") return { ifNoneMatch: "*" };
  throw new P13nError(
    "PRECONDITION_REQUIRED",
    allowCreate ? "send If-Match with the draft's ETag (GET /draft), or If-None-Match: * to start a draft" : "send If-Match with the draft's ETag (GET /draft)",
  );
}

/** 409: who changed the draft, when, and what changed since the ETag the editor had. */
async function conflict(bucket: R2Bucket, pre: Precondition, current: StoredDraft | null): Promise<Response> {
  const had = "ifMatch" in pre ? await readRevision(bucket, pre.ifMatch) : null;
  const now = current?.manifest ?? null;
  const changes = now ? diffManifests(had?.manifest ?? null, now) : [];
  const who = current ? `${current.updatedBy} at ${current.updatedAt}` : "nobody";
  const message = !current?.manifest
    ? current?.publishedAs
      ? `the draft was published as ${current.publishedAs} by ${who}; start a new one`
      : `the draft was discarded by ${who}; start a new one`
    : "ifMatch" in pre
      ? `the draft was changed by ${who} since you read it: your change was not saved. Reload the draft and make it again`
      : `a draft already exists (last changed by ${who}): open it instead of starting another`;
  return errorResponse(new P13nError("DRAFT_CHANGED", message), {
    headers: { ...ADMIN_HEADERS, ...(current ? { etag: `"${current.etag}"` } : {}) },
    editor: true,
    extra: {
      current: current ? { etag: current.etag, updatedBy: current.updatedBy, updatedAt: current.updatedAt, exists: current.manifest !== null } : null,
      changes: had || !("ifMatch" in pre) ? changes : null,
    },
  });
}

function draftAnswer(d: StoredDraft, live: string | null) {
  const parsed = v.safeParse(ManifestSchema, asDraft(d.manifest ?? {}, new Date(d.updatedAt)));
  return {
    manifest: d.manifest,
    etag: d.etag,
    base: d.base,
    baseIsLive: d.base === live,
    updatedAt: d.updatedAt,
    updatedBy: d.updatedBy,
    summary: parsed.success ? summarizeManifest(parsed.output) : null,
  };
}

/** GET /draft */
export async function getDraftRoute(c: Context<AppEnv>): Promise<Response> {
  try {
    const bucket = editorFiles(c.env);
    const [draft, pointer] = await Promise.all([readDraft(bucket), readPointer(kvVersionStore(c.env.CONTENT))]);
    const live = pointer?.version ?? null;
    const headers = draft ? { ...ADMIN_HEADERS, etag: `"${draft.etag}"` } : ADMIN_HEADERS;
    return c.json({ draft: draft ? draftAnswer(draft, live) : null, live }, 200, headers);
  } catch (err) {
    return adminError(c, err);
  }
}

/** The document a PUT asks for: as sent, or copied from a version. */
async function requestedDocument(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  const input = await readJson(c.req.raw, MAX_MANIFEST_BYTES, "draft");
  const parsed = v.safeParse(PutBody, input);
  if (!parsed.success) throw new P13nError("BAD_REQUEST", 'send { "manifest": { … } } or { "from": "live" }', { path: ["manifest"] });
  if ("manifest" in parsed.output) return parsed.output.manifest;
  const from = await readDocument(kvVersionStore(c.env.CONTENT), parsed.output.from === "live" ? undefined : parsed.output.from);
  if (!from) return { schema: 1, slots: {}, segments: {}, experiments: {} };
  return from.document;
}

/** PUT /draft */
export async function putDraftRoute(c: Context<AppEnv>): Promise<Response> {
  try {
    const editor = editorOf(c);
    const bucket = editorFiles(c.env);
    const pre = preconditionOf(c, true);
    const now = new Date();
    const document = asDraft(await requestedDocument(c), now);
    const checked = checkManifest(document);
    const store = kvVersionStore(c.env.CONTENT);
    const [existing, live] = await Promise.all([readDraftObject(bucket), readLive(store)]);
    // Trusted slots: against the draft being replaced, or (a new draft) against the live version.
    const before = existing?.manifest ?? live?.document ?? null;
    const trusted = trustedChanges(before, document);
    if (trusted.length) mayDo(editor, "trusted");
    const record: DraftRecord = {
      base: existing?.manifest ? existing.base : (live?.version ?? null),
      updatedAt: now.toISOString(),
      updatedBy: editor.who,
      manifest: document,
    };
    const saved = await saveDraft(bucket, record, pre);
    if (!saved.ok) return await conflict(bucket, pre, saved.current);
    return c.json(
      { draft: draftAnswer(saved.draft, live?.version ?? null), sanitized: checked.sanitized, warnings: checked.warnings },
      200,
      { ...ADMIN_HEADERS, etag: `"${saved.draft.etag}"` },
    );
  } catch (err) {
    return adminError(c, err);
  }
}

/** The current draft, or 404 NO_DRAFT. */
async function currentDraft(bucket: R2Bucket): Promise<StoredDraft> {
  const draft = await readDraft(bucket);
  if (!draft) throw new P13nError("NO_DRAFT", "there is no draft: start one by editing something");
  return draft;
}

/** DELETE /draft */
export async function discardDraftRoute(c: Context<AppEnv>): Promise<Response> {
  try {
    const editor = editorOf(c);
    const bucket = editorFiles(c.env);
    const pre = preconditionOf(c, false);
    const draft = await currentDraft(bucket);
    const now = new Date().toISOString();
    const tombstone: DraftRecord = { base: draft.base, updatedAt: now, updatedBy: editor.who, manifest: null };
    const saved = await audited(bucket, { at: now, ...actor(editor), action: "draft.discard", target: draft.etag, detail: `last changed by ${draft.updatedBy} at ${draft.updatedAt}` }, () => saveDraft(bucket, tombstone, pre));
    if (!saved.ok) return await conflict(bucket, pre, saved.current);
    return c.json({ discarded: true }, 200, ADMIN_HEADERS);
  } catch (err) {
    return adminError(c, err);
  }
}

/** GET /draft/diff */
export async function draftDiffRoute(c: Context<AppEnv>): Promise<Response> {
  try {
    const draft = await currentDraft(editorFiles(c.env));
    const live = await readLive(kvVersionStore(c.env.CONTENT));
    return c.json({ against: live?.version ?? null, etag: draft.etag, changes: diffManifests(live?.document ?? null, draft.manifest ?? {}) }, 200, ADMIN_HEADERS);
  } catch (err) {
    return adminError(c, err);
  }
}

/** POST /draft/publish: claim the draft (conditional tombstone), record, write the version, flip. */
export async function publishDraftRoute(c: Context<AppEnv>): Promise<Response> {
  try {
    const editor = editorOf(c);
    mayDo(editor, "publish");
    const bucket = editorFiles(c.env);
    const pre = preconditionOf(c, false);
    const draft = await currentDraft(bucket);
    const now = new Date();
    const doc = await asVersion(draft.manifest ?? {}, now);
    const checked = checkManifest(doc);
    const store = kvVersionStore(c.env.CONTENT);
    const live = await readLive(store);
    const changes = diffManifests(live?.document ?? null, checked.document);
    // 1. Claim it: a save that raced this one makes the claim fail, and nothing is published.
    const tombstone: DraftRecord = { base: draft.base, updatedAt: now.toISOString(), updatedBy: editor.who, manifest: null, publishedAs: checked.document.version };
    const claimed = await saveDraft(bucket, tombstone, pre);
    if (!claimed.ok) return await conflict(bucket, pre, claimed.current);
    try {
      // 2. Recorded, then 3. the immutable version and 4. the pointer.
      const entry = { at: now.toISOString(), ...actor(editor), action: "draft.publish" as const, target: checked.document.version, previous: live?.version ?? null, detail: changesLine(changes) };
      const flip = await audited(bucket, entry, async () => {
        await writeVersion(store, checked.document, JSON.stringify(checked.document));
        return flipPointer(store, checked.document.version, now);
      }, changes);
      invalidateManifest(c.env.CONTENT);
      return c.json({ version: checked.document.version, previous: flip.previous ?? null, changes, sanitized: checked.sanitized, warnings: checked.warnings }, 201, ADMIN_HEADERS);
    } catch (err) {
      // Not published: the draft comes back as it was, for whoever claimed it to try again.
      const restored: DraftRecord = { base: draft.base, updatedAt: draft.updatedAt, updatedBy: draft.updatedBy, manifest: draft.manifest };
      await r2(saveDraft(bucket, restored, { ifMatch: claimed.draft.etag }), "restore the draft").catch(() => undefined);
      throw err;
    }
  } catch (err) {
    return adminError(c, err);
  }
}

/** "3 changes: + slot footer; ~ slot home-hero: variant gold changed (html); …" */
export function changesLine(changes: readonly string[]): string {
  if (changes.length === 0) return "no changes against the live version";
  return `${changes.length} change${changes.length === 1 ? "" : "s"}: ${changes.slice(0, 5).join("; ")}${changes.length > 5 ? "; …" : ""}`;
}
