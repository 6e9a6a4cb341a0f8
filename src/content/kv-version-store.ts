/** The version store over Workers KV (the admin API's); the CLI has its own over wrangler. */
import type { VersionStore } from "./versions.ts";

/**
 * @example
 * const store = kvVersionStore(env.CONTENT);
 */
export function kvVersionStore(kv: KVNamespace): VersionStore {
  return {
    get: (key) => kv.get(key, "text"),
    put: (key, value, metadata) => kv.put(key, value, metadata ? { metadata } : {}),
    async list(prefix) {
      const out: Array<{ name: string; metadata?: unknown }> = [];
      let cursor: string | undefined;
      // A bounded walk: 20 pages of 1000 keys is more history than any console shows.
      for (let page = 0; page < 20; page++) {
        const r: KVNamespaceListResult<unknown, string> = await kv.list({ prefix, ...(cursor ? { cursor } : {}) });
        for (const k of r.keys) out.push(k.metadata === undefined ? { name: k.name } : { name: k.name, metadata: k.metadata });
        if (r.list_complete) break;
        cursor = r.cursor;
      }
      return out;
    },
  };
}

