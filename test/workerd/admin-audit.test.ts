/**
 * Who did what: every publish, rollback, upload, draft publish and discard is recorded with the
 * editor's identity (the token's name, or the Access email) and role, newest first, a page at a
 * time. The record is written before the change: when it cannot be written, nothing goes live;
 * when the change then fails, a second entry says so.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { admin, clearKv } from "../fixtures/admin.ts";
import { accessVars, ambientAccess, AS_ALICE, AS_BOB, clearBucket, namedTokens, NO_BEARER } from "../fixtures/editors.ts";
import { solidPng } from "../fixtures/images.ts";

const doc = (version: string, html: string) => ({ schema: 1, version, publishedAt: "2026-11-23T12:00:00Z", slots: { hero: { variants: [{ id: "a", html }] } } });

interface Entry {
  at: string;
  who: string;
  via: string;
  role: string;
  action: string;
  target: string;
  previous?: string | null;
  detail?: string;
  outcome?: string;
}

let NAMED: Record<string, string>;

async function audit(query = ""): Promise<{ entries: Entry[]; cursor: string | null }> {
  const r = await admin("GET", `/audit${query}`, undefined, { bindings: NAMED });
  expect(r.res.status).toBe(200);
  return r.json as unknown as { entries: Entry[]; cursor: string | null };
}

beforeEach(async () => {
  await clearKv(env.CONTENT);
  await clearBucket(env.EDITOR_FILES);
  invalidateManifest(env.CONTENT);
  NAMED = await namedTokens();
});

describe("the record", () => {
  it("names who published, rolled back and uploaded, newest first, with what changed", async () => {
    await admin("POST", "/publish", { manifest: doc("v1", "<b>One</b>") }, { bindings: NAMED });
    await admin("POST", "/publish", { manifest: doc("v2", "<b>Two</b>") }, { headers: AS_ALICE, bindings: NAMED });
    await admin("POST", "/assets", undefined, { raw: solidPng(2, 2, [0, 0, 0]), headers: { ...AS_BOB, "content-type": "image/png" }, bindings: NAMED });
    await admin("POST", "/rollback", {}, { headers: AS_ALICE, bindings: NAMED });
    const { entries } = await audit();
    expect(entries.map((e) => [e.action, e.who, e.role, e.via])).toEqual([
      ["rollback", "alice", "publisher", "token"],
      ["upload", "bob", "editor", "token"],
      ["publish", "alice", "publisher", "token"],
      ["publish", "admin", "publisher", "token"],
    ]);
    expect(entries[0]).toMatchObject({ target: "v1", previous: "v2", detail: "1 change: ~ slot hero: variant a changed (html)" });
    expect(entries[2]).toMatchObject({ target: "v2", previous: "v1" });
    expect(entries[3]).toMatchObject({ target: "v1", previous: null, detail: "1 change: + slot hero (1 variant: a)" });
    for (const e of entries) expect(Date.parse(e.at)).not.toBeNaN();
  });

  it("names an Access editor by their email", async () => {
    const vars = { ...(await accessVars()), ADMIN_AMBIENT_WRITES: "allow" };
    NAMED = { ...NAMED, ...vars };
    const r = await admin("POST", "/publish", { manifest: doc("v1", "<b>One</b>") }, { headers: { ...NO_BEARER, ...(await ambientAccess("lead@stride.example")) }, bindings: NAMED });
    expect(r.res.status).toBe(201);
    expect((await audit()).entries[0]).toMatchObject({ who: "lead@stride.example", via: "access", action: "publish" });
  });

  it("pages with a cursor, and refuses a bad limit", async () => {
    for (let i = 1; i <= 3; i++) await admin("POST", "/publish", { manifest: doc(`v${i}`, `<b>${i}</b>`) }, { bindings: NAMED });
    const first = await audit("?limit=2");
    expect(first.entries.map((e) => e.target)).toEqual(["v3", "v2"]);
    expect(first.cursor).not.toBeNull();
    const second = await audit(`?limit=2&cursor=${encodeURIComponent(first.cursor!)}`);
    expect(second.entries.map((e) => e.target)).toEqual(["v1"]);
    expect(second.cursor).toBeNull();
    expect((await admin("GET", "/audit?limit=0", undefined, { bindings: NAMED })).res.status).toBe(400);
    expect((await admin("GET", "/audit?limit=1000", undefined, { bindings: NAMED })).res.status).toBe(400);
  });
});

describe("recorded first", () => {
  it("when the record cannot be written, nothing goes live (503, the pointer unchanged)", async () => {
    await admin("POST", "/publish", { manifest: doc("v1", "<b>One</b>") }, { bindings: NAMED });
    // The editors' bucket refuses writes under audit/.
    const failing = new Proxy(env.EDITOR_FILES, {
      get(target, prop, receiver) {
        if (prop === "put") return (key: string, ...rest: unknown[]) => (key.startsWith("audit/") ? Promise.reject(new Error("R2 is down")) : (target.put as (...a: unknown[]) => unknown)(key, ...rest));
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const r = await admin("POST", "/publish", { manifest: doc("v2", "<b>Two</b>") }, { bindings: { ...NAMED, EDITOR_FILES: failing } });
    expect(r.res.status).toBe(503);
    expect(r.json.error?.code).toBe("EDITOR_FILES_UNAVAILABLE");
    expect(JSON.parse((await env.CONTENT.get("manifest/current"))!).version).toBe("v1");
    expect(await env.CONTENT.get("manifest/versions/v2")).toBeNull();
    const rollback = await admin("POST", "/rollback", { version: "v1" }, { bindings: { ...NAMED, EDITOR_FILES: failing } });
    expect(rollback.res.status).toBe(503);
  });

  it("a change that fails after its record gets a second entry saying so", async () => {
    await admin("POST", "/publish", { manifest: doc("v1", "<b>One</b>") }, { bindings: NAMED });
    // KV takes the version but not the pointer.
    const kv = new Proxy(env.CONTENT, {
      get(target, prop, receiver) {
        if (prop === "put") return (key: string, ...rest: unknown[]) => (key === "manifest/current" ? Promise.reject(new Error("KV is down")) : (target.put as (...a: unknown[]) => unknown)(key, ...rest));
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const r = await admin("POST", "/publish", { manifest: doc("v2", "<b>Two</b>") }, { bindings: { ...NAMED, CONTENT: kv } });
    expect(r.res.status).toBe(500);
    const [failed, attempted] = (await audit()).entries;
    expect(failed).toMatchObject({ action: "publish", target: "v2", outcome: "failed" });
    expect(failed!.detail).toContain("KV is down");
    expect(attempted).toMatchObject({ action: "publish", target: "v2" });
    expect(attempted!.outcome).toBeUndefined();
  });
});
