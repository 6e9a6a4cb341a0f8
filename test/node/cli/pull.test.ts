// `p13n pull`: the live version, the console's draft or any version written back to content/ files,
// so pull then build gives the same manifest (the demo's whole content, and a draft the console
// changed); unchanged files are not touched and unchanged YAML entries keep their comments; files
// the manifest no longer has are removed. Through a replaced cli/io.ts, as the other commands.
import { cp, mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { compileContent } from "../../../cli/content/compile.ts";
import { validateContent } from "../../../cli/content/validate.ts";
import { contentHash } from "../../../cli/content/version.ts";
import { writeContent } from "../../../cli/content/write-content.ts";
import { runCli } from "../../../cli/run.ts";
import { httpIo, REMOTE } from "./helpers.ts";

type Doc = Record<string, unknown>;
const ROOT = process.cwd();
const temps: string[] = [];
const content = (doc: Doc) => contentHash(Object.fromEntries(Object.entries(doc).filter(([k]) => !["schema", "version", "publishedAt"].includes(k))));

async function temp(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "p13n-pull-"));
  temps.push(dir);
  return dir;
}

async function demo(): Promise<Doc> {
  const compiled = await compileContent("content", { cwd: ROOT });
  return compiled.draft as Doc;
}

/** The folder compiled and validated as `p13n build` would. */
async function build(cwd: string): Promise<Doc> {
  const r = await validateContent("content", { cwd });
  expect(r.problems.filter((p) => p.severity === "error")).toEqual([]);
  return r.document as Doc;
}

afterEach(async () => {
  await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe("pull then build: the same manifest", () => {
  it("the demo's whole content, into an empty folder", async () => {
    const doc = await demo();
    const dir = await temp();
    await writeContent(join(dir, "content"), doc);
    expect(content(await build(dir))).toBe(content(doc));
  });

  it("into the content it came from: nothing to write, every comment where it was", async () => {
    const dir = await temp();
    await cp(join(ROOT, "content"), join(dir, "content"), { recursive: true });
    const r = await writeContent(join(dir, "content"), await demo());
    expect(r.written).toEqual([]);
    expect(r.removed).toEqual([]);
    expect(await readFile(join(dir, "content/experiments.yaml"), "utf8")).toBe(await readFile(join(ROOT, "content/experiments.yaml"), "utf8"));
  });

  it("a draft the console changed: new, changed and deleted parts; comments kept where nothing changed", async () => {
    const doc = structuredClone(await demo());
    const slots = doc.slots as Record<string, Doc>;
    slots.footer = { description: "The footer", variants: [{ id: "gold", html: '<p>Gold members: <img src="/__p13n/assets/ab" alt="gold"></p>\n\n', priority: 5, audience: { segment: "gold" }, topics: ["a, b"] }] };
    delete slots["promo-banner"];
    (slots["home-hero"]!.variants as Doc[]).splice(1, 1);
    (doc.segments as Doc)["vip"] = { any: [{ attr: "profile.attrs.vip", eq: "true" }, { attr: "context.query.x", in: ["1", 2] }] };
    doc.goals = ["purchase", "checkout", "newsletter"];
    const dir = await temp();
    await cp(join(ROOT, "content"), join(dir, "content"), { recursive: true });
    const r = await writeContent(join(dir, "content"), doc);
    expect(r.written).toEqual(expect.arrayContaining(["site.yaml", "segments.yaml", "slots/footer/slot.yaml", "slots/footer/gold.yaml", "slots/footer/gold.html"]));
    expect(r.removed).toEqual(expect.arrayContaining(["slots/promo-banner/slot.yaml", "slots/promo-banner/calm.html"]));
    expect(await readdir(join(dir, "content/slots"))).not.toContain("promo-banner");
    expect(content(await build(dir))).toBe(content(doc));
    // experiments.yaml did not change: untouched. segments.yaml did: its old entries keep their comments.
    expect(r.written).not.toContain("experiments.yaml");
    const segments = await readFile(join(dir, "content/segments.yaml"), "utf8");
    expect(segments).toContain("# Customer value");
    expect(segments).toMatch(/^# yaml-language-server: \$schema=\.\/schema\/segments\.schema\.json/);
  });
});

describe("p13n pull", () => {
  it("takes the live version, the draft, or a named version from the admin API", async () => {
    const doc = await demo();
    const draft = { ...structuredClone(doc), goals: ["purchase"] };
    const io = httpIo((req) => {
      if (req.url.endsWith("/current")) return { body: { version: "v-live", manifest: doc } };
      if (req.url.endsWith("/draft")) return { body: { draft: { manifest: draft, etag: "e", updatedBy: "alice", updatedAt: "2026-11-29T10:00:00Z" }, live: "v-live" } };
      if (req.url.endsWith("/versions/v-old")) return { body: { version: "v-old", manifest: doc } };
      return { status: 404, body: { error: { code: "NOT_FOUND", message: "no" } } };
    });
    const dir = await temp();
    expect(await runCli(["pull", "content", ...REMOTE], { io, cwd: dir })).toBe(0);
    expect(io.err.at(-1)).toContain("version v-live (live) from https://shop.example is in content/");
    expect(content(await build(dir))).toBe(content(doc));
    expect(await runCli(["pull", "content", "--draft", ...REMOTE], { io, cwd: dir })).toBe(0);
    expect(io.err.at(-1)).toContain("the draft (last changed by alice");
    expect(content(await build(dir))).toBe(content(draft));
    expect(await runCli(["pull", "content", "--version", "v-old", ...REMOTE], { io, cwd: dir })).toBe(0);
    expect(io.sent.map((s) => new URL(s.url).pathname)).toEqual(["/__p13n/admin/current", "/__p13n/admin/draft", "/__p13n/admin/versions/v-old"]);
    expect(io.sent.every((s) => s.headers.authorization === "Bearer t0ken")).toBe(true);
  });

  it("says so when there is no draft, and refuses --draft with --version", async () => {
    const io = httpIo(() => ({ body: { draft: null, live: "v1" } }));
    const dir = await temp();
    expect(await runCli(["pull", "--draft", ...REMOTE], { io, cwd: dir })).toBe(1);
    expect(io.err.at(-1)).toContain("has no draft");
    expect(await runCli(["pull", "--draft", "--version", "x", ...REMOTE], { io, cwd: dir })).toBe(2);
  });

  it("reports the API's refusal with its code, and writes nothing", async () => {
    const io = httpIo(() => ({ status: 401, body: { error: { code: "ADMIN_UNAUTHORIZED", message: "missing or wrong admin token" } } }));
    const dir = await temp();
    expect(await runCli(["pull", ...REMOTE], { io, cwd: dir })).toBe(1);
    expect(io.err.at(-1)).toMatch(/^✗ .*: ADMIN_UNAUTHORIZED: missing or wrong admin token$/);
    expect(await readdir(dir)).toEqual([]);
  });
});
