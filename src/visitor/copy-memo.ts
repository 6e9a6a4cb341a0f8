/**
 * The newest copy of each visitor's memory this isolate has seen (src/visitor/edge-copy.ts),
 * held in memory beside the colo's Cache API: a returning visitor's next page on the same
 * isolate is decided from it without a Cache API read (a `match`, a body, a JSON parse), and
 * the page view's answer is compared with it instead of re-reading the Cache API before the put.
 *
 * It is a cache of the Cache API's copy, under the same rules (`usable()`: max age by the
 * object's clock, never from before the browser's last erasure), and it is dropped with the
 * colo's copy (erasure, "don't remember me", preferences, a merge, a server event). Bounded in
 * entries and in bytes (the copies' JSON size): the least recently used go first.
 *
 * @example
 * const memo = new CopyMemo<MemoryCopy>(); // one per isolate (src/visitor/edge-copy.ts)
 * memo.keep(secret, "sub:user-1", copy, json.length);
 * memo.get(secret, "sub:user-1"); // the copy, or undefined
 */
/** What the memo compares copies by (a MemoryCopy's version fields: ./store/memory.ts). */
export interface Versioned {
  gen: string;
  version: number;
  at: number;
}

/** Visitors held at most, per isolate. */
export const MEMO_MAX_ENTRIES = 1_000;
/** Their copies' JSON size at most, in all (a copy is a few KB: trimMemory bounds every list). */
export const MEMO_MAX_BYTES = 2 * 1024 * 1024;
/** HMAC keys of visitors' copies held at most (each ~100 bytes). */
const KEYS_MAX = 2_000;

interface Held<T> {
  /** The VISITOR_SECRET the copy was kept under (a copy never answers for another secret). */
  secret: string;
  copy: T;
  bytes: number;
}

/** `a` is newer than `b`: same generation, a higher write counter; else the later answer. */
export function newer(a: Versioned, b: Versioned): boolean {
  return a.gen === b.gen ? a.version > b.version : a.at > b.at;
}

export class CopyMemo<T extends Versioned> {
  readonly #held = new Map<string, Held<T>>();
  readonly #keys = new Map<string, string>();
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  #bytes = 0;

  constructor(maxEntries = MEMO_MAX_ENTRIES, maxBytes = MEMO_MAX_BYTES) {
    this.#maxEntries = maxEntries;
    this.#maxBytes = maxBytes;
  }

  /** The copy held for `name` under `secret` (most recently used now), or undefined. */
  get(secret: string, name: string): T | undefined {
    const held = this.#held.get(name);
    if (!held || held.secret !== secret) return undefined;
    this.#held.delete(name);
    this.#held.set(name, held);
    return held.copy;
  }

  /** Holds `copy` unless the one held is newer (false: it is; the caller keeps nothing either). */
  keep(secret: string, name: string, copy: T, bytes: number): boolean {
    const held = this.#held.get(name);
    if (held && held.secret === secret && newer(held.copy, copy)) return false;
    this.drop(name);
    // Too large to hold (never, for a trimmed memory): the colo's copy still takes it.
    if (bytes > this.#maxBytes) return true;
    this.#held.set(name, { secret, copy, bytes });
    this.#bytes += bytes;
    for (const [oldest, h] of this.#held) {
      if (this.#held.size <= this.#maxEntries && this.#bytes <= this.#maxBytes) break;
      this.#held.delete(oldest);
      this.#bytes -= h.bytes;
    }
    return true;
  }

  /** Forgets `name`'s copy (its colo copy is deleted: erasure, preferences, a merge…). */
  drop(name: string): void {
    const held = this.#held.get(name);
    if (!held) return;
    this.#held.delete(name);
    this.#bytes -= held.bytes;
  }

  /** The Cache API key of `name` under `secret`, once made (an HMAC per visitor, not per page). */
  key(secret: string, name: string, make: () => Promise<string>): Promise<string> {
    const id = `${secret.length}:${secret}:${name}`;
    const known = this.#keys.get(id);
    if (known !== undefined) return Promise.resolve(known);
    return make().then((url) => {
      if (this.#keys.size >= KEYS_MAX) this.#keys.delete(this.#keys.keys().next().value!);
      this.#keys.set(id, url);
      return url;
    });
  }

  /** How much is held (tests, and the bound's proof). */
  get size(): { entries: number; bytes: number } {
    return { entries: this.#held.size, bytes: this.#bytes };
  }
}
