/**
 * KV layout of published content. A version is written once and never
 * changed; the pointer is the only key that flips, so a page is rendered
 * from exactly one version and a rollback is one write.
 *
 * @example
 * await kv.put(versionKey(m.version), JSON.stringify(m)); // 1. immutable version
 * await kv.put(POINTER_KEY, JSON.stringify({ version: m.version, previous })); // 2. flip
 */
export const POINTER_KEY = "manifest/current";
export const VERSION_PREFIX = "manifest/versions/";
export const versionKey = (version: string): string => `${VERSION_PREFIX}${version}`;

/** Value stored under POINTER_KEY. */
export interface Pointer {
  version: string;
  /** Version that was current before this one (for a one-step rollback). */
  previous?: string;
  updatedAt: string;
}
