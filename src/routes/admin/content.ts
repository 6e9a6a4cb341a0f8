/**
 * The editors' content endpoints: validate, publish (or stage), list versions,
 * roll back, read the live version. Publishing writes the immutable version
 * first and flips `manifest/current` after; this isolate forgets its cached
 * manifest at once, other isolates see the change within MANIFEST_TTL_S.
 *
 * @example
 * admin.post("/publish", publishRoute);
 */
import type { Context } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../../app-env.ts";
import { POINTER_KEY, versionKey } from "../../content/keys.ts";
import { invalidateManifest } from "../../content/manifest-store.ts";
import { kvVersionStore } from "../../content/kv-version-store.ts";
import { flipPointer, listVersions, readPointer, rollback, writeVersion } from "../../content/versions.ts";
import { readDocument, readLive } from "../../content/live-document.ts";
import { diffManifests } from "../../content/diff.ts";
import { actor, audited } from "../../editors/audit.ts";
import { editorFiles } from "../../editors/files.ts";
import { changesLine } from "./draft.ts";
import { editorOf } from "./guard.ts";
import { ManifestSchema, IdSchema } from "../../engine/schema.ts";
import { P13nError } from "../../errors.ts";
import { MAX_MANIFEST_BYTES, MAX_SMALL_BYTES, readJson } from "./body.ts";
import { checkManifest } from "./manifest-check.ts";
import { ADMIN_HEADERS, adminError } from "./respond.ts";
import { summarizeManifest } from "./summary.ts";

interface PublishSteps {
  written: "written" | "exists";
  flip: Awaited<ReturnType<typeof flipPointer>> | undefined;
}

const ManifestBody = v.object({ manifest: v.unknown(), activate: v.optional(v.boolean(), true) });
const RollbackBody = v.strictObject({ version: v.optional(IdSchema) });

function body<T extends v.GenericSchema>(schema: T, input: unknown): v.InferOutput<T> {
  const r = v.safeParse(schema, input);
  if (!r.success) {
    const i = r.issues[0];
    throw new P13nError("BAD_REQUEST", i?.message ?? "invalid request", { path: i?.path?.map((p) => p.key as string) ?? [] });
  }
  return r.output;
}

/** POST /validate {manifest}: what publishing would say, without writing anything. */
export async function validateRoute(c: Context<AppEnv>): Promise<Response> {
  try {
    const { manifest } = body(ManifestBody, await readJson(c.req.raw, MAX_MANIFEST_BYTES, "manifest"));
    const checked = checkManifest(manifest);
    return c.json({ ok: true, version: checked.manifest.version, sanitized: checked.sanitized, warnings: checked.warnings }, 200, ADMIN_HEADERS);
  } catch (err) {
    return adminError(c, err);
  }
}

/**
 * POST /publish {manifest, activate?}: write the version, then (unless activate: false) flip the
 * pointer; recorded in the audit log first (publishers only: the route is behind requireRole).
 */
export async function publishRoute(c: Context<AppEnv>): Promise<Response> {
  try {
    const { manifest, activate } = body(ManifestBody, await readJson(c.req.raw, MAX_MANIFEST_BYTES, "manifest"));
    const checked = checkManifest(manifest);
    const store = kvVersionStore(c.env.CONTENT);
    const text = JSON.stringify(checked.document);
    const steps = async (): Promise<PublishSteps> => {
      // 1. The immutable version…
      const written = await writeVersion(store, checked.document, text);
      // 2. …and only then the pointer: a reader sees the old version or the new one, never neither.
      const flip = activate ? await flipPointer(store, checked.document.version, new Date()) : undefined;
      return { written, flip };
    };
    let done: PublishSteps;
    if (activate) {
      // Going live is recorded first: if the record cannot be written, nothing changes.
      const live = await readLive(store);
      const changes = diffManifests(live?.document ?? null, checked.document);
      const entry = { at: new Date().toISOString(), ...actor(editorOf(c)), action: "publish" as const, target: checked.document.version, previous: live?.version ?? null, detail: changesLine(changes) };
      done = await audited(editorFiles(c.env), entry, steps, changes);
    } else {
      done = await steps();
    }
    const { written, flip } = done;
    if (flip) invalidateManifest(c.env.CONTENT);
    return c.json(
      {
        version: checked.document.version,
        activated: activate,
        written: written === "written",
        previous: flip?.previous ?? null,
        sanitized: checked.sanitized,
        warnings: checked.warnings,
      },
      written === "written" ? 201 : 200,
      ADMIN_HEADERS,
    );
  } catch (err) {
    return adminError(c, err);
  }
}

