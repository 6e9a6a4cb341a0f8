/**
 * Who may: named tokens (ADMIN_TOKENS) with roles beside the single ADMIN_TOKEN (a publisher
 * named "admin"), and Access users as publishers or editors (ACCESS_PUBLISHERS). An editor
 * reads, edits the draft, previews and uploads; only a publisher publishes, rolls back or
 * touches a trusted slot. A bad ADMIN_TOKENS refuses the config with the entry to fix.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { admin, clearKv } from "../fixtures/admin.ts";
import { ambientAccess, accessAssertion, accessVars, AS_ALICE, AS_BOB, clearBucket, namedTokens, NO_BEARER } from "../fixtures/editors.ts";

const doc = (version: string, extra: Record<string, unknown> = {}) => ({
  schema: 1,
  version,
  publishedAt: "2026-11-23T12:00:00Z",
  slots: { hero: { variants: [{ id: "gold", html: "<b>Gold</b>" }] }, ...extra },
});

let NAMED: Record<string, string>;

beforeEach(async () => {
  await clearKv(env.CONTENT);
  await clearBucket(env.EDITOR_FILES);
  invalidateManifest(env.CONTENT);
  NAMED = await namedTokens();
});

describe("named tokens", () => {
  it("each signs in as its name and role; ADMIN_TOKEN still signs in, as the publisher 'admin'", async () => {
    const alice = await admin("GET", "/whoami", undefined, { headers: AS_ALICE, bindings: NAMED });
    expect(alice.json).toMatchObject({ who: "alice", role: "publisher", via: "token", may: { publish: true, draft: true } });
    const bob = await admin("GET", "/whoami", undefined, { headers: AS_BOB, bindings: NAMED });
    expect(bob.json).toMatchObject({ who: "bob", role: "editor", may: { publish: false, rollback: false, trusted: false, draft: true, upload: true } });
    const single = await admin("GET", "/whoami", undefined, { bindings: NAMED });
    expect(single.json).toMatchObject({ who: "admin", role: "publisher" });
  });

  it("a token that is none of them (one character off one of them) is refused", async () => {
    const r = await admin("GET", "/whoami", undefined, { headers: { authorization: `${AS_BOB.authorization.slice(0, -1)}X` }, bindings: NAMED });
    expect(r.res.status).toBe(401);
  });

  it("an editor may not publish or roll back (403 FORBIDDEN naming them), a publisher may", async () => {
    const denied = await admin("POST", "/publish", { manifest: doc("v-bob") }, { headers: AS_BOB, bindings: NAMED });
    expect(denied.res.status).toBe(403);
    expect(denied.json.error?.code).toBe("FORBIDDEN");
    expect(denied.json.error?.message).toContain("bob is an editor");
    expect(await env.CONTENT.get("manifest/versions/v-bob")).toBeNull();

    expect((await admin("POST", "/publish", { manifest: doc("v1") }, { headers: AS_ALICE, bindings: NAMED })).res.status).toBe(201);
    expect((await admin("POST", "/publish", { manifest: doc("v2", { side: { variants: [] } }) }, { headers: AS_ALICE, bindings: NAMED })).res.status).toBe(201);
    const noRollback = await admin("POST", "/rollback", {}, { headers: AS_BOB, bindings: NAMED });
    expect(noRollback.res.status).toBe(403);
    expect(JSON.parse((await env.CONTENT.get("manifest/current"))!).version).toBe("v2");
    expect((await admin("POST", "/rollback", {}, { headers: AS_ALICE, bindings: NAMED })).json.version).toBe("v1");
  });

  it("an editor may not mark a slot trusted, nor change a trusted slot, in the draft; a publisher may", async () => {
    const start = await admin("PUT", "/draft", { manifest: doc("x") }, { headers: { ...AS_BOB, "if-none-match": "*" }, bindings: NAMED });
    expect(start.res.status).toBe(200);
    const etag = start.res.headers.get("etag")!;
    const trusted = doc("x", { widget: { trusted: true, variants: [{ id: "w", html: "<script>go()</script>" }] } });
    const denied = await admin("PUT", "/draft", { manifest: trusted }, { headers: { ...AS_BOB, "if-match": etag }, bindings: NAMED });
    expect(denied.res.status).toBe(403);
    expect(denied.json.error?.message).toContain("change trusted slots");
    const allowed = await admin("PUT", "/draft", { manifest: trusted }, { headers: { ...AS_ALICE, "if-match": etag }, bindings: NAMED });
    expect(allowed.res.status).toBe(200);
    // Now trusted: bob may still change other slots, not that one.
    const etag2 = allowed.res.headers.get("etag")!;
    const other = { ...trusted, slots: { ...trusted.slots, hero: { variants: [{ id: "gold", html: "<b>Gold!</b>" }] } } };
    expect((await admin("PUT", "/draft", { manifest: other }, { headers: { ...AS_BOB, "if-match": etag2 }, bindings: NAMED })).res.status).toBe(200);
  });

  it.each([
    ["not JSON", "{alice", "ADMIN_TOKENS: not JSON"],
    ["an unknown role", JSON.stringify({ carol: { role: "owner", token: "x".repeat(30) } }), "ADMIN_TOKENS.carol.role"],
    ["a short token", JSON.stringify({ carol: { role: "editor", token: "short" } }), "at least 24 characters"],
    ["both forms", JSON.stringify({ carol: { role: "editor", token: "x".repeat(30), sha256: "a".repeat(64) } }), "exactly one of token or sha256"],
    ["the name admin beside ADMIN_TOKEN", JSON.stringify({ admin: { role: "editor", token: "x".repeat(30) } }), "is ADMIN_TOKEN's"],
  ])("ADMIN_TOKENS with %s refuses the config, naming the entry", async (_name, value, message) => {
    const r = await admin("GET", "/whoami", undefined, { bindings: { ADMIN_TOKENS: value } });
    expect(r.res.status).toBe(500);
    expect(r.json.error?.code).toBe("CONFIG_INVALID");
    expect(r.json.error?.message).toContain(message);
  });
});

describe("Access users", () => {
  it("are publishers when ACCESS_PUBLISHERS lists them (or says *), editors otherwise", async () => {
    const vars = { ...(await accessVars()), ACCESS_PUBLISHERS: "lead@stride.example, boss@stride.example" };
    const as = async (email: string) => ({ ...NO_BEARER, "cf-access-jwt-assertion": await accessAssertion(email) });
    expect((await admin("GET", "/whoami", undefined, { headers: await as("lead@stride.example"), bindings: vars })).json).toMatchObject({ who: "lead@stride.example", role: "publisher", via: "access" });
    expect((await admin("GET", "/whoami", undefined, { headers: await as("Boss@Stride.example"), bindings: vars })).json).toMatchObject({ role: "publisher" });
    expect((await admin("GET", "/whoami", undefined, { headers: await as("writer@stride.example"), bindings: vars })).json).toMatchObject({ role: "editor" });
    const everyone = { ...(await accessVars()) };
    expect((await admin("GET", "/whoami", undefined, { headers: await as("writer@stride.example"), bindings: everyone })).json).toMatchObject({ role: "publisher" });
  });

  it("an editor by Access may not publish, whatever else it sends", async () => {
    const vars = { ...(await accessVars()), ACCESS_PUBLISHERS: "lead@stride.example", ADMIN_AMBIENT_WRITES: "allow" };
    const r = await admin("POST", "/publish", { manifest: doc("v-writer") }, { headers: { ...NO_BEARER, ...(await ambientAccess("writer@stride.example")) }, bindings: vars });
    expect(r.res.status).toBe(403);
    expect(r.json.error?.code).toBe("FORBIDDEN");
  });
});
