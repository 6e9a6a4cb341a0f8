/**
 * Publishing: write the manifest as a new immutable version, then flip the pointer.
 * In that order, so a reader never finds a pointer to a version that is not there,
 * and every page is rendered from exactly one version.
 *
 * @example
 * const r = await publishManifest(document, localKvStore(io, { cwd }), { hash });
 * // { version: "20261123T160102Z-3fa9c1d2", previous: "20261122T…", unchanged: false }
 */
import { POINTER_KEY, versionKey, type Pointer } from "../src/content/keys.ts";
import { versionMeta } from "../src/content/versions.ts";
import type { ContentStore } from "./local-kv.ts";
import { contentHash, hashOfVersion } from "./content/version.ts";
import type { ManifestDocument } from "./content/compile.ts";

export interface PublishResult {
  version: string;
  previous: string | undefined;
  /** The live version already has this content: nothing was written. */
  unchanged: boolean;
}

export interface PublishOptions {
  /** Publish a new version even when the live one has the same content. */
  force?: boolean;
  now?: Date;
  /** Progress lines ("writing version…"). */
  progress?: (line: string) => void;
}

export async function publishManifest(doc: ManifestDocument, store: ContentStore, opts: PublishOptions = {}): Promise<PublishResult> {
  const progress = opts.progress ?? (() => {});
  progress(`reading the live version from ${store.name}…`);
  const current = parsePointer(await store.get(POINTER_KEY));

  if (!opts.force && current && (await sameContent(store, current.version, doc))) {
    return { version: current.version, previous: current.previous, unchanged: true };
  }
  progress(`writing version ${doc.version}…`);
  await store.put(versionKey(doc.version), JSON.stringify(doc), versionMeta(doc));
  const pointer: Pointer = {
    version: doc.version,
    ...(current && current.version !== doc.version ? { previous: current.version } : {}),
    updatedAt: (opts.now ?? new Date()).toISOString(),
  };
  progress(`pointing ${POINTER_KEY} at it…`);
  await store.put(POINTER_KEY, JSON.stringify(pointer));
  return { version: doc.version, previous: pointer.previous, unchanged: false };
}

/** Content hash of a manifest: everything except the version id and publish time. */
export function manifestContentHash(doc: Readonly<Record<string, unknown>>): string {
  const { schema: _s, version: _v, publishedAt: _p, ...content } = doc;
  return contentHash(content);
}

async function sameContent(store: ContentStore, liveVersion: string, doc: ManifestDocument): Promise<boolean> {
  // The version id carries 8 hex of the hash: a cheap first test before reading the live manifest.
  if (hashOfVersion(liveVersion) !== hashOfVersion(doc.version)) return false;
  const live = await store.get(versionKey(liveVersion));
  if (live === null) return false;
  try {
    return manifestContentHash(JSON.parse(live) as Record<string, unknown>) === manifestContentHash(doc);
  } catch {
    return false;
  }
}

function parsePointer(text: string | null): Pointer | undefined {
  if (text === null) return undefined;
  try {
    const p = JSON.parse(text) as Partial<Pointer>;
    return typeof p.version === "string" ? { version: p.version, previous: p.previous, updatedAt: String(p.updatedAt ?? "") } : undefined;
  } catch {
    return undefined;
  }
}
