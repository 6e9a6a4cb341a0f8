// Publishing writes the immutable version first, then flips the pointer; the local store drives wrangler.
import { describe, expect, it } from "vitest";
import { publishManifest, manifestContentHash } from "../../../cli/publish.ts";
import { localKvStore, type ContentStore } from "../../../cli/local-kv.ts";
import { POINTER_KEY, versionKey } from "../../../src/content/keys.ts";
import { runCli } from "../../../cli/run.ts";
import { fakeIo, makeRepo } from "./helpers.ts";

function memoryStore(): ContentStore & { data: Map<string, string>; writes: string[] } {
  const data = new Map<string, string>();
  const writes: string[] = [];
  return {
    name: "memory",
    data,
    writes,
    get: async (k) => data.get(k) ?? null,
    put: async (k, v) => {
      writes.push(k);
      data.set(k, v);
    },
  };
}

const doc = (version: string, extra: Record<string, unknown> = {}) => ({ schema: 1 as const, version, publishedAt: "2026-11-23T16:00:00.000Z", slots: {}, ...extra });

describe("publishManifest", () => {
  it("writes the version, then the pointer, and remembers the previous version", async () => {
    const store = memoryStore();
    const first = await publishManifest(doc("20261123T160000Z-aaaaaaaa"), store);
    expect(first).toEqual({ version: "20261123T160000Z-aaaaaaaa", previous: undefined, unchanged: false });
    const second = await publishManifest(doc("20261123T170000Z-bbbbbbbb", { segments: { a: { attr: "x", eq: 1 } } }), store);
    expect(second.previous).toBe("20261123T160000Z-aaaaaaaa");
    expect(store.writes).toEqual([versionKey("20261123T160000Z-aaaaaaaa"), POINTER_KEY, versionKey("20261123T170000Z-bbbbbbbb"), POINTER_KEY]);
    expect(JSON.parse(store.data.get(POINTER_KEY)!)).toMatchObject({ version: "20261123T170000Z-bbbbbbbb", previous: "20261123T160000Z-aaaaaaaa" });
  });

  it("does nothing when the live version has the same content, unless forced", async () => {
    const store = memoryStore();
    const hash = manifestContentHash(doc("x")).slice(0, 8);
    await publishManifest(doc(`20261123T160000Z-${hash}`), store);
    const again = await publishManifest(doc(`20261124T090000Z-${hash}`), store);
    expect(again).toMatchObject({ version: `20261123T160000Z-${hash}`, unchanged: true });
    expect(store.writes).toHaveLength(2);
    const forced = await publishManifest(doc(`20261124T090000Z-${hash}`), store, { force: true });
    expect(forced.unchanged).toBe(false);
    expect(store.writes).toHaveLength(4);
  });
});

describe("localKvStore", () => {
  it("runs wrangler kv against the local CONTENT binding, the value through a file", async () => {
    const io = fakeIo((args) => ({ code: 0, stdout: args[2] === "get" ? "Value not found\n" : "", stderr: "" }));
    const store = localKvStore(io, { cwd: "/project" });
    expect(await store.get(POINTER_KEY)).toBeNull();
    await store.put(POINTER_KEY, "{}");
    expect(io.calls[0]).toEqual(["kv", "key", "get", POINTER_KEY, "--binding", "CONTENT", "--local", "--env", "dev", "--text"]);
    expect(io.calls[1]).toEqual(["kv", "key", "put", POINTER_KEY, "--path", expect.stringMatching(/value\.json$/), "--binding", "CONTENT", "--local", "--env", "dev"]);
  });

  it("reports a failing wrangler with its output", async () => {
    const io = fakeIo(() => ({ code: 1, stdout: "", stderr: "✘ [ERROR] no such binding" }));
    await expect(localKvStore(io, { cwd: "/project" }).put("k", "v")).rejects.toThrow(/no such binding/);
  });
});

describe("p13n publish --local", () => {
  it("validates, publishes through wrangler and prints the version id", async () => {
    const repo = await makeRepo();
    try {
      const kv = new Map<string, string>();
      const io = fakeIo(async (args) => {
        if (args[2] === "get") return { code: 0, stdout: `${kv.get(args[3]!) ?? "Value not found"}\n`, stderr: "" };
        const { readFile } = await import("node:fs/promises");
        kv.set(args[3]!, await readFile(args[5]!, "utf8"));
        return { code: 0, stdout: "", stderr: "" };
      });
      expect(await runCli(["publish", "--local"], { io, cwd: repo.root })).toBe(0);
      const version = io.out.at(-1)!;
      expect(version).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/);
      expect(JSON.parse(kv.get(POINTER_KEY)!).version).toBe(version);
      expect(JSON.parse(kv.get(versionKey(version))!).slots.hero.variants[0].id).toBe("gold");
    } finally {
      await repo.cleanup();
    }
  });

  it("refuses invalid content without touching KV", async () => {
    const repo = await makeRepo({ "slots/hero/gold.yaml": "priority: high\n" });
    try {
      const io = fakeIo();
      expect(await runCli(["publish", "--local"], { io, cwd: repo.root })).toBe(1);
      expect(io.calls).toEqual([]);
      expect(io.err.join("\n")).toContain("content/slots/hero/gold.yaml:1:11 priority");
    } finally {
      await repo.cleanup();
    }
  });
});
