// `p13n versions` and `p13n rollback`, against the admin API and against wrangler's local KV.
import { describe, expect, it } from "vitest";
import { runCli } from "../../../cli/run.ts";
import { POINTER_KEY, versionKey } from "../../../src/content/keys.ts";
import { httpIo, REMOTE } from "./helpers.ts";

const VERSIONS = {
  current: "20261123T170000Z-bbbbbbbb",
  previous: "20261123T160000Z-aaaaaaaa",
  versions: [
    { version: "20261123T170000Z-bbbbbbbb", publishedAt: "2026-11-23T17:00:00.000Z", slots: 4, variants: 17, current: true, previous: false },
    { version: "20261123T160000Z-aaaaaaaa", publishedAt: "2026-11-23T16:00:00.000Z", slots: 4, variants: 16, current: false, previous: true },
  ],
};

describe("remote", () => {
  it("versions prints the history with the live one marked", async () => {
    const io = httpIo(() => ({ body: VERSIONS }));
    expect(await runCli(["versions", ...REMOTE], { io, cwd: "/" })).toBe(0);
    expect(io.sent[0]).toMatchObject({ method: "GET", url: "https://shop.example/__p13n/admin/versions" });
    const lines = io.out.join("\n").split("\n");
    expect(lines[0]).toMatch(/^live →\s+20261123T170000Z-bbbbbbbb\s+2026-11-23T17:00:00.000Z\s+4 slots, 17 variants$/);
    expect(lines[1]).toMatch(/^previous\s+20261123T160000Z-aaaaaaaa/);
  });

  it("rollback without a version asks for the previous one; with one, names it", async () => {
    const io = httpIo((req) => ({ body: { version: (req.body as { version?: string }).version ?? VERSIONS.previous, previous: VERSIONS.current } }));
    expect(await runCli(["rollback", ...REMOTE], { io, cwd: "/" })).toBe(0);
    expect(io.sent[0]).toMatchObject({ method: "POST", url: "https://shop.example/__p13n/admin/rollback", body: {} });
    expect(io.out).toEqual([VERSIONS.previous]);
    await runCli(["rollback", "x-1", ...REMOTE], { io, cwd: "/" });
    expect(io.sent[1]!.body).toEqual({ version: "x-1" });
  });

  it("rollback reports the API's refusal", async () => {
    const io = httpIo(() => ({ status: 409, body: { error: { code: "NO_PREVIOUS", message: "nothing to roll back to" } } }));
    expect(await runCli(["rollback", ...REMOTE], { io, cwd: "/" })).toBe(1);
    expect(io.err.join("\n")).toContain("NO_PREVIOUS");
  });
});

describe("local KV (wrangler)", () => {
  /** A little KV behind the fake wrangler: get / put --path / list. */
  function localKv(initial: Record<string, { value: string; metadata?: unknown }>) {
    const kv = new Map(Object.entries(initial));
    const fs = import("node:fs/promises");
    const io = httpIo(
      () => ({ body: {} }),
      async (args) => {
        const [, , op, key] = args;
        if (op === "list") return { code: 0, stdout: JSON.stringify([...kv].map(([name, v]) => ({ name, ...(v.metadata ? { metadata: v.metadata } : {}) }))), stderr: "" };
        if (op === "get") return { code: 0, stdout: kv.get(key!)?.value ?? "Value not found", stderr: "" };
        if (op === "put") {
          const file = args[args.indexOf("--path") + 1]!;
          const meta = args.includes("--metadata") ? JSON.parse(args[args.indexOf("--metadata") + 1]!) : undefined;
          kv.set(key!, { value: await (await fs).readFile(file, "utf8"), metadata: meta });
          return { code: 0, stdout: "", stderr: "" };
        }
        return { code: 1, stdout: "", stderr: "unexpected" };
      },
    );
    return { io, kv };
  }
  const doc = (v: string) => JSON.stringify({ schema: 1, version: v, publishedAt: "2026-11-23T16:00:00.000Z", slots: { hero: { variants: [] } } });

  it("versions lists keys under manifest/versions/ with their metadata", async () => {
    const { io } = localKv({
      [versionKey("a-1")]: { value: doc("a-1"), metadata: { publishedAt: "2026-11-23T16:00:00.000Z", slots: 1, variants: 0 } },
      [versionKey("b-2")]: { value: doc("b-2"), metadata: { publishedAt: "2026-11-23T17:00:00.000Z", slots: 1, variants: 0 } },
      [POINTER_KEY]: { value: JSON.stringify({ version: "b-2", previous: "a-1", updatedAt: "x" }) },
    });
    expect(await runCli(["versions", "--local"], { io, cwd: "/" })).toBe(0);
    expect(io.calls.find((c) => c[2] === "list")).toEqual(["kv", "key", "list", "--prefix", "manifest/versions/", "--binding", "CONTENT", "--local", "--env", "dev"]);
    expect(io.out.join("\n")).toMatch(/^live →\s+b-2[\s\S]*\nprevious\s+a-1/);
  });

  it("rollback flips the local pointer back and remembers where it came from", async () => {
    const { io, kv } = localKv({
      [versionKey("a-1")]: { value: doc("a-1") },
      [versionKey("b-2")]: { value: doc("b-2") },
      [POINTER_KEY]: { value: JSON.stringify({ version: "b-2", previous: "a-1", updatedAt: "x" }) },
    });
    expect(await runCli(["rollback"], { io, cwd: "/" })).toBe(0);
    expect(JSON.parse(kv.get(POINTER_KEY)!.value)).toMatchObject({ version: "a-1", previous: "b-2" });
    expect(io.out).toEqual(["a-1"]);
    expect(await runCli(["rollback", "zz-9"], { io, cwd: "/" })).toBe(1);
    expect(io.err.join("\n")).toContain("VERSION_NOT_FOUND");
  });
});
