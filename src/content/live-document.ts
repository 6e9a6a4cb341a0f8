/**
 * A published version's document exactly as stored (no defaults filled in): what the editors'
 * diffs compare and what a draft starts from. Read straight from KV, not through the isolate's
 * manifest store, so an editor sees what is stored now.
 *
 * @example
 * const live = await readDocument(kvVersionStore(env.CONTENT)); // { version, document } | null
 * const v = await readDocument(store, "20261123T160102Z-3fa9c1d2");
 */
import { P13nError } from "../errors.ts";
import { versionKey } from "./keys.ts";
import { readPointer, type VersionStore } from "./versions.ts";

export interface StoredDocument {
  version: string;
  document: Record<string, unknown>;
}

/** The live version's document (`version` undefined), or the named one; null when nothing is live. */
export async function readDocument(store: VersionStore, version?: string): Promise<StoredDocument | null> {
  const id = version ?? (await readPointer(store))?.version;
  if (id === undefined) return null;
  const text = await store.get(versionKey(id));
  if (text === null) throw new P13nError("VERSION_NOT_FOUND", `version ${id} is not in KV`);
  const document = JSON.parse(text) as unknown;
  if (typeof document !== "object" || document === null || Array.isArray(document)) throw new P13nError("MANIFEST_INVALID", `version ${id} is not a manifest document`);
  return { version: id, document: document as Record<string, unknown> };
}

/**
 * The live version's document for a diff or a draft's start, or null when nothing (readable) is
 * live: a pointer at a missing or damaged version must not stop a publish that replaces it.
 */
export async function readLive(store: VersionStore): Promise<StoredDocument | null> {
  try {
    return await readDocument(store);
  } catch {
    return null;
  }
}
