/**
 * Editors' images: uploaded through the admin API (the one body reader, the one cross-site
 * policy, an editor's credential), checked by their own bytes (type by magic bytes, matching the
 * declared type, size, dimensions), stored in R2 under their SHA-256, served to everyone under
 * /__p13n/assets/<hash> as that type only, immutable, nosniff; recorded in the audit log.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { MAX_IMAGE_BYTES } from "../../src/assets/image-check.ts";
import { admin } from "../fixtures/admin.ts";
import { call } from "../fixtures/call.ts";
import { AS_BOB, clearBucket, namedTokens } from "../fixtures/editors.ts";
import { gifHeader, HTML_AS_PNG, jpegHeader, pngHeader, solidPng, SVG, webpHeader } from "../fixtures/images.ts";
import { fixtureOrigin } from "../fixtures/origin.ts";

const origin = fixtureOrigin({});

async function upload(bytes: Uint8Array | ReadableStream, type: string, headers: Record<string, string> = {}, bindings: Record<string, unknown> = {}) {
  return admin("POST", "/assets", undefined, { raw: bytes as BodyInit, headers: { "content-type": type, ...headers }, bindings });
}

beforeEach(async () => {
  await clearBucket(env.EDITOR_FILES);
});

describe("uploading", () => {
  it.each([
    ["a PNG", solidPng(120, 40, [212, 175, 55]), "image/png", [120, 40]],
    ["a JPEG", jpegHeader(800, 600), "image/jpeg", [800, 600]],
    ["a GIF", gifHeader(64, 32), "image/gif", [64, 32]],
    ["a WebP", webpHeader(1024, 512), "image/webp", [1024, 512]],
  ] as const)("takes %s, with its dimensions, under its hash", async (_name, bytes, type, [width, height]) => {
    const r = await upload(bytes, type);
    expect(r.res.status).toBe(201);
    expect(r.json).toMatchObject({ type, width, height, bytes: bytes.byteLength, created: true, uploadedBy: "admin" });
    const digest = [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
    expect(r.json.hash).toBe(digest);
    expect(r.json.url).toBe(`/__p13n/assets/${digest}`);
  });

  it("the same file twice is stored once (200, created: false)", async () => {
    const png = solidPng(4, 4, [1, 2, 3]);
    expect((await upload(png, "image/png")).res.status).toBe(201);
    const again = await upload(png, "image/png");
    expect(again.res.status).toBe(200);
    expect(again.json.created).toBe(false);
    expect((await env.EDITOR_FILES.list({ prefix: "assets/" })).objects).toHaveLength(1);
  });

  it.each([
    ["SVG (it can carry script)", SVG, "image/svg+xml", 415, "UNSUPPORTED_MEDIA_TYPE"],
    ["HTML sent as a PNG", HTML_AS_PNG, "image/png", 422, "IMAGE_INVALID"],
    ["a GIF sent as a PNG", gifHeader(10, 10), "image/png", 422, "IMAGE_INVALID"],
    ["a PNG too wide", pngHeader(6001, 10), "image/png", 422, "IMAGE_INVALID"],
    ["a PNG of too many pixels", pngHeader(6000, 5000), "image/png", 422, "IMAGE_INVALID"],
    ["a PNG cut before its size", pngHeader(10, 10).subarray(0, 14), "image/png", 422, "IMAGE_INVALID"],
    ["an empty body", new Uint8Array(0), "image/png", 422, "IMAGE_INVALID"],
    ["a form's multipart body", solidPng(2, 2, [0, 0, 0]), "multipart/form-data; boundary=x", 415, "UNSUPPORTED_MEDIA_TYPE"],
  ] as const)("refuses %s, storing nothing", async (_name, bytes, type, status, code) => {
    const r = await upload(bytes, type);
    expect(r.res.status).toBe(status);
    expect(r.json.error?.code).toBe(code);
    expect((await env.EDITOR_FILES.list({ prefix: "assets/" })).objects).toHaveLength(0);
  });

  it("refuses more than the limit, declared or streamed, without holding it", async () => {
    const declared = await upload(new Uint8Array(16), "image/png", { "content-length": String(MAX_IMAGE_BYTES + 1) });
    expect(declared.res.status).toBe(413);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > MAX_IMAGE_BYTES * 2) return controller.close();
        sent += 256 * 1024;
        controller.enqueue(new Uint8Array(256 * 1024));
      },
    });
    const streamed = await upload(stream, "image/png");
    expect(streamed.res.status).toBe(413);
    expect(sent).toBeLessThanOrEqual(MAX_IMAGE_BYTES + 2 * 256 * 1024);
  });

  it("refuses another site's page and a request without an editor's credential", async () => {
    const png = solidPng(2, 2, [0, 0, 0]);
    expect((await upload(png, "image/png", { "sec-fetch-site": "cross-site" })).res.status).toBe(403);
    expect((await upload(png, "image/png", { authorization: "" })).res.status).toBe(401);
  });

  it("an editor (not only a publisher) may upload; every upload is recorded with who", async () => {
    const named = await namedTokens();
    const r = await upload(solidPng(3, 3, [9, 9, 9]), "image/png", AS_BOB, named);
    expect(r.res.status).toBe(201);
    const audit = await admin("GET", "/audit", undefined, { bindings: named });
    expect((audit.json.entries as Array<Record<string, unknown>>)[0]).toMatchObject({ action: "upload", who: "bob", role: "editor", target: r.json.hash, detail: `image/png 3×3, ${solidPng(3, 3, [9, 9, 9]).byteLength} bytes` });
    const list = await admin("GET", "/assets", undefined, { bindings: named });
    expect((list.json.images as Array<{ hash: string }>).map((i) => i.hash)).toEqual([r.json.hash]);
  });
});

describe("serving", () => {
  it("serves the image to anyone, as its type, immutable, never sniffed; 304 for its ETag", async () => {
    const png = solidPng(5, 5, [200, 0, 0]);
    const up = await upload(png, "image/png");
    const got = await call(origin.fetch, up.json.url as string);
    expect(got.res.status).toBe(200);
    expect(got.res.headers.get("content-type")).toBe("image/png");
    expect(got.res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(got.res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(got.res.headers.get("content-security-policy")).toContain("sandbox");
    expect(got.bytes).toEqual(png);
    const etag = got.res.headers.get("etag")!;
    const again = await call(origin.fetch, up.json.url as string, { headers: { "if-none-match": etag } });
    expect(again.res.status).toBe(304);
    expect(again.bytes.byteLength).toBe(0);
    expect(origin.seen).toEqual([]);
  });

  it("answers 404 for an unknown hash and for anything not a hash, never reaching the origin", async () => {
    for (const path of [`/__p13n/assets/${"0".repeat(64)}`, "/__p13n/assets/..%2F..%2Fdrafts%2Fcurrent.json", `/__p13n/assets/${"A".repeat(64)}`]) {
      const r = await call(origin.fetch, path);
      expect(r.res.status, path).toBe(404);
    }
    expect(origin.seen).toEqual([]);
  });

  it("never serves another editors' file (a draft) through the images' path", async () => {
    await env.EDITOR_FILES.put(`assets/${"b".repeat(64)}`, "<html>", { httpMetadata: { contentType: "text/html" } });
    const r = await call(origin.fetch, `/__p13n/assets/${"b".repeat(64)}`);
    expect(r.res.status).toBe(404);
  });
});
