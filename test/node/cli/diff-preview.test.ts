// `p13n diff` (what would change) and `p13n preview` (signed links, local and remote); the sanitizer in validate/publish --local.
import { afterEach, describe, expect, it } from "vitest";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runCli } from "../../../cli/run.ts";
import { diffManifests } from "../../../src/content/diff.ts";
import { PREVIEW_PARAM } from "../../../src/preview/link.ts";
import { verifyPreview } from "../../../src/preview/token.ts";
import { makeRepo, type TempRepo } from "../content/helpers.ts";
import { httpIo, REMOTE } from "./helpers.ts";

let repo: TempRepo | undefined;
afterEach(async () => {
  await repo?.cleanup();
  repo = undefined;
});

const doc = (slots: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ schema: 1, version: "v", publishedAt: "t", slots, ...extra });

describe("diffManifests", () => {
  it("names slots and variants added, removed and changed, with the fields", () => {
    const before = doc(
      { hero: { variants: [{ id: "gold", html: "<h1>G</h1>", priority: 1 }, { id: "old", html: "o" }] }, gone: { variants: [] } },
      { segments: { gold: { attr: "profile.tier", eq: "gold" } } },
    );
    const after = doc(
      { hero: { variants: [{ id: "gold", html: "<h1>Gold</h1>", priority: 2 }, { id: "new", html: "n" }] }, promo: { variants: [{ id: "a", html: "A" }] } },
      { segments: { gold: { attr: "profile.tier", eq: "GOLD" } }, experiments: { t: { slots: ["promo"] } } },
    );
    expect(diffManifests(before, after)).toEqual([
      "~ slot hero: variant gold changed (html, priority)",
      "+ slot hero: variant new",
      "- slot hero: variant old",
      "+ slot promo (1 variant: a)",
      "- slot gone (the page keeps its default content)",
      "~ segment gold changed (eq)",
      "+ experiment t",
    ]);
    expect(diffManifests(after, after)).toEqual([]);
  });

  it("against nothing published, everything is added", () => {
    expect(diffManifests(null, doc({ hero: { variants: [{ id: "a", html: "" }] } }))).toEqual(["+ slot hero (1 variant: a)"]);
  });
});

describe("p13n diff --url", () => {
  it("compares content/ with the Worker's live manifest", async () => {
    repo = await makeRepo();
    const live = { schema: 1, version: "live-1", publishedAt: "t", slots: { hero: { description: "Home hero", variants: [{ id: "gold", priority: 10, audience: { segment: "gold" }, html: "<h1>Old gold</h1>" }] } } };
    const io = httpIo(() => ({ body: { version: "live-1", manifest: live } }));
    expect(await runCli(["diff", ...REMOTE], { io, cwd: repo.root })).toBe(0);
    expect(io.sent[0]).toMatchObject({ method: "GET", url: "https://shop.example/__p13n/admin/current" });
    const text = io.out.join("\n");
    expect(text).toContain("against live version live-1 on https://shop.example");
    expect(text).toContain("~ slot hero: variant gold changed (html)");
    expect(text).toContain("+ slot news");
    expect(text).toContain("+ experiment pitch");
  });
});

describe("p13n preview", () => {
  it("signs locally with ADMIN_TOKEN from .dev.vars; the Worker's verifier accepts the link", async () => {
    repo = await makeRepo();
    await writeFile(join(repo.root, ".dev.vars"), 'ADMIN_TOKEN="local-admin-token"\n');
    const io = httpIo(() => ({ body: {} }));
    const code = await runCli(["preview", "--tier", "gold", "--stage", "new", "--device", "mobile", "--country", "de", "--at", "2026-11-23T20:00:00Z", "--variant", "hero=gold", "--ttl", "900"], { io, cwd: repo.root });
    expect(code).toBe(0);
    const url = new URL(io.out[0]!);
    expect(url.origin).toBe("http://localhost:8787");
    const verified = await verifyPreview(url.searchParams.get(PREVIEW_PARAM)!, "local-admin-token");
    expect(verified?.spec).toEqual({
      profile: { tier: "gold", stage: "new" },
      context: { device: "mobile", country: "DE", at: "2026-11-23T20:00:00Z" },
      variants: { hero: "gold" },
    });
    expect(await verifyPreview(url.searchParams.get(PREVIEW_PARAM)!, "another-secret")).toBeNull();
    expect(io.sent).toHaveLength(0);
  });

  it("asks a deployed Worker to sign with --url", async () => {
    const io = httpIo(() => ({ body: { url: "https://shop.example/?__p13n_preview=abc", expiresAt: "2026-11-23T21:00:00.000Z" } }));
    expect(await runCli(["preview", "--tier", "gold", "--version", "v-2", "--path", "/cart", ...REMOTE], { io, cwd: "/" })).toBe(0);
    expect(io.sent[0]).toMatchObject({ method: "POST", url: "https://shop.example/__p13n/admin/preview-link", body: { profile: { tier: "gold" }, version: "v-2", path: "/cart", ttl: 3600 } });
    expect(io.out).toEqual(["https://shop.example/?__p13n_preview=abc"]);
  });

  it("refuses a bad stage as a usage error", async () => {
    repo = await makeRepo();
    await writeFile(join(repo.root, ".dev.vars"), 'ADMIN_TOKEN="x"\n');
    const io = httpIo(() => ({ body: {} }));
    expect(await runCli(["preview", "--stage", "veteran"], { io, cwd: repo.root })).toBe(2);
    expect(io.err.join("\n")).toContain("profile.stage");
  });
});

describe("the sanitizer in the CLI", () => {
  it("validate warns at the fragment's file:line:column; publish --local stores the sanitized fragment", async () => {
    repo = await makeRepo({ "slots/hero/gold.html": "<h1>Gold</h1>\n<p>ok</p><script>track()</script>\n" });
    const puts: Record<string, string> = {};
    const fs = await import("node:fs/promises");
    const io = httpIo(
      () => ({ body: {} }),
      async (args) => {
        if (args[2] === "put") puts[args[3]!] = await fs.readFile(args[args.indexOf("--path") + 1]!, "utf8");
        return { code: 0, stdout: args[2] === "get" ? "Value not found" : "", stderr: "" };
      },
    );
    expect(await runCli(["validate"], { io, cwd: repo.root })).toBe(0);
    expect(io.err.join("\n")).toMatch(/content\/slots\/hero\/gold\.html:2:10 warning: — <script> removed: scripts never run in fragments .*publishing removes it — .*trusted: true/);
    expect(await runCli(["publish", "--local"], { io, cwd: repo.root })).toBe(0);
    const version = Object.entries(puts).find(([k]) => k.startsWith("manifest/versions/"))![1];
    const stored = JSON.parse(version) as { slots: { hero: { variants: Array<{ html: string }> } } };
    expect(stored.slots.hero.variants[0]!.html).toBe("<h1>Gold</h1>\n<p>ok</p>");
  });
});
