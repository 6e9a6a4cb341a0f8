/**
 * The isolate's template cache: least recently used out first, bounded by the bytes the
 * templates hold (TEMPLATE_CACHE_BYTES). It holds only pages the origin marked shareable,
 * keyed by URL plus the values of the request headers the origin Varies on, so what it
 * keeps is exactly what any visitor with those headers may get: no visitor's page, ever.
 *
 * Beside the templates: per URL, the Vary names last seen (to build the key before the
 * origin answers) and a short note (how often the URL was asked for, whether its last answer
 * was not shareable), both bounded by count.
 */
import type { Freshness, Validator } from "./http-cache.ts";
import type { PageTemplate } from "./template.ts";

/** One stored page version with what serving it needs. */
export interface TemplateEntry {
  /** URL plus the Vary'd request header values (see `templateKey`). */
  key: string;
  url: string;
  vary: readonly string[];
  status: number;
  statusText: string;
  /** The origin's response headers, hop-by-hop and Age removed. */
  headers: ReadonlyArray<readonly [string, string]>;
  validator: Validator;
  freshness: Freshness;
  template: PageTemplate;
}

interface UrlNote {
  sightings: number;
  /** Until when the URL's last answer said "not shareable" (no colo lookup before then). */
  unshareableUntil: number;
}

/** URLs remembered for Vary names and notes (each a few hundred bytes at most). */
const MAX_URLS = 4096;
/** No single page takes more than this share of the budget: one huge page must not flush the rest. */
const MAX_SHARE = 4;

/**
 * @example
 * const key = templateKey(url, ["user-agent"], request.headers); // "https://…/\nuser-agent=Mozilla/…"
 */
export function templateKey(url: string, vary: readonly string[], headers: Headers): string {
  let key = url;
  for (const name of vary) key += `\n${name}=${headers.get(name) ?? ""}`;
  return key;
}

/**
 * @example
 * const store = new TemplateStore(32 * 1024 * 1024);
 * store.put(entry, Date.now());
 * store.get(templateKey(url, store.varyOf(url), request.headers));
 */
export class TemplateStore {
  readonly maxBytes: number;
  #bytes = 0;
  readonly #entries = new Map<string, TemplateEntry>();
  readonly #vary = new Map<string, readonly string[]>();
  readonly #notes = new Map<string, UrlNote>();
  /** Keys with a background origin request in flight, a revalidation or a build (one per key at a time). */
  readonly revalidating = new Set<string>();

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** Bytes the templates hold now (never more than maxBytes). */
  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Vary names last seen for the URL (empty: key is the URL alone). */
  varyOf(url: string): readonly string[] {
    return this.#vary.get(url) ?? [];
  }

  get(key: string): TemplateEntry | undefined {
    const hit = this.#entries.get(key);
    if (hit) {
      // Most recently used goes last; eviction takes from the front.
      this.#entries.delete(key);
      this.#entries.set(key, hit);
    }
    return hit;
  }

  /**
   * Keeps an entry unless it is older than the one held (two builds racing: the newer page wins)
   * or too big for the budget. Returns whether it was kept.
   */
  put(entry: TemplateEntry): boolean {
    const size = entry.template.size;
    if (this.maxBytes <= 0 || size > this.maxBytes / MAX_SHARE) return false;
    const held = this.#entries.get(entry.key);
    if (held && held.freshness.responseTime > entry.freshness.responseTime) return false;
    if (held) this.delete(entry.key);
    this.#remember(this.#vary, entry.url, entry.vary);
    this.#entries.set(entry.key, entry);
    this.#bytes += size;
    for (const [key, old] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#entries.delete(key);
      this.#bytes -= old.template.size;
    }
    return true;
  }

  delete(key: string): void {
    const held = this.#entries.get(key);
    if (!held) return;
    this.#entries.delete(key);
    this.#bytes -= held.template.size;
  }

  /** Counts one more request for the URL; returns how many (bounded memory: old URLs are forgotten). */
  sight(url: string): number {
    const note = this.#note(url);
    note.sightings++;
    return note.sightings;
  }

  /** The URL's last answer was not shareable: skip the colo lookup until `until`. */
  markUnshareable(url: string, until: number): void {
    this.#note(url).unshareableUntil = until;
  }

  unshareable(url: string, now: number): boolean {
    return (this.#notes.get(url)?.unshareableUntil ?? 0) > now;
  }

  #note(url: string): UrlNote {
    let note = this.#notes.get(url);
    if (note) this.#notes.delete(url);
    else note = { sightings: 0, unshareableUntil: 0 };
    this.#notes.set(url, note);
    while (this.#notes.size > MAX_URLS) this.#notes.delete(this.#notes.keys().next().value!);
    return note;
  }

  #remember<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key);
    map.set(key, value);
    while (map.size > MAX_URLS) map.delete(map.keys().next().value!);
  }
}

let isolateStore: TemplateStore | undefined;

/**
 * The isolate's one store (content the origin marked shareable, keyed correctly: no
 * per-request state). Resized when the configured budget changes.
 *
 * @example
 * const store = templateStore(config.templateCacheBytes);
 */
export function templateStore(maxBytes: number): TemplateStore {
  if (!isolateStore || isolateStore.maxBytes !== maxBytes) isolateStore = new TemplateStore(maxBytes);
  return isolateStore;
}
