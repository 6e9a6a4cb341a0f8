/**
 * A shareable page sent in chunks (no Content-Length) and larger than MAX_REWRITE_BYTES (issue
 * 12, item 8): its template copy is counted as it arrives and dropped past the limit, so the
 * isolate never holds the whole page; the visitor's page keeps streaming, personalized.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { call } from "../fixtures/call.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { fixtureOrigin } from "../fixtures/origin.ts";

const PUBLIC = { "cache-control": "public, max-age=60", etag: '"v1"' };
const ANON = { "sec-gpc": "1", "user-agent": "Mozilla/5.0 (X11; Linux x86_64)" };
const timingOf = (res: Response) => /template;dur=[\d.]+;desc="(\w+)"/.exec(res.headers.get("server-timing") ?? "")?.[1];

beforeAll(async () => {
  invalidateManifest(env.CONTENT);
  await publish(env.CONTENT, manifest({ "big-end": [{ id: "everyone", html: "Filled at the end" }] }));
});

describe("a chunked page larger than MAX_REWRITE_BYTES (no Content-Length)", () => {
  const LIMIT = 64 * 1024;
  const CHUNK = 16 * 1024;
  const FILLERS = 64; // a 1 MiB page, sixteen times the limit
  const bindings = { MAX_REWRITE_BYTES: String(LIMIT) };
  const enc = new TextEncoder();
  const HEAD = enc.encode("<!doctype html><html><body><h1>Big page</h1>");
  const FILLER = enc.encode(`<p>${"x".repeat(CHUNK - 7)}</p>`);
  const TAIL = enc.encode('<aside data-p13n-slot="big-end">Default end</aside></body></html>');
  const TOTAL = HEAD.byteLength + FILLERS * CHUNK + TAIL.byteLength;

  /** An origin whose page is produced chunk by chunk, only when read; counts the bytes each answer gave out. */
  function chunkedOrigin(path: string) {
    const given: number[] = [];
    const origin = fixtureOrigin({
      [path]: () => {
        const k = given.push(0) - 1;
        let i = 0;
        const body = new ReadableStream<Uint8Array>(
          {
            pull(c) {
              const next = i === 0 ? HEAD : i <= FILLERS ? FILLER : i === FILLERS + 1 ? TAIL : null;
              i++;
              if (!next) return c.close();
              given[k]! += next.byteLength;
              c.enqueue(next);
            },
          },
          { highWaterMark: 0 },
        );
        return new Response(body, { headers: { "content-type": "text/html; charset=utf-8", ...PUBLIC } });
      },
    });
    return { origin, given };
  }

  it("streams the whole page to every visitor, personalized past the limit, and builds no template", async () => {
    const { origin } = chunkedOrigin("/big");
    for (let k = 0; k < 3; k++) {
      const { res, body } = await call(origin.fetch, "/big", { headers: ANON }, bindings);
      expect(res.status).toBe(200);
      expect(timingOf(res)).toBe("miss");
      expect(body.length).toBeGreaterThan(FILLERS * CHUNK);
      expect(body).toContain('<aside data-p13n-slot="big-end" data-p13n-variant="everyone">Filled at the end</aside></body></html>');
    }
    expect(origin.seen).toHaveLength(3);
  });

  it("stops reading its copy past the limit: a visitor who leaves early leaves the rest of the page unread", async () => {
    const { origin, given } = chunkedOrigin("/big-left");
    await call(origin.fetch, "/big-left", { headers: ANON }, bindings);
    // The second request admits the URL: its answer is copied for a template while the visitor reads.
    const app = createApp({ originFetch: origin.fetch });
    const ctx = createExecutionContext();
    const res = await app.fetch(new Request("https://shop.example/big-left", { headers: ANON }), { ...env, ...bindings }, ctx);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    await reader.cancel();
    await waitOnExecutionContext(ctx);
    expect(given).toHaveLength(2);
    // The template's copy gave up just past the limit instead of reading the whole page into memory.
    expect(given[1]!).toBeLessThan(LIMIT + 8 * CHUNK);
    expect(given[1]!).toBeLessThan(TOTAL / 4);
  });
});
