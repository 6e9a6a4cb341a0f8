// A KV namespace for raw workerd, served from a static map. workerd's KV binding
// (`kvNamespace = "<this service>"`) speaks HTTP to it, as miniflare's KV worker does:
//   GET    /<key>[?urlencoded=true]        -> value (404 when absent)
//   POST   /bulk/get  {"keys": [...]}       -> {"key": value|null}
//   GET    /?prefix=&key_count_limit=        -> {"keys":[{name}], "list_complete": true}
//   PUT    /<key>   body                    -> stored in memory for the process lifetime
//   DELETE /<key>
// The map is the JSON module "kv-data.json": { "<key>": "<string value>" }.
// Plain JS on purpose: workerd runs it as-is, no build step.
import data from "./kv-data.json";

const store = new Map(Object.entries(data));
let gets = 0;

function keyOf(url) {
  const raw = url.pathname.slice(1);
  // workerd always URL-encodes the key and says so with urlencoded=true.
  return url.searchParams.get("urlencoded") === "true" ? decodeURIComponent(raw) : raw;
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/__bench/stats") return Response.json({ gets, keys: store.size });
    if (request.method === "POST" && url.pathname === "/bulk/get") {
      const body = await request.json();
      const out = {};
      for (const k of body.keys ?? []) {
        gets++;
        const v = store.get(k);
        out[k] = v === undefined ? null : body.type === "json" ? JSON.parse(v) : v;
      }
      return Response.json(out);
    }
    if (request.method === "GET" && url.pathname === "/") {
      const prefix = url.searchParams.get("prefix") ?? "";
      const limit = Number(url.searchParams.get("key_count_limit") ?? 1000);
      const keys = [...store.keys()].filter((k) => k.startsWith(prefix)).sort().slice(0, limit);
      return Response.json({ keys: keys.map((name) => ({ name })), list_complete: true, cacheStatus: null });
    }
    const key = keyOf(url);
    if (request.method === "GET") {
      gets++;
      const v = store.get(key);
      return v === undefined ? new Response("Not Found", { status: 404 }) : new Response(v);
    }
    if (request.method === "PUT") {
      store.set(key, await request.text());
      return new Response(null);
    }
    if (request.method === "DELETE") {
      store.delete(key);
      return new Response(null);
    }
    return new Response("Method Not Allowed", { status: 405 });
  },
};
