/**
 * The manifest is read from KV once per isolate with a TTL, validated, and the
 * last good version keeps serving when a read fails. Time is the store's injected clock
 * (`now`, as the page path passes it): the tests move it past the TTL instead of sleeping.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { POINTER_KEY, versionKey } from "../../src/content/keys.ts";
import { invalidateManifest, readManifest } from "../../src/content/manifest-store.ts";
import { manifest, publish } from "../fixtures/manifest.ts";

/** A KV wrapper that counts reads and can be made to fail. */
function countingKv(inner: KVNamespace) {
  const state = { gets: 0, fail: false };
  const kv = {
    get: async (key: string, type: "json") => {
      state.gets++;
      if (state.fail) throw new Error("KV GET failed: 503");
      return inner.get(key, type);
    },
  } as unknown as KVNamespace;
  return { kv, state };
}

/** The clock the reads see; a test moves it on. */
const T0 = Date.parse("2026-11-29T12:00:00Z");
let now = T0;
const later = (ms: number) => {
  now += ms;
};

/** One request's read; its background refresh (if any) has finished when this returns. */
async function read(kv: KVNamespace, ttlMs = 30_000) {
  const ctx = createExecutionContext();
  const r = await readManifest(kv, { ttlMs, budgetMs: 200, waitUntil: (p) => ctx.waitUntil(p), now });
  await waitOnExecutionContext(ctx);
  return r;
}

beforeEach(() => {
  invalidateManifest(env.CONTENT);
  now = T0;
});

describe("manifest store", () => {
  it("reads KV once, then serves from the isolate until the TTL runs out", async () => {
    await publish(env.CONTENT, manifest({ hero: [{ id: "a", html: "A" }] }, { version: "v1" }));
    const { kv, state } = countingKv(env.CONTENT);
    const first = await read(kv);
    expect(first).toMatchObject({ source: "miss" });
    expect(first.manifest?.version).toBe("v1");
    const readsAfterFirst = state.gets;
    expect(readsAfterFirst).toBe(2); // pointer + version
    for (let i = 0; i < 20; i++) {
      later(1_000); // 20 s within the 30 s TTL
      expect((await read(kv)).source).toBe("hit");
    }
    expect(state.gets).toBe(readsAfterFirst);
    later(10_000); // 30 s: the TTL has run out
    expect((await read(kv)).source).toBe("stale");
    expect(state.gets).toBe(readsAfterFirst + 1);
  });

  it("after the TTL, serves the held copy and refreshes in the background; an unchanged version is not fetched again", async () => {
    await publish(env.CONTENT, manifest({ hero: [{ id: "a", html: "A" }] }, { version: "v1" }));
    const { kv, state } = countingKv(env.CONTENT);
    await read(kv, 1);
    later(5);
    const stale = await read(kv, 1);
    expect(stale.source).toBe("stale");
    expect(stale.manifest?.version).toBe("v1");
    expect(state.gets).toBe(3); // + one pointer read, no version read
  });

  it("picks up a newly published version after the TTL", async () => {
    await publish(env.CONTENT, manifest({ hero: [{ id: "a", html: "A" }] }, { version: "v1" }));
    await read(env.CONTENT, 1);
    await publish(env.CONTENT, manifest({ hero: [{ id: "b", html: "B" }] }, { version: "v2" }));
    later(5);
    await read(env.CONTENT, 1); // stale: triggers the refresh
    later(5);
    expect((await read(env.CONTENT, 1_000)).manifest?.version).toBe("v2");
  });

  it("keeps serving the last good version when KV fails", async () => {
    await publish(env.CONTENT, manifest({ hero: [{ id: "a", html: "A" }] }, { version: "v1" }));
    const { kv, state } = countingKv(env.CONTENT);
    await read(kv, 1);
    const before = state.gets;
    state.fail = true;
    later(5);
    for (let i = 0; i < 3; i++) {
      const r = await read(kv, 1);
      expect(r.manifest?.version).toBe("v1");
    }
    // A refresh was attempted (and failed) — once: the failing namespace is not asked again
    // within the retry delay (5 s), whatever the TTL says.
    expect(state.gets).toBe(before + 1);
    later(5_001);
    expect((await read(kv, 1)).manifest?.version).toBe("v1");
    expect(state.gets).toBe(before + 2);
    // KV back: the next refresh after the delay is taken.
    state.fail = false;
    later(5_001);
    await read(kv, 1);
    expect(state.gets).toBe(before + 3);
    later(1);
    expect((await read(kv, 1)).source).toBe("stale");
  });

  it("keeps the last good version when a newly published one is invalid", async () => {
    await publish(env.CONTENT, manifest({ hero: [{ id: "a", html: "A" }] }, { version: "good" }));
    const { kv, state } = countingKv(env.CONTENT);
    await read(kv, 1);
    await env.CONTENT.put(versionKey("broken"), JSON.stringify({ schema: 1, version: "broken", slots: "nope" }));
    await env.CONTENT.put(POINTER_KEY, JSON.stringify({ version: "broken", updatedAt: new Date().toISOString() }));
    later(5);
    await read(kv, 1);
    expect(state.gets).toBe(4); // the refresh read the new pointer and the broken version…
    later(5);
    expect((await read(kv, 1)).manifest?.version).toBe("good"); // …and kept the good one
  });

  it("says 'none' when nothing is published", async () => {
    const r = await read(env.CONTENT);
    expect(r).toMatchObject({ manifest: null, source: "none" });
  });
});
