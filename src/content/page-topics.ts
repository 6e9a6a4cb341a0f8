/**
 * A page's category and topics, for recentViews and interest scoring. From the
 * manifest's `pages` mapping first (editors own it, and it is known before the
 * body arrives), else from the page's own `<meta name="p13n:category">` and
 * `<meta name="p13n:topics">` (read while it streams, see rewrite/page-meta.ts).
 */
import type { Manifest } from "../engine/types.ts";
import { compileGlob, type Glob } from "../match/glob.ts";

export interface PageTopics {
  category?: string;
  topics: string[];
}

/** Topics kept per page, and their length: page meta is origin content, bounded all the same. */
export const MAX_PAGE_TOPICS = 20;
export const MAX_TOPIC_LENGTH = 64;

const compiled = new WeakMap<Manifest, Array<{ glob: Glob; category: string; topics: string[] }>>();

/**
 * The first mapping whose pattern matches the whole path (`*` any run of characters, matched in
 * linear time by src/match/glob.ts), or null.
 *
 * @example
 * pageTopicsFromManifest(manifest, "/products/running-shoes"); // { category: "running-shoes", topics: ["running", "shoes"] }
 */
export function pageTopicsFromManifest(manifest: Manifest | null, path: string): PageTopics | null {
  if (!manifest || !manifest.pages || manifest.pages.length === 0) return null;
  let rules = compiled.get(manifest);
  if (!rules) {
    rules = manifest.pages.map((p) => ({ glob: compileGlob(p.pattern), category: p.category, topics: p.topics ?? [] }));
    compiled.set(manifest, rules);
  }
  for (const r of rules) if (r.glob.test(path)) return { category: r.category, topics: [...r.topics] };
  return null;
}

/**
 * Cleans topics from page meta or a beacon: trimmed, bounded, unique (case kept: the
 * engine matches topics exactly as the manifest spells them).
 *
 * @example
 * cleanTopics("running, shoes ,,running"); // ["running", "shoes"]
 */
export function cleanTopics(input: string | readonly string[]): string[] {
  const raw = typeof input === "string" ? input.split(",") : input;
  const out = new Set<string>();
  for (const t of raw) {
    const topic = t.trim();
    if (topic.length > 0 && topic.length <= MAX_TOPIC_LENGTH) out.add(topic);
    if (out.size >= MAX_PAGE_TOPICS) break;
  }
  return [...out];
}
