/**
 * The bench's local origin, run as its own process (never inside the load generator's).
 * Serves every `*.html` file of a directory from memory at
 *   /<policy>/<file>   policy = public  → Cache-Control: public, max-age=60 + strong ETag (304 on If-None-Match)
 *                      policy = nostore → Cache-Control: no-store, no validator
 *                      policy = private → Cache-Control: private, max-age=60 + ETag
 * with Content-Type text/html; charset=utf-8, bytes exactly as on disk.
 *
 * Usage: node bench/origin.ts --dir <pages> [--port 0]
 * Prints one line `{"port":N}` when listening; exits when its stdin closes (the parent died).
 */
import { createServer } from "node:http";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { dir: { type: "string" }, port: { type: "string", default: "0" } } });
if (!values.dir) {
  console.error("origin: --dir is required");
  process.exit(2);
}

interface Page {
  body: Buffer;
  etag: string;
}
const pages = new Map<string, Page>();
for (const f of readdirSync(values.dir)) {
  if (!f.endsWith(".html")) continue;
  const body = readFileSync(join(values.dir, f));
  pages.set(f, { body, etag: `"${createHash("sha1").update(body).digest("hex").slice(0, 20)}"` });
}

const POLICIES: Record<string, { cacheControl: string; etag: boolean }> = {
  public: { cacheControl: "public, max-age=60", etag: true },
  private: { cacheControl: "private, max-age=60", etag: true },
  nostore: { cacheControl: "no-store", etag: false },
};

const server = createServer((req, res) => {
  const [, policyName = "", file = ""] = /^\/([^/]+)\/([^/?]+)/.exec(req.url ?? "") ?? [];
  const policy = POLICIES[policyName];
  const page = pages.get(file);
  if (!policy || !page) {
    res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    return;
  }
  const headers: Record<string, string> = {
    "content-type": "text/html; charset=utf-8",
    "cache-control": policy.cacheControl,
  };
  if (policy.etag) {
    headers.etag = page.etag;
    if (req.headers["if-none-match"] === page.etag) {
      res.writeHead(304, headers).end();
      return;
    }
  }
  headers["content-length"] = String(page.body.length);
  res.writeHead(200, headers);
  res.end(req.method === "HEAD" ? undefined : page.body);
});
server.keepAliveTimeout = 120_000;
server.headersTimeout = 130_000;
server.listen(Number(values.port), "127.0.0.1", () => {
  const addr = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof addr === "object" && addr ? addr.port : 0, pages: pages.size })}\n`);
});
// The parent holds our stdin open; when it goes away, so do we.
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
process.on("SIGTERM", () => process.exit(0));
