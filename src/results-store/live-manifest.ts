/**
 * The live manifest for the results side (reports, the bandit's schedule): the pointer, then
 * the immutable version through the manifest store's per-isolate memo. Null when nothing is
 * published.
 *
 * @example
 * const manifest = await liveManifest(env.CONTENT);
 */
import { POINTER_KEY, type Pointer } from "../content/keys.ts";
import { loadVersion } from "../content/manifest-store.ts";
import type { Manifest } from "../engine/types.ts";

export async function liveManifest(kv: KVNamespace): Promise<Manifest | null> {
  const pointer = await kv.get<Pointer>(POINTER_KEY, "json");
  return pointer?.version ? loadVersion(kv, pointer.version) : null;
}
