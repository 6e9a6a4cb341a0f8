/**
 * What the admin API refuses before any handler runs, and how it says so:
 * cross-site requests (Sec-Fetch-Site, Origin), anything that is not JSON (so a
 * plain HTML form can never publish), oversized uploads (413, declared or
 * streamed), malformed JSON and manifests (with the path of the problem).
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { POINTER_KEY } from "../../src/content/keys.ts";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { checkKey } from "../../src/content/versions.ts";
import { P13nError } from "../../src/errors.ts";
import { admin, clearKv } from "../fixtures/admin.ts";
import { manifest } from "../fixtures/manifest.ts";

const good = () => manifest({ hero: [{ id: "a", html: "<b>A</b>" }] }, { version: "req-1" });

beforeEach(async () => {
  await clearKv(env.CONTENT);
  invalidateManifest(env.CONTENT);
});

describe("cross-site requests", () => {
  it.each([
    ["Sec-Fetch-Site: cross-site", { "sec-fetch-site": "cross-site" }],
    ["Sec-Fetch-Site: same-site (a sibling subdomain)", { "sec-fetch-site": "same-site" }],
    ["an Origin of another site, without Sec-Fetch-Site", { origin: "https://evil.example" }],
  ])("refuses %s, even with a valid token", async (_name, headers) => {
    const { res, json } = await admin("POST", "/publish", { manifest: good() }, { headers });
    expect(res.status).toBe(403);
    expect(json.error?.code).toBe("CROSS_SITE");
    expect(await env.CONTENT.get(POINTER_KEY)).toBeNull();
  });

  it("accepts same-origin browser requests and non-browser clients", async () => {
    expect((await admin("GET", "/versions", undefined, { headers: { "sec-fetch-site": "same-origin" } })).res.status).toBe(200);
    expect((await admin("GET", "/versions", undefined, { headers: { origin: "https://shop.example" } })).res.status).toBe(200);
    expect((await admin("GET", "/versions")).res.status).toBe(200);
  });
});

describe("JSON only: a plain HTML form can never publish", () => {
  it.each([
    ["application/x-www-form-urlencoded", "manifest=%7B%7D"],
    ["multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"manifest\"\r\n\r\n{}\r\n--x--"],
    ["text/plain", JSON.stringify({ manifest: good() })],
  ])("refuses %s with 415, even with a valid token", async (type, raw) => {
    const { res, json } = await admin("POST", "/publish", undefined, { raw, headers: { "content-type": type } });
    expect(res.status).toBe(415);
    expect(json.error?.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect(await env.CONTENT.get(POINTER_KEY)).toBeNull();
  });

  it("refuses what a cross-site form post looks like (no credential, form type, cross-site)", async () => {
    const { res } = await admin("POST", "/publish", undefined, {
      raw: "manifest=x",
      headers: { authorization: "", "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "cross-site", origin: "https://evil.example" },
    });
    expect(res.status).toBe(403);
    expect(await env.CONTENT.get(POINTER_KEY)).toBeNull();
  });
});

describe("size limits", () => {
  const big = (bytes: number) => JSON.stringify({ manifest: { ...good(), padding: "x".repeat(bytes) } });

  it("refuses a declared Content-Length over 5 MiB before reading it", async () => {
    const { res, json } = await admin("POST", "/publish", undefined, { raw: big(5 * 1024 * 1024 + 10) });
    expect(res.status).toBe(413);
    expect(json.error?.code).toBe("TOO_LARGE");
    expect(json.error?.message).toMatch(/at most 5 MiB/);
  });

  it("counts a streamed body without a length and stops at 5 MiB", async () => {
    const chunk = new TextEncoder().encode("x".repeat(1024 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const { res, json } = await admin("POST", "/publish", undefined, { raw: stream });
    expect(res.status).toBe(413);
    expect(json.error?.code).toBe("TOO_LARGE");
    expect(sent).toBeLessThan(8);
  });

  it("refuses a fragment over 1 MiB with its path", async () => {
    const m = manifest({ hero: [{ id: "huge", html: "x".repeat(1024 * 1024 + 1) }] }, { version: "req-big" });
    const { res, json } = await admin("POST", "/publish", { manifest: m });
    expect(res.status).toBe(422);
    expect(json.error?.path).toEqual(["manifest", "slots", "hero", "variants", 0, "html"]);
  });

  it("limits small requests to 64 KiB", async () => {
    const { res } = await admin("POST", "/preview-link", { profile: { tier: "x".repeat(70 * 1024) } });
    expect(res.status).toBe(413);
  });

  it("refuses KV keys over 512 bytes", () => {
    expect(() => checkKey(`manifest/versions/${"x".repeat(600)}`)).toThrowError(P13nError);
    expect(() => checkKey("manifest/versions/ok")).not.toThrow();
  });
});

describe("malformed requests", () => {
  it("answers 400 BAD_JSON for a body that is not JSON", async () => {
    const { res, json } = await admin("POST", "/publish", undefined, { raw: "{ not json" });
    expect(res.status).toBe(400);
    expect(json.error?.code).toBe("BAD_JSON");
  });

  it("answers 422 with the path of a schema problem and lists every issue", async () => {
    const m = { ...good(), slots: { hero: { variants: [{ id: "a b", html: "x" }] } }, extra: 1 };
    const { res, json } = await admin("POST", "/validate", { manifest: m });
    expect(res.status).toBe(422);
    expect(json.error?.code).toBe("MANIFEST_INVALID");
    const paths = (json.error?.issues as Array<{ path: unknown[] }>).map((i) => i.path.join("."));
    expect(paths).toContain("manifest.slots.hero.variants.0.id");
    expect(paths).toContain("manifest.extra");
  });

  it("answers 422 with the path of a rule problem (the engine's own validation)", async () => {
    const m = manifest({ hero: [{ id: "a", html: "A", audience: { segment: "gld" } }] }, { version: "req-2", segments: { gold: { attr: "profile.tier", eq: "gold" } } });
    const { res, json } = await admin("POST", "/publish", { manifest: m });
    expect(res.status).toBe(422);
    expect(json.error?.path).toEqual(["manifest", "slots", "hero", "variants", 0, "audience", "segment"]);
    expect(await env.CONTENT.get(POINTER_KEY)).toBeNull();
  });

  it("answers 400 when the body is not {manifest}", async () => {
    const { res, json } = await admin("POST", "/validate", [1, 2]);
    expect(res.status).toBe(400);
    expect(json.error?.code).toBe("BAD_REQUEST");
  });

  it("answers 404 JSON for an unknown admin route", async () => {
    const { res, json } = await admin("GET", "/nope");
    expect(res.status).toBe(404);
    expect(json.error?.code).toBe("NOT_FOUND");
  });
});
