/**
 * The console's page and browser code as the Worker serves them (the code itself is
 * src/client/console.browser.js and src/client/console/, imported as text): the entry, every
 * module it imports (followed from the served text, as a browser follows them) with the same
 * CSP and type, nothing else under /__p13n/console/, and a page that preloads them and has no
 * inline script.
 */
import { describe, expect, it } from "vitest";
import { call } from "../fixtures/call.ts";

const get = (path: string) => call(undefined, path);

/** The relative imports of a module's text: `from "./console/x.browser.js"`. */
function importsOf(text: string): string[] {
  return [...text.matchAll(/^import [^;]*? from "(\.\/[^"]+)";$/gm)].map((m) => m[1]!);
}

describe("the console's browser code", () => {
  it("serves the entry and, transitively, every module it imports, as JavaScript under the console's CSP", async () => {
    const seen = new Map<string, string>();
    const queue = ["/__p13n/console.js"];
    while (queue.length > 0) {
      const path = queue.shift()!;
      if (seen.has(path)) continue;
      const { res, body } = await get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type"), path).toBe("text/javascript; charset=utf-8");
      expect(res.headers.get("content-security-policy"), path).toContain("script-src 'self'");
      expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
      seen.set(path, body);
      for (const spec of importsOf(body)) queue.push(new URL(spec, `https://x${path}`).pathname);
    }
    expect([...seen.keys()].sort()).toEqual([
      "/__p13n/console.js",
      ...[
        "activity", "audit", "catalogue", "dialog", "dom", "draft", "experiments", "field-text", "format", "history", "model",
        "performance", "results", "rule-builder", "rule-condition", "rules", "settings", "site-model", "state", "variant-editor",
        "variant-html", "view-as",
      ].map((m) => `/__p13n/console/${m}.browser.js`),
    ]);
    // The source as written: checked by `npm run typecheck`, not a string built here.
    expect(seen.get("/__p13n/console.js")).toMatch(/^\/\/ @ts-check\n/);
  });

  it("serves nothing else under /__p13n/console/", async () => {
    for (const path of ["/__p13n/console/nope.browser.js", "/__p13n/console/admin-api.d.ts", "/__p13n/console/..%2Fp13n.browser.js", "/__p13n/console/constructor", "/__p13n/console/__proto__"]) {
      const { res } = await get(path);
      expect(res.status, path).toBe(404);
    }
  });

  it("the page preloads every module and runs no inline script", async () => {
    const { res, body } = await get("/__p13n/console");
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(body).toContain('<script type="module" src="/__p13n/console.js"></script>');
    const preloads = [...body.matchAll(/<link rel="modulepreload" href="([^"]+)">/g)].map((m) => m[1]);
    expect(preloads).toHaveLength(22);
    for (const href of preloads) expect((await get(href!)).res.status, href).toBe(200);
    expect(body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });
});

describe("the preview's element picker", () => {
  it("is served as JavaScript, the same bytes for everyone, immutable under its version", async () => {
    const { res, body } = await get("/__p13n/picker.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(body).toMatch(/^\/\/ @ts-check\n/);
    expect(body).toContain("postMessage");
  });
});
