/**
 * Templates in the Cache API (`caches.default`), so the isolates of a colo share them. Each
 * is stored under a synthetic URL on a reserved host (`templates.p13n.invalid`) with the
 * SHA-256 of its key as the path: no visitor request, and no origin fetch, can ever match it.
 * The stored key is checked again on the way out. Every failure is a miss (fail open).
 *
 * Format of the stored body: a 4-byte big-endian length, that many bytes of JSON (everything
 * but the bytes), then the page bytes, then each slot's tagged start-tag parts and, for a slot by
 * selector, its start tag carrying `data-p13n-slot`.
 */
import { currentAge } from "./http-cache.ts";
import type { TemplateEntry } from "./store.ts";
import type { TemplateSlot } from "./template.ts";

const KEY_HOST = "https://templates.p13n.invalid/v1/";
const FORMAT = 3;
/** Kept this long past freshness + stale-while-revalidate: a stale copy still saves a parse after a 304. */
const REVALIDATION_GRACE_S = 3600;

interface StoredSlot extends Omit<TemplateSlot, "tagged" | "taggedWithExperiment" | "selectorTag"> {
  tagged: number[];
  taggedWithExperiment: number[];
  /** Its length, or -1 for none. */
  selectorTag: number;
}

interface StoredHead extends Omit<TemplateEntry, "template"> {
  format: number;
  pageLength: number;
  bodyEnd: number;
  pageMeta: TemplateEntry["template"]["pageMeta"];
  templateSize: number;
  selectorKey: string;
  slots: StoredSlot[];
}

/** A URL's Vary names, stored at the URL's own key when its page varies. */
interface VaryStub {
  format: number;
  url: string;
  vary: string[];
}

async function keyUrl(kind: "t" | "v", key: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)));
  let hex = "";
  for (const b of digest) hex += b.toString(16).padStart(2, "0");
  return `${KEY_HOST}${kind}/${hex}`;
}

function cache(): Cache | null {
  try {
    return typeof caches === "undefined" ? null : caches.default;
  } catch {
    return null;
  }
}

/**
 * Stores an entry (and, when its page varies, the URL's Vary names) for `ttl` seconds.
 *
 * @example
 * ctx.waitUntil(coloPut(entry, Date.now()));
 */
export async function coloPut(entry: TemplateEntry, now: number): Promise<void> {
  const c = cache();
  if (!c) return;
  const f = entry.freshness;
  const ttl = Math.max(1, Math.ceil(f.lifetimeS + f.staleWhileRevalidateS - currentAge(f, now) + REVALIDATION_GRACE_S));
  const t = entry.template;
  const parts: Uint8Array[] = [t.bytes];
  const slots: StoredSlot[] = t.slots.map((s) => {
    parts.push(...s.tagged, ...s.taggedWithExperiment);
    if (s.selectorTag) parts.push(s.selectorTag);
    return {
      ...s,
      tagged: s.tagged.map((p) => p.byteLength),
      taggedWithExperiment: s.taggedWithExperiment.map((p) => p.byteLength),
      selectorTag: s.selectorTag ? s.selectorTag.byteLength : -1,
    };
  });
  const { template: _, ...rest } = entry;
  const head: StoredHead = {
    ...rest,
    format: FORMAT,
    pageLength: t.bytes.byteLength,
    bodyEnd: t.bodyEnd,
    pageMeta: t.pageMeta,
    templateSize: t.size,
    selectorKey: t.selectorKey,
    slots,
  };
  const json = new TextEncoder().encode(JSON.stringify(head));
  let length = 4 + json.byteLength;
  for (const p of parts) length += p.byteLength;
  const body = new Uint8Array(length);
  new DataView(body.buffer).setUint32(0, json.byteLength);
  body.set(json, 4);
  let at = 4 + json.byteLength;
  for (const p of parts) {
    body.set(p, at);
    at += p.byteLength;
  }
  const headers = { "content-type": "application/octet-stream", "cache-control": `public, max-age=${ttl}` };
  const puts = [c.put(await keyUrl("t", entry.key), new Response(body, { headers }))];
  if (entry.vary.length > 0) {
    const stub: VaryStub = { format: FORMAT, url: entry.url, vary: [...entry.vary] };
    puts.push(c.put(await keyUrl("v", entry.url), new Response(JSON.stringify(stub), { headers })));
  }
  await Promise.all(puts);
}

/**
 * The URL's Vary names as the colo last stored them ([] when its page does not vary or is unknown).
 *
 * @example
 * const vary = await coloVary(url);
 */
export async function coloVary(url: string): Promise<string[]> {
  const c = cache();
  if (!c) return [];
  const hit = await c.match(await keyUrl("v", url));
  if (!hit) return [];
  const stub = (await hit.json()) as VaryStub;
  return stub.format === FORMAT && stub.url === url && Array.isArray(stub.vary) ? stub.vary : [];
}

/**
 * The entry stored under `key`, or null.
 *
 * @example
 * const entry = await coloMatch(templateKey(url, vary, request.headers));
 */
export async function coloMatch(key: string): Promise<TemplateEntry | null> {
  const c = cache();
  if (!c) return null;
  const hit = await c.match(await keyUrl("t", key));
  if (!hit) return null;
  const body = new Uint8Array(await hit.arrayBuffer());
  if (body.byteLength < 4) return null;
  const jsonLength = new DataView(body.buffer, body.byteOffset).getUint32(0);
  const head = JSON.parse(new TextDecoder().decode(body.subarray(4, 4 + jsonLength))) as StoredHead;
  if (head.format !== FORMAT || head.key !== key) return null;
  let at = 4 + jsonLength;
  const take = (n: number) => {
    const part = body.subarray(at, at + n);
    at += n;
    return part;
  };
  const bytes = take(head.pageLength);
  const slots: TemplateSlot[] = head.slots.map((s) => ({
    ...s,
    tagged: s.tagged.map(take),
    taggedWithExperiment: s.taggedWithExperiment.map(take),
    selectorTag: s.selectorTag >= 0 ? take(s.selectorTag) : null,
  }));
  if (at !== body.byteLength) return null;
  const { format: _f, pageLength: _p, bodyEnd, pageMeta, templateSize, selectorKey, slots: _s, ...entry } = head;
  return { ...entry, template: { bytes, slots, bodyEnd, pageMeta, size: templateSize, selectorKey } };
}