/** GET /versions[?all=1]: every version, newest first, marking the live and previous ones (draft previews only with all=1). */
export async function versionsRoute(c: Context<AppEnv>): Promise<Response> {
  try {
    const store = kvVersionStore(c.env.CONTENT);
    const [listed, pointer] = await Promise.all([listVersions(store), readPointer(store)]);
    const versions = c.req.query("all") === "1" ? listed : listed.filter((x) => !x.draftPreview || x.current || x.previous);
    return c.json({ current: pointer?.version ?? null, previous: pointer?.previous ?? null, updatedAt: pointer?.updatedAt ?? null, versions }, 200, ADMIN_HEADERS);
  } catch (err) {
    return adminError(c, err);
  }
}

/** POST /rollback {version?}: point back at `version`, or at the previous one (publishers; recorded first). */
export async function rollbackRoute(c: Context<AppEnv>): Promise<Response> {
  try {
    const { version } = body(RollbackBody, await readJson(c.req.raw, MAX_SMALL_BYTES, "request"));
    const store = kvVersionStore(c.env.CONTENT);
    const bucket = editorFiles(c.env);
    const pointer = await readPointer(store);
    const to = version ?? pointer?.previous;
    if (to === undefined) throw new P13nError("NO_PREVIOUS", pointer ? `version ${pointer.version} has no previous version to roll back to` : "nothing is published yet");
    const [live, target] = await Promise.all([readLive(store), readDocument(store, to).catch(() => null)]);
    const changes = target ? diffManifests(live?.document ?? null, target.document) : [];
    const entry = { at: new Date().toISOString(), ...actor(editorOf(c)), action: "rollback" as const, target: to, previous: pointer?.version ?? null, detail: changesLine(changes) };
    const flip = await audited(bucket, entry, () => rollback(store, to, new Date(), (text, id) => {
      // Never point the site at something the page path would refuse to read.
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (!v.is(ManifestSchema, parsed)) throw new P13nError("MANIFEST_INVALID", `version ${id} is not a valid manifest; pick another`, { path: ["version"] });
    }), changes);
    invalidateManifest(c.env.CONTENT);
    return c.json({ version: flip.version, previous: flip.previous ?? null, updatedAt: flip.updatedAt }, 200, ADMIN_HEADERS);
  } catch (err) {
    return adminError(c, err);
  }
}

/** GET /current (or /versions/:id): the manifest as stored, and as an editor reads it. */
export async function currentRoute(c: Context<AppEnv>): Promise<Response> {
  try {
    const store = kvVersionStore(c.env.CONTENT);
    const pointer = await readPointer(store);
    const wanted = c.req.param("id");
    if (wanted !== undefined && !v.is(IdSchema, wanted)) throw new P13nError("BAD_REQUEST", "not a version id", { path: ["version"] });
    const version = wanted ?? pointer?.version;
    if (version === undefined) return c.json({ version: null, previous: null, updatedAt: null, manifest: null, summary: null }, 200, ADMIN_HEADERS);
    const text = await store.get(versionKey(version));
    if (text === null) throw new P13nError("VERSION_NOT_FOUND", `version ${version} is not in KV${wanted ? "" : ` (${POINTER_KEY} points at it)`}`);
    const document = JSON.parse(text) as unknown;
    const parsed = v.safeParse(ManifestSchema, document);
    return c.json(
      {
        version,
        live: pointer?.version === version,
        previous: pointer?.previous ?? null,
        updatedAt: pointer?.updatedAt ?? null,
        manifest: document,
        summary: parsed.success ? summarizeManifest(parsed.output) : null,
      },
      200,
      ADMIN_HEADERS,
    );
  } catch (err) {
    return adminError(c, err);
  }
}

/** GET /versions/:id/diff: what making `id` live would change against the live version (a rollback's preview). */
export async function versionDiffRoute(c: Context<AppEnv>): Promise<Response> {
  try {
    const id = c.req.param("id");
    if (!v.is(IdSchema, id)) throw new P13nError("BAD_REQUEST", "not a version id", { path: ["version"] });
    const store = kvVersionStore(c.env.CONTENT);
    const [live, target] = await Promise.all([readLive(store), readDocument(store, id)]);
    return c.json({ version: id, against: live?.version ?? null, changes: target ? diffManifests(live?.document ?? null, target.document) : [] }, 200, ADMIN_HEADERS);
  } catch (err) {
    return adminError(c, err);
  }
}
