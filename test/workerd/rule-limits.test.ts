/**
 * Editor rules cannot stall or crash the Worker: a rule nested far past the cap is refused
 * with 422 (not a 500 stack overflow) by the admin API, before anything recurses into it;
 * a version past the cap in KV is never served.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { POINTER_KEY } from "../../src/content/keys.ts";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { MAX_RULE_DEPTH } from "../../src/engine/rules.ts";
import type { Manifest } from "../../src/engine/types.ts";
import { admin, clearKv } from "../fixtures/admin.ts";
import { call } from "../fixtures/call.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";

const LEAF = { attr: "context.path", eq: "/" };

/** `all: [all: [… leaf …]]`, n levels. Built iteratively: the test itself must not recurse either. */
function nestedAll(n: number): unknown {
  let r: unknown = LEAF;
  for (let i = 0; i < n; i++) r = { all: [r] };
  return r;
}
function nestedNot(n: number): unknown {
  let r: unknown = LEAF;
  for (let i = 0; i < n; i++) r = { not: r };
  return r;
}

beforeEach(async () => {
  await clearKv(env.CONTENT);
  invalidateManifest(env.CONTENT);
});

const where: Array<[string, (rule: unknown) => Manifest, (string | number)[]]> = [
  ["a segment", (rule) => manifest({ hero: [{ id: "a", html: "A" }] }, { version: "deep-seg", segments: { deep: rule } } as Partial<Manifest>), ["manifest", "segments", "deep"]],
  ["a variant's audience", (rule) => manifest({ hero: [{ id: "a", html: "A", audience: rule as never }] }, { version: "deep-aud" }), ["manifest", "slots", "hero", "variants", 0, "audience"]],
  ["a variant's suppressWhen", (rule) => manifest({ hero: [{ id: "a", html: "A", suppressWhen: rule as never }] }, { version: "deep-sup" }), ["manifest", "slots", "hero", "variants", 0, "suppressWhen"]],
];

describe("rules nested past the cap: 422 from the admin API, never a 500", () => {
  const cases = where.flatMap(([label, make, path]) => [
    [`2,000 all in ${label}`, make(nestedAll(2000)), path, "all"] as const,
    [`3,000 not in ${label}`, make(nestedNot(3000)), path, "not"] as const,
  ]);

  it.each(cases)("%s: /validate and /publish answer 422 naming the place, and nothing is written", async (_label, m, path, key) => {
    for (const route of ["/validate", "/publish"]) {
      const { res, json } = await admin("POST", route, { manifest: m });
      expect(res.status, route).toBe(422);
      expect(json.error?.code).toBe("MANIFEST_INVALID");
      expect(json.error?.message).toContain(`deeper than ${MAX_RULE_DEPTH} levels`);
      // The first level past the cap, under the rule's own place.
      const at = json.error?.path as (string | number)[];
      expect(at.slice(0, path.length)).toEqual(path);
      const inner = at.slice(path.length);
      expect(inner.filter((k) => k === key)).toHaveLength(MAX_RULE_DEPTH);
    }
    expect(await env.CONTENT.get(POINTER_KEY)).toBeNull();
  });

  it(`accepts a rule exactly ${MAX_RULE_DEPTH} levels deep`, async () => {
    const m = where[1]![1](nestedNot(MAX_RULE_DEPTH - 1));
    const { res } = await admin("POST", "/validate", { manifest: m });
    expect(res.status).toBe(200);
  });

  it("a version past the cap placed in KV by hand is never served: the page is the origin's", async () => {
    const m = where[0]![1](nestedAll(3000));
    await publish(env.CONTENT, m);
    const origin = fixtureOrigin({ "/": () => html("<html><body><div data-p13n-slot='hero'>Default</div></body></html>") });
    const { res, body } = await call(origin.fetch, "/");
    expect(res.status).toBe(200);
    expect(body).toContain("Default");
    expect(res.headers.get("server-timing")).toMatch(/manifest;[^,]*desc="(error|none)"/);
  });
});
