/**
 * A short version for constant text the Worker serves (its scripts and styles): FNV-1a over the
 * UTF-16 code units, 8 hex digits. A cache key (`?v=`, an ETag), computed once per isolate; not a
 * security measure (the bucketing hash is src/engine/hash.ts, fully specified for other channels).
 *
 * @example
 * textVersion("console.log(1)"); // 8 hex digits, always the same for the same text
 */
export function textVersion(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}
