/**
 * The shared draft and its version precondition: edits are staged (never live) until a
 * publisher publishes; every change names the ETag it was made on, so two editors at once
 * never overwrite each other silently (409 DRAFT_CHANGED: who, when, what changed); no
 * precondition is 428; the diff against the live version; a preview of the draft renders it
 * (staged as a version the history leaves out); publishing goes live with the pointer flip and
 * closes the draft; a publish on a stale ETag publishes nothing.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { admin, clearKv } from "../fixtures/admin.ts";
import { call } from "../fixtures/call.ts";
import { AS_ALICE, AS_BOB, clearBucket, namedTokens } from "../fixtures/editors.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";

const PAGE = `<!doctype html><html><body><section data-p13n-slot="hero">Default hero</section></body></html>`;
const origin = fixtureOrigin({ "/": () => html(PAGE) });

const live = {
  schema: 1,
  version: "live-1",
  publishedAt: "2026-11-23T12:00:00Z",
  slots: { hero: { variants: [{ id: "everyone", html: "<h1>Live hero</h1>" }] } },
};

type Doc = typeof live & Record<string, unknown>;
const withHero = (d: Doc, html: string, extra: Record<string, unknown> = {}): Doc => ({ ...d, slots: { ...d.slots, hero: { variants: [{ id: "everyone", html }] } }, ...extra });

let NAMED: Record<string, string>;

async function readDraft(headers: Record<string, string> = AS_BOB) {
  const r = await admin("GET", "/draft", undefined, { headers, bindings: NAMED });
  expect(r.res.status).toBe(200);
  return { etag: r.res.headers.get("etag"), json: r.json as { draft: { manifest: Doc; etag: string; updatedBy: string; base: string | null; baseIsLive: boolean } | null; live: string | null } };
}

beforeEach(async () => {
  await clearKv(env.CONTENT);
  await clearBucket(env.EDITOR_FILES);
  invalidateManifest(env.CONTENT);
  NAMED = await namedTokens();
  const r = await admin("POST", "/publish", { manifest: live }, { bindings: NAMED });
  expect(r.res.status).toBe(201);
});

describe("starting and changing the draft", () => {
  it("nothing is a draft until someone starts one from the live version; the live site does not change", async () => {
    expect((await readDraft()).json).toEqual({ draft: null, live: "live-1" });
    const start = await admin("PUT", "/draft", { from: "live" }, { headers: { ...AS_BOB, "if-none-match": "*" }, bindings: NAMED });
    expect(start.res.status).toBe(200);
    const d = await readDraft();
    expect(d.json.draft).toMatchObject({ base: "live-1", baseIsLive: true, updatedBy: "bob" });
    expect(d.json.draft!.manifest.slots).toEqual(live.slots);
    const changed = await admin("PUT", "/draft", { manifest: withHero(d.json.draft!.manifest, "<h1>Draft hero</h1>") }, { headers: { ...AS_BOB, "if-match": d.etag! }, bindings: NAMED });
    expect(changed.res.status).toBe(200);
    expect(changed.res.headers.get("etag")).not.toBe(d.etag);
    const page = await call(origin.fetch, "/", { headers: { "sec-gpc": "1" } });
    expect(page.body).toContain("Live hero");
    expect(page.body).not.toContain("Draft hero");
  });

  it("a change without a precondition is 428, and changes nothing", async () => {
    const r = await admin("PUT", "/draft", { from: "live" }, { headers: AS_BOB, bindings: NAMED });
    expect(r.res.status).toBe(428);
    expect(r.json.error?.code).toBe("PRECONDITION_REQUIRED");
    expect((await readDraft()).json.draft).toBeNull();
  });

  it("two editors at once: the second is told who changed what, and nothing of theirs overwrites the first", async () => {
    await admin("PUT", "/draft", { from: "live" }, { headers: { ...AS_ALICE, "if-none-match": "*" }, bindings: NAMED });
    const both = await readDraft();
    // Alice and Bob both read the same draft…
    const alice = await admin("PUT", "/draft", { manifest: withHero(both.json.draft!.manifest, "<h1>Alice's hero</h1>") }, { headers: { ...AS_ALICE, "if-match": both.etag! }, bindings: NAMED });
    expect(alice.res.status).toBe(200);
    // …and Bob saves on what he read: refused, with what changed.
    const bob = await admin("PUT", "/draft", { manifest: withHero(both.json.draft!.manifest, "<h1>Bob's hero</h1>") }, { headers: { ...AS_BOB, "if-match": both.etag! }, bindings: NAMED });
    expect(bob.res.status).toBe(409);
    expect(bob.json.error?.code).toBe("DRAFT_CHANGED");
    expect(bob.json.error?.message).toContain("changed by alice");
    expect(bob.json.current).toMatchObject({ updatedBy: "alice", etag: alice.res.headers.get("etag")!.replace(/"/g, "") });
    expect(bob.json.changes).toEqual(["~ slot hero: variant everyone changed (html)"]);
    expect((await readDraft()).json.draft!.manifest.slots.hero.variants[0]!.html).toBe("<h1>Alice's hero</h1>");
    // With the current ETag, Bob's change goes in on top.
    const again = await admin("PUT", "/draft", { manifest: withHero(both.json.draft!.manifest, "<h1>Bob's hero</h1>") }, { headers: { ...AS_BOB, "if-match": alice.res.headers.get("etag")! }, bindings: NAMED });
    expect(again.res.status).toBe(200);
  });

  it("starting a draft when one exists is 409, not a silent replacement", async () => {
    await admin("PUT", "/draft", { from: "live" }, { headers: { ...AS_ALICE, "if-none-match": "*" }, bindings: NAMED });
    const second = await admin("PUT", "/draft", { manifest: withHero(live, "<h1>Another</h1>") }, { headers: { ...AS_BOB, "if-none-match": "*" }, bindings: NAMED });
    expect(second.res.status).toBe(409);
    expect(second.json.error?.message).toContain("a draft already exists");
  });

  it("an invalid draft is refused with every problem's path, and the draft stays as it was", async () => {
    await admin("PUT", "/draft", { from: "live" }, { headers: { ...AS_BOB, "if-none-match": "*" }, bindings: NAMED });
    const d = await readDraft();
    const bad = { ...d.json.draft!.manifest, experiments: { t: { slots: ["hero"], salt: "s", arms: [{ id: "a", weight: 1, variants: { hero: "missing" } }] } } };
    const r = await admin("PUT", "/draft", { manifest: bad }, { headers: { ...AS_BOB, "if-match": d.etag! }, bindings: NAMED });
    expect(r.res.status).toBe(422);
    expect(JSON.stringify(r.json.error?.issues)).toContain("missing");
    expect((await readDraft()).etag).toBe(d.etag);
  });

  it("discarding needs the current ETag too, and is recorded", async () => {
    await admin("PUT", "/draft", { from: "live" }, { headers: { ...AS_BOB, "if-none-match": "*" }, bindings: NAMED });
    const d = await readDraft();
    expect((await admin("DELETE", "/draft", undefined, { headers: { ...AS_BOB, "if-match": '"0123456789abcdef0123456789abcdef"' }, bindings: NAMED })).res.status).toBe(409);
    expect((await admin("DELETE", "/draft", undefined, { headers: { ...AS_BOB, "if-match": d.etag! }, bindings: NAMED })).res.status).toBe(200);
    expect((await readDraft()).json.draft).toBeNull();
    const audit = await admin("GET", "/audit", undefined, { bindings: NAMED });
    expect((audit.json.entries as Array<{ action: string; who: string }>)[0]).toMatchObject({ action: "draft.discard", who: "bob" });
  });
});

describe("diff, preview and publish", () => {
  async function draftWithGoldVariant() {
    await admin("PUT", "/draft", { from: "live" }, { headers: { ...AS_BOB, "if-none-match": "*" }, bindings: NAMED });
    const d = await readDraft();
    const m = { ...d.json.draft!.manifest, segments: { gold: { attr: "profile.tier", eq: "gold" } } };
    m.slots = { hero: { variants: [{ id: "gold", html: "<h1>Gold draft</h1>", audience: { segment: "gold" }, priority: 10 }, { id: "everyone", html: "<h1>Live hero</h1>" }] } } as never;
    const r = await admin("PUT", "/draft", { manifest: m }, { headers: { ...AS_BOB, "if-match": d.etag! }, bindings: NAMED });
    expect(r.res.status).toBe(200);
    return r.res.headers.get("etag")!;
  }

  it("the diff says what publishing would change against the live version", async () => {
    await draftWithGoldVariant();
    const diff = await admin("GET", "/draft/diff", undefined, { headers: AS_BOB, bindings: NAMED });
    expect(diff.json).toMatchObject({ against: "live-1", changes: ["+ slot hero: variant gold", "+ segment gold"] });
  });

  it("a preview of the draft shows it as the chosen profile, and the staged version stays out of the history", async () => {
    await draftWithGoldVariant();
    const link = await admin("POST", "/preview-link", { draft: true, profile: { tier: "gold" } }, { headers: AS_BOB, bindings: NAMED });
    expect(link.res.status).toBe(200);
    const url = new URL(link.json.url as string);
    const enter = await call(origin.fetch, url.pathname + url.search, {}, NAMED);
    const cookie = enter.res.headers.get("set-cookie")!.split(";")[0]!;
    const page = await call(origin.fetch, "/", { headers: { cookie } }, NAMED);
    expect(page.body).toContain("Gold draft");
    expect(page.body).toContain("(not live)");
    const versions = await admin("GET", "/versions", undefined, { bindings: NAMED });
    expect((versions.json.versions as Array<{ version: string }>).map((x) => x.version)).toEqual(["live-1"]);
    const all = await admin("GET", "/versions?all=1", undefined, { bindings: NAMED });
    expect((all.json.versions as unknown[]).length).toBe(2);
    // The live site is unchanged for a gold visitor outside the preview.
    expect((await call(origin.fetch, "/", { headers: { "sec-gpc": "1" } })).body).toContain("Live hero");
  });

  it("an editor may not publish the draft; a publisher publishes it with the pointer flip, and the draft is done", async () => {
    const etag = await draftWithGoldVariant();
    const denied = await admin("POST", "/draft/publish", {}, { headers: { ...AS_BOB, "if-match": etag }, bindings: NAMED });
    expect(denied.res.status).toBe(403);
    const r = await admin("POST", "/draft/publish", {}, { headers: { ...AS_ALICE, "if-match": etag }, bindings: NAMED });
    expect(r.res.status).toBe(201);
    expect(r.json).toMatchObject({ previous: "live-1", changes: expect.arrayContaining(["+ slot hero: variant gold", "+ segment gold"]) });
    expect(r.json.version).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/);
    expect(JSON.parse((await env.CONTENT.get("manifest/current"))!).version).toBe(r.json.version);
    expect((await readDraft()).json.draft).toBeNull();
    const entries = (await admin("GET", "/audit", undefined, { bindings: NAMED })).json.entries as Array<Record<string, unknown>>;
    expect(entries[0]).toMatchObject({ action: "draft.publish", who: "alice", role: "publisher", target: r.json.version, previous: "live-1" });
  });

  it("publishing on a stale ETag publishes nothing: the edit made meanwhile is not lost", async () => {
    const etag = await draftWithGoldVariant();
    const d = await readDraft();
    const later = await admin("PUT", "/draft", { manifest: withHero(d.json.draft!.manifest, "<h1>Edited meanwhile</h1>") }, { headers: { ...AS_BOB, "if-match": etag }, bindings: NAMED });
    expect(later.res.status).toBe(200);
    const r = await admin("POST", "/draft/publish", {}, { headers: { ...AS_ALICE, "if-match": etag }, bindings: NAMED });
    expect(r.res.status).toBe(409);
    expect(r.json.changes).toEqual(expect.arrayContaining(["- slot hero: variant gold"]));
    expect(JSON.parse((await env.CONTENT.get("manifest/current"))!).version).toBe("live-1");
    expect((await readDraft()).json.draft!.manifest.slots.hero.variants[0]!.html).toBe("<h1>Edited meanwhile</h1>");
  });
});
