// The example content in content/ is what `npm run dev` publishes: it must validate cleanly
// and fit the demo shop's pages.
import { readFile, readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { validateContent } from "../../../cli/content/validate.ts";
import { formatProblem } from "../../../cli/content/problem.ts";
import { ManifestSchema } from "../../../src/engine/schema.ts";

const ROOT = resolve(import.meta.dirname, "../../..");

describe("example content", () => {
  it("validates without errors or warnings", async () => {
    const r = await validateContent("content", { cwd: ROOT });
    expect(r.problems.map(formatProblem)).toEqual([]);
    expect(r.manifest).toBeDefined();
    expect(Object.keys(r.manifest!.slots).sort()).toEqual(["bestsellers", "cross-sell", "home-hero", "newsletter", "promo-banner"]);
  });

  it("publishes a document the Worker's schema accepts, with a timestamp + content-hash version", async () => {
    const now = new Date("2026-11-23T16:01:02Z");
    const r = await validateContent("content", { cwd: ROOT, now });
    expect(r.document!.version).toBe(`20261123T160102Z-${r.hash.slice(0, 8)}`);
    expect(r.document!.publishedAt).toBe("2026-11-23T16:01:02.000Z");
    expect(v.safeParse(ManifestSchema, JSON.parse(JSON.stringify(r.document))).success).toBe(true);
  });

  it("has the same content hash whenever it is built", async () => {
    const a = await validateContent("content", { cwd: ROOT, now: new Date("2026-01-01T00:00:00Z") });
    const b = await validateContent("content", { cwd: ROOT, now: new Date("2026-06-01T00:00:00Z") });
    expect(a.hash).toBe(b.hash);
    expect(a.document!.version).not.toBe(b.document!.version);
  });

  it("covers every markup slot on the demo pages, and every slot it defines without a selector is on some page (slots by selector: test/workerd/demo.test.ts)", async () => {
    const r = await validateContent("content", { cwd: ROOT });
    const pages = ["index.html", "cart.html", "account.html", "404.html", ...(await readdir(join(ROOT, "demo/site/products"))).map((f) => `products/${f}`)];
    const onPages = new Set<string>();
    for (const p of pages) {
      const html = await readFile(join(ROOT, "demo/site", p), "utf8");
      for (const m of html.matchAll(/data-p13n-slot="([^"]+)"/g)) onPages.add(m[1]!);
    }
    const inMarkup = Object.entries(r.manifest!.slots).filter(([, slot]) => slot.selector === undefined).map(([id]) => id);
    expect([...onPages].sort()).toEqual(inMarkup.sort());
  });

  it("puts a $schema comment in every YAML file, pointing at a schema that exists", async () => {
    const files = (await readdir(join(ROOT, "content"), { recursive: true })).filter((f) => f.endsWith(".yaml"));
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const first = (await readFile(join(ROOT, "content", f), "utf8")).split("\n")[0]!;
      const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
      expect(m, f).not.toBeNull();
      await expect(readFile(resolve(ROOT, "content", f, "..", m![1]!), "utf8"), f).resolves.toContain("$schema");
    }
  });
});
