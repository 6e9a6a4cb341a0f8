/**
 * Browser tests' global setup: one p13n-edge Worker (wrangler's test harness, the
 * repository's wrangler.toml) in front of a fixture origin (test/browser/site/), and a
 * small Node-side inspector the tests use to publish manifests into the Worker's KV and
 * to read a visitor's object storage. Tests get both addresses with `inject()`.
 */
/// <reference path="../../provided-context.d.ts" />
// (The workerd config's own provided values, so both configs type-check in one Node program.)
import { createServer, type IncomingMessage, type Server } from "node:http";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { createTestHarness } from "wrangler";
import { TEST_SECRETS } from "../../fixtures/secrets.ts";
import { resolveChromium } from "./chromium.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** The Worker, as the browser reaches it (http://localhost:PORT). */
    p13nUrl: string;
    /** The inspector: POST /kv {key, value}; POST /d1 {query, params} (the results D1). Visitors' objects are read through /__p13n/me. */
    inspectUrl: string;
    /** The browser to launch (support/chromium.ts's ChromiumChoice, as JSON). */
    chromium: string;
  }
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const SITE = join(ROOT, "test/browser/site");

function listen(server: Server): Promise<number> {
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      ok(typeof address === "object" && address ? address.port : 0);
    });
  });
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Pages the fixture origin validates like a real one (ETag, Last-Modified, 304 for a current copy). */
const VALIDATED = new Set(["/revalidate"]);

/** The fixture origin: `/` → index.html, `/a/b` → a/b.html, anything else 404. */
function originServer(): Server {
  return createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://origin").pathname;
    const file = normalize(join(SITE, path === "/" ? "index.html" : `${path}.html`));
    if (!file.startsWith(SITE)) return void res.writeHead(400).end();
    try {
      const html = await readFile(file);
      if (VALIDATED.has(path)) {
        const headers = { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache", etag: `"${html.byteLength}"`, "last-modified": "Mon, 02 Nov 2026 10:00:00 GMT" };
        const current = req.headers["if-none-match"] === headers.etag || req.headers["if-modified-since"] === headers["last-modified"];
        return void (current ? res.writeHead(304, headers).end() : res.writeHead(200, headers).end(html));
      }
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" }).end(html);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    }
  });
}

/** The D1 binding as the harness hands it to Node (what the setup and the inspector use). */
interface D1Like {
  prepare(query: string): { bind(...values: unknown[]): { all(): Promise<{ results: unknown[] }> }; run(): Promise<unknown> };
}

/** A migration file's statements: comments dropped, split at semicolons that end a line. */
function sqlStatements(text: string): string[] {
  return text
    .split("\n")
    .filter((l) => !l.trim().startsWith("--"))
    .join("\n")
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter(Boolean);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Resolved once, before any test file: the bundled browser's first decompression must not race.
  const browser = await resolveChromium(process.env);
  console.log(`browser tests: Chromium from ${browser.source} (${browser.executablePath})`);
  project.provide("chromium", JSON.stringify(browser));
  const origin = originServer();
  const originPort = await listen(origin);
  const harness = createTestHarness({
    root: ROOT,
    // CLIENT_SCRIPT as production's [vars] say: [env.dev]'s "all" is the demo shop's (its cart buttons
    // send from every page), and a page with the script is never cached, which the fixture site's
    // revalidation test (stale-defaults.test.ts) must not be handed for free.
    workers: [{ configPath: "./wrangler.toml", env: "dev", vars: { ORIGIN_URL: `http://127.0.0.1:${originPort}`, MANIFEST_TTL_S: "1", CLIENT_SCRIPT: "personalized" }, secrets: { ...TEST_SECRETS } }],
  });
  const { url } = await harness.listen();
  const worker = harness.getWorker<{ CONTENT: { put(key: string, value: string): Promise<void> }; RESULTS: D1Like }>();
  const env = await worker.getEnv();
  // The results store's schema (migrations/), as `wrangler d1 migrations apply --local` would.
  for (const file of (await readdir(join(ROOT, "migrations"))).filter((f) => f.endsWith(".sql")).sort()) {
    for (const statement of sqlStatements(await readFile(join(ROOT, "migrations", file), "utf8"))) await env.RESULTS.prepare(statement).run();
  }

  const inspector = createServer(async (req, res) => {
    try {
      const body = JSON.parse(await bodyOf(req)) as Record<string, unknown>;
      if (req.url === "/kv") {
        await env.CONTENT.put(String(body.key), String(body.value));
        return void res.writeHead(204).end();
      }
      if (req.url === "/d1") {
        const rows = await env.RESULTS.prepare(String(body.query)).bind(...((body.params as Array<string | number>) ?? [])).all();
        return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(rows.results));
      }
      res.writeHead(404).end();
    } catch (err) {
      res.writeHead(500, { "content-type": "text/plain" }).end(String(err));
    }
  });
  const inspectPort = await listen(inspector);

  // Browsers treat http://localhost as a secure context: __Host- cookies work there.
  const publicUrl = new URL(url);
  publicUrl.hostname = "localhost";
  project.provide("p13nUrl", publicUrl.origin);
  project.provide("inspectUrl", `http://127.0.0.1:${inspectPort}`);

  return async () => {
    inspector.close();
    origin.close();
    await harness.close();
  };
}
