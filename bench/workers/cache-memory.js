// The Cache API for raw workerd: workerd sends caches.default / caches.open() traffic to the
// worker's `cacheApiOutbound` service over HTTP, as it does to miniflare's cache worker:
//   GET   <key URL>           -> the stored response (CF-Cache-Status: HIT), or 504 + CF-Cache-Status: MISS
//   PUT   <key URL>, body = the response serialized as HTTP/1.1 ("HTTP/1.1 200 OK\r\n…\r\n\r\nbody")
//   PURGE <key URL>           -> 200 when something was deleted, else 404
// One colo's cache, in this process's memory: expiry from the stored Cache-Control max-age,
// least recently stored out first above a byte budget. Plain JS: workerd runs it as-is.
const MAX_BYTES = 256 * 1024 * 1024;
const store = new Map();
let bytes = 0;

function maxAge(headers) {
  const m = /(?:^|,)\s*(?:s-maxage|max-age)\s*=\s*(\d+)/i.exec(headers.get("cache-control") ?? "");
  return m ? Number(m[1]) : 0;
}

function parseHttp(buf) {
  let end = -1;
  for (let i = 0; i + 3 < buf.length; i++) {
    if (buf[i] === 13 && buf[i + 1] === 10 && buf[i + 2] === 13 && buf[i + 3] === 10) {
      end = i;
      break;
    }
  }
  if (end < 0) return null;
  const [statusLine, ...lines] = new TextDecoder().decode(buf.subarray(0, end)).split("\r\n");
  const status = Number(/^HTTP\/\d(?:\.\d)? (\d+)/.exec(statusLine)?.[1] ?? 0);
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return { status, headers, body: buf.slice(end + 4) };
}

export default {
  async fetch(request) {
    const key = request.url;
    if (request.method === "GET") {
      const hit = store.get(key);
      if (!hit || hit.expires <= Date.now()) {
        if (hit) {
          store.delete(key);
          bytes -= hit.body.byteLength;
        }
        return new Response(null, { status: 504, headers: { "cf-cache-status": "MISS" } });
      }
      const headers = new Headers(hit.headers);
      headers.set("cf-cache-status", "HIT");
      return new Response(hit.body, { status: hit.status, headers });
    }
    if (request.method === "PUT") {
      const parsed = parseHttp(new Uint8Array(await request.arrayBuffer()));
      const ttl = parsed ? maxAge(parsed.headers) : 0;
      if (!parsed || ttl <= 0 || parsed.headers.has("set-cookie")) return new Response(null, { status: 413 });
      const old = store.get(key);
      if (old) {
        store.delete(key);
        bytes -= old.body.byteLength;
      }
      store.set(key, { status: parsed.status, headers: [...parsed.headers], body: parsed.body, expires: Date.now() + ttl * 1000 });
      bytes += parsed.body.byteLength;
      for (const [k, v] of store) {
        if (bytes <= MAX_BYTES) break;
        store.delete(k);
        bytes -= v.body.byteLength;
      }
      return new Response(null, { status: 204 });
    }
    if (request.method === "PURGE") {
      const old = store.get(key);
      if (!old) return new Response(null, { status: 404 });
      store.delete(key);
      bytes -= old.body.byteLength;
      return new Response(null, { status: 200 });
    }
    return new Response(null, { status: 405 });
  },
};
