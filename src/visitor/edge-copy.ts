/**
 * A copy of a visitor's memory kept close to the page: in the colo's Cache API
 * (`caches.default`), so a returning visitor's page is decided from memory without waiting for
 * their object, and an object that is far away or slow costs freshness, not the page's time.
 * README "Memory at the edge" states the rules; in short:
 *
 * - **Key**: a synthetic URL on a reserved host (`memory.p13n.invalid`), the path an HMAC of the
 *   object's name with VISITOR_SECRET: no visitor request or origin fetch can match it, and
 *   nobody without the secret can name a visitor's entry. The stored name is checked on the way out.
 * - **Written** from the object's own answers: after every write through this Worker (the page
 *   view after the last byte, a beacon) and after a read that had no copy. Each carries the
 *   object's generation (new after an erasure), write counter and clock; an answer older than
 *   the copy already kept (same generation, lower counter) does not replace it.
 * - **Used** only while younger than MEMORY_COPY_MAX_AGE_S (by the object's clock at its
 *   answer), only when tracking is allowed for this very request (the caller asks for no memory
 *   otherwise), and never when it is older than the browser's last erasure
 *   (`__Host-p13n_erased`, set by /__p13n/me when it erases). Erasure also deletes the copies of
 *   the erased objects in the colo that erased them.
 *
 * - **Held in the isolate** too (./copy-memo.ts, bounded): the newest copy this isolate kept or
 *   read is used before the Cache API is asked, under the same rules, and is what an answer is
 *   compared with before the put (the Cache API is re-read only when the isolate holds none).
 *
 * Every failure is a miss (fail open: the object is asked as before).
 *
 * @example
 * const copy = await readCopy(copies, "sub:user-1", Date.now(), erasedAt);
 * waitUntil(keepCopy(copies, "sub:user-1", answer.copy));
 */
import { hmac } from "../identity/hmac.ts";
import { CopyMemo, newer } from "./copy-memo.ts";
import type { MemoryCopy } from "./store/memory.ts";

let memo: CopyMemo<MemoryCopy> | undefined;

/** This isolate's memo of copies (./copy-memo.ts). */
function copyMemo(): CopyMemo<MemoryCopy> {
  memo ??= new CopyMemo();
  return memo;
}

const KEY_HOST = "https://memory.p13n.invalid/v1/";
const FORMAT = 1;

/** Where copies live and for how long; null when copies are off. */
export interface CopySettings {
  /** MEMORY_COPY_MAX_AGE_S, in ms. */
  maxAgeMs: number;
  /** Keys the entries (VISITOR_SECRET). */
  secret: string;
}

interface Stored extends MemoryCopy {
  format: number;
  name: string;
}

/**
 * The settings from the config; null (no copies) when the age is 0 or there is no secret to key them.
 *
 * @example
 * const copies = copySettings(config);
 */
export function copySettings(config: { memoryCopyMaxAgeS: number; visitorSecret: string | undefined }): CopySettings | null {
  if (config.memoryCopyMaxAgeS <= 0 || !config.visitorSecret) return null;
  return { maxAgeMs: config.memoryCopyMaxAgeS * 1000, secret: config.visitorSecret };
}

/** Where a write's answer keeps the colo's copy (src/visitor/access.ts, recordEvents). */
export interface CopyKeeper {
  settings: CopySettings;
  waitUntil: (p: Promise<unknown>) => void;
}

/**
 * A keeper for a request's writes; null when copies are off.
 *
 * @example
 * await recordEvents(ns, name, batch, budgetMs, copyKeeper(config, (p) => ctx.waitUntil(p)));
 */
export function copyKeeper(config: Parameters<typeof copySettings>[0], waitUntil: (p: Promise<unknown>) => void): CopyKeeper | null {
  const settings = copySettings(config);
  return settings && { settings, waitUntil };
}

function keyUrl(s: CopySettings, name: string): Promise<string> {
  return copyMemo().key(s.secret, name, async () => {
    let hex = "";
    for (const b of await hmac(s.secret, `p13n-memory:${name}`)) hex += b.toString(16).padStart(2, "0");
    return KEY_HOST + hex;
  });
}

