/**
 * Deterministic bucketing. Other channels (email, app) must reproduce assignments,
 * so the hash is fully specified: FNV-1a 32-bit over the UTF-8 bytes of the key,
 * then murmur3's fmix32 finalizer (FNV-1a alone spreads similar ids such as
 * "user-1", "user-2" poorly in the low digits), unsigned, modulo 10000.
 */

/** Buckets per experiment: shares are expressed in 1/100 of a percent. */
export const BUCKETS = 10_000;

/**
 * FNV-1a (32-bit) of the UTF-8 encoding of `s`, finalized with murmur3 fmix32.
 *
 * @example
 * hash32("exp-salt:visitor-123"); // an unsigned 32-bit integer, always the same
 */
export function hash32(s: string): number {
  return fmix32(feed(FNV_OFFSET, s));
}

const FNV_OFFSET = 0x811c9dc5;

/** FNV-1a state `h` fed the UTF-8 bytes of `s` (not finalized). */
function feed(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    // Inline UTF-8 encoding: no TextEncoder allocation on the hot path.
    if (c < 0x80) {
      h = Math.imul(h ^ c, 0x01000193);
    } else if (c < 0x800) {
      h = Math.imul(h ^ (0xc0 | (c >> 6)), 0x01000193);
      h = Math.imul(h ^ (0x80 | (c & 0x3f)), 0x01000193);
    } else {
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d < 0xe000) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          h = Math.imul(h ^ (0xf0 | (c >> 18)), 0x01000193);
          h = Math.imul(h ^ (0x80 | ((c >> 12) & 0x3f)), 0x01000193);
          h = Math.imul(h ^ (0x80 | ((c >> 6) & 0x3f)), 0x01000193);
          h = Math.imul(h ^ (0x80 | (c & 0x3f)), 0x01000193);
          continue;
        }
      }
      // Lone surrogates encode as U+FFFD, like TextEncoder.
      if (c >= 0xd800 && c < 0xe000) c = 0xfffd;
      h = Math.imul(h ^ (0xe0 | (c >> 12)), 0x01000193);
      h = Math.imul(h ^ (0x80 | ((c >> 6) & 0x3f)), 0x01000193);
      h = Math.imul(h ^ (0x80 | (c & 0x3f)), 0x01000193);
    }
  }
  return h;
}

/** murmur3's fmix32 finalizer, unsigned. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The bucket in [0, 10000) of `unitId` under `salt`: hash32(`${salt}:${unitId}`) % 10000.
 *
 * @example
 * bucketOf("hero-test-2026", "visitor-123"); // e.g. 4821, the same on every request and device
 */
export function bucketOf(salt: string, unitId: string): number {
  return hash32(`${salt}:${unitId}`) % BUCKETS;
}

/**
 * The hash state after `${salt}:`: what `bucketFrom` continues from, so a salt's bytes are hashed
 * once per manifest, and no `${salt}:${unitId}` string is built per request. The prefix ends in
 * ":", so no UTF-16 surrogate pair straddles it.
 *
 * @example
 * bucketFrom(saltState("hero-test-2026"), "visitor-123") === bucketOf("hero-test-2026", "visitor-123"); // true
 */
export function saltState(salt: string): number {
  return feed(FNV_OFFSET, `${salt}:`);
}

/** `bucketOf(salt, unitId)` from `saltState(salt)`. */
export function bucketFrom(state: number, unitId: string): number {
  return fmix32(feed(state, unitId)) % BUCKETS;
}
