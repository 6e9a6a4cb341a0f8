/**
 * Published versions over any key-value store shaped like KV: write one immutable
 * version, flip the pointer, list versions, roll back. The admin API runs it over
 * Workers KV; the CLI over wrangler's local KV. In this order, so a reader never
 * finds a pointer to a version that is not there, and a page is rendered from
 * exactly one version (docs/reliability.md "Atomic publish").
 *
 * @example
 * const store = kvVersionStore(env.CONTENT); // ./kv-version-store.ts
 * await writeVersion(store, doc, JSON.stringify(doc));                 // 1. the immutable version
 * await flipPointer(store, doc.version, new Date()); // 2. the one key that changes
 * await rollback(store, undefined, new Date());   // back to `previous`
 */
import { P13nError } from "../errors.ts";
import { POINTER_KEY, VERSION_PREFIX, versionKey, type Pointer } from "./keys.ts";

/** Workers KV's key limit. */
export const MAX_KEY_BYTES = 512;

/** Stored beside each version (KV metadata, ≤ 1024 bytes), so a listing needs no version reads. */
export interface VersionMeta {
  publishedAt: string;
  slots: number;
  variants: number;
  /** Staged by the console to preview the draft, never published (the history leaves it out). */
  draftPreview?: true;
}

export interface VersionStore {
  get(key: string): Promise<string | null>;
  put(key: string, value: string, metadata?: VersionMeta): Promise<void>;
  /** Every key under `prefix`, with its metadata when it has some. */
  list(prefix: string): Promise<Array<{ name: string; metadata?: unknown }>>;
}

export interface VersionInfo {
  version: string;
  publishedAt: string | null;
  slots: number | null;
  variants: number | null;
  current: boolean;
  previous: boolean;
  /** Staged only to preview the draft (VersionMeta.draftPreview). */
  draftPreview: boolean;
}

/** What the pointer flip changed. */
export interface PointerChange {
  version: string;
  previous: string | undefined;
  updatedAt: string;
}

/** Throws KEY_TOO_LONG when a key would not fit KV. */
export function checkKey(key: string): void {
  const bytes = new TextEncoder().encode(key).length;
  if (bytes > MAX_KEY_BYTES) throw new P13nError("KEY_TOO_LONG", `key of ${bytes} bytes; KV keys hold at most ${MAX_KEY_BYTES}`);
}

/** The pointer, or undefined when nothing is published (or it is unreadable). */
export async function readPointer(store: VersionStore): Promise<Pointer | undefined> {
  const text = await store.get(POINTER_KEY);
  if (text === null) return undefined;
  try {
    const p = JSON.parse(text) as Partial<Pointer>;
    if (typeof p.version !== "string") return undefined;
    return { version: p.version, ...(typeof p.previous === "string" ? { previous: p.previous } : {}), updatedAt: String(p.updatedAt ?? "") };
  } catch {
    return undefined;
  }
}

/** Counts for the listing. */
export function versionMeta(doc: { publishedAt: string; slots?: unknown }): VersionMeta {
  const slots = doc.slots && typeof doc.slots === "object" ? Object.values(doc.slots as Record<string, { variants?: unknown[] }>) : [];
  return {
    publishedAt: doc.publishedAt,
    slots: slots.length,
    variants: slots.reduce((n, s) => n + (Array.isArray(s?.variants) ? s.variants.length : 0), 0),
  };
}

/**
 * Writes a version once. The same id with the same text again is fine (a retried
 * upload); the same id with other content is refused: versions never change.
 */
export async function writeVersion(
  store: VersionStore,
  doc: { version: string; publishedAt: string; slots?: unknown },
  text: string,
  opts: { draftPreview?: boolean } = {},
): Promise<"written" | "exists"> {
  const key = versionKey(doc.version);
  checkKey(key);
  const existing = await store.get(key);
  if (existing !== null) {
    if (existing === text) return "exists";
    throw new P13nError("VERSION_EXISTS", `version ${doc.version} is already published with other content; versions are immutable, build a new one`);
  }
  await store.put(key, text, opts.draftPreview ? { ...versionMeta(doc), draftPreview: true } : versionMeta(doc));
  return "written";
}

/** Points the site at `version` (which must already be written), remembering the one before. */
export async function flipPointer(store: VersionStore, version: string, now: Date): Promise<PointerChange> {
  const current = await readPointer(store);
  const previous = current && current.version !== version ? current.version : current?.previous;
  const pointer: Pointer = { version, ...(previous !== undefined ? { previous } : {}), updatedAt: now.toISOString() };
  await store.put(POINTER_KEY, JSON.stringify(pointer));
  return { version, previous, updatedAt: pointer.updatedAt };
}

/**
 * Flips the pointer back: to `target`, or to the pointer's `previous`. The target
 * must exist; `check` may refuse it (the worker validates it against the schema).
 */
export async function rollback(
  store: VersionStore,
  target: string | undefined,
  now: Date,
  check?: (text: string, version: string) => void,
): Promise<PointerChange> {
  const current = await readPointer(store);
  const to = target ?? current?.previous;
  if (to === undefined) throw new P13nError("NO_PREVIOUS", current ? `version ${current.version} has no previous version to roll back to` : "nothing is published yet");
  checkKey(versionKey(to));
  const text = await store.get(versionKey(to));
  if (text === null) throw new P13nError("VERSION_NOT_FOUND", `version ${to} does not exist`);
  check?.(text, to);
  return flipPointer(store, to, now);
}

/** Every version, newest first, marking the current and previous ones. */
export async function listVersions(store: VersionStore): Promise<VersionInfo[]> {
  const [keys, pointer] = await Promise.all([store.list(VERSION_PREFIX), readPointer(store)]);
  const out = keys.map(({ name, metadata }): VersionInfo => {
    const version = name.slice(VERSION_PREFIX.length);
    const m = (metadata ?? {}) as Partial<VersionMeta>;
    return {
      version,
      publishedAt: typeof m.publishedAt === "string" ? m.publishedAt : stampOf(version),
      slots: typeof m.slots === "number" ? m.slots : null,
      variants: typeof m.variants === "number" ? m.variants : null,
      current: pointer?.version === version,
      previous: pointer?.previous === version,
      draftPreview: m.draftPreview === true,
    };
  });
  return out.sort((a, b) => (b.publishedAt ?? "").localeCompare(a.publishedAt ?? "") || b.version.localeCompare(a.version));
}

/** The CLI's ids start with a UTC stamp (20261123T160102Z-…): a publish time for versions without metadata. */
function stampOf(version: string): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(version);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.000Z` : null;
}
