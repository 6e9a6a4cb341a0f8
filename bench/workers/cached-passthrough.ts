/**
 * The true limit for a cacheable page: the origin's page kept in isolate memory (fetched
 * once per URL, then refetched after its max-age) and served as it is, unpersonalized. No
 * cookie reading, no KV, no parsing: a response built from bytes already in memory.
 */
interface CachedEnv {
  ORIGIN_URL: string;
}

interface Cached {
  bytes: Uint8Array;
  headers: Headers;
  expires: number;
}

// Isolate memory: the bench's handful of public pages.
const pages = new Map<string, Cached>();

export default {
  async fetch(request: Request, env: CachedEnv): Promise<Response> {
    const url = new URL(request.url);
    const key = url.pathname + url.search;
    const now = Date.now();
    let hit = pages.get(key);
    if (!hit || hit.expires <= now) {
      const res = await fetch(new Request(new URL(key, env.ORIGIN_URL), request));
      if (res.status !== 200) return res;
      const maxAge = Number(/max-age=(\d+)/.exec(res.headers.get("cache-control") ?? "")?.[1] ?? 0);
      hit = { bytes: new Uint8Array(await res.arrayBuffer()), headers: new Headers(res.headers), expires: now + maxAge * 1000 };
      hit.headers.delete("content-length");
      pages.set(key, hit);
    }
    return new Response(hit.bytes, { headers: hit.headers });
  },
};