function cache(): Cache | null {
  try {
    return typeof caches === "undefined" ? null : caches.default;
  } catch {
    return null;
  }
}

/** The Cache API's copy (held in the isolate from then on, unless the isolate holds a newer one). */
async function stored(s: CopySettings, c: Cache, url: string, name: string): Promise<Stored | null> {
  const hit = await c.match(url);
  if (!hit) return null;
  const text = await hit.text();
  const value = JSON.parse(text) as Stored;
  if (value.format !== FORMAT || value.name !== name) return null;
  copyMemo().keep(s.secret, name, copyOf(value), text.length);
  return value;
}

const copyOf = (v: MemoryCopy): MemoryCopy => ({ gen: v.gen, version: v.version, at: v.at, memory: v.memory });

/** A copy may be used at `now` for a browser last erased at `erasedAt` (epoch ms, or null: never). */
export function usable(copy: Pick<MemoryCopy, "at">, now: number, maxAgeMs: number, erasedAt: number | null): boolean {
  return now - copy.at <= maxAgeMs && (erasedAt === null || copy.at > erasedAt);
}

/**
 * The copy of `name`'s memory this isolate holds, when it may be used now; else null (the
 * Cache API may still have one: `readCopy`). Synchronous: a page needs no timer for it.
 *
 * @example
 * const copy = heldCopy(copies, "vid:0f3a…", Date.now(), null) ?? (await readCopy(copies, "vid:0f3a…", Date.now(), null));
 */
export function heldCopy(s: CopySettings, name: string, now: number, erasedAt: number | null): MemoryCopy | null {
  const held = copyMemo().get(s.secret, name);
  return held && usable(held, now, s.maxAgeMs, erasedAt) ? held : null;
}

/**
 * The copy of `name`'s memory this colo keeps, when it may be used now; else null.
 *
 * @example
 * const copy = await readCopy(copies, "vid:0f3a…", Date.now(), null);
 */
export async function readCopy(s: CopySettings, name: string, now: number, erasedAt: number | null): Promise<MemoryCopy | null> {
  const held = heldCopy(s, name, now, erasedAt);
  if (held) return held;
  const c = cache();
  if (!c) return null;
  try {
    const copy = await stored(s, c, await keyUrl(s, name), name);
    return copy && usable(copy, now, s.maxAgeMs, erasedAt) ? copyOf(copy) : null;
  } catch {
    return null;
  }
}

/** Keeps the object's answer as the colo's copy, unless the copy there is newer. Never throws. */
export async function keepCopy(s: CopySettings, name: string, copy: MemoryCopy): Promise<void> {
  const c = cache();
  if (!c) return;
  try {
    const url = await keyUrl(s, name);
    const memo = copyMemo();
    // The isolate's copy is the newest it has seen; without one, the colo's is read to compare.
    const held = memo.get(s.secret, name) ?? (await stored(s, c, url, name));
    if (held && newer(held, copy)) return;
    const ttlS = Math.max(1, Math.ceil((s.maxAgeMs - (Date.now() - copy.at)) / 1000));
    const json = JSON.stringify({ format: FORMAT, name, ...copy } satisfies Stored);
    if (!memo.keep(s.secret, name, copyOf(copy), json.length)) return;
    // `public`: the Cache API keeps nothing else. The host is ours and unreachable by any request.
    await c.put(url, new Response(json, { headers: { "content-type": "application/json", "cache-control": `public, max-age=${ttlS}` } }));
  } catch {
    // A copy not kept costs the next page a read of the object, nothing more.
  }
}

/** Deletes the copies of these objects in this colo (erasure). Never throws. */
export async function dropCopies(s: CopySettings, names: readonly string[]): Promise<void> {
  for (const name of names) copyMemo().drop(name);
  const c = cache();
  if (!c) return;
  await Promise.all(names.map(async (name) => c.delete(await keyUrl(s, name)).catch(() => false)));
}
