/**
 * Editor rules and patterns cannot stall or crash the Worker: a rule nested far past the cap
 * is refused with 422 (not a 500 stack overflow) by the admin API, before anything recurses
 * into it, and a version past the cap in KV is never served; `matches` patterns that cannot
 * run in linear time are refused at publish, and those that would backtrack catastrophically
 * in JavaScript (`^/(a+)+$`) run on RE2; wildcards (page mappings, TEMPLATE_BYPASS) are
 * matched in linear time. The hostile inputs below would keep a backtracking engine busy for
 * hours: these tests finish because the Worker does not backtrack (no clock is read).
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { POINTER_KEY } from "../../src/content/keys.ts";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { MAX_RULE_DEPTH } from "../../src/engine/rule-validator.ts";
import type { Manifest } from "../../src/engine/types.ts";
import { admin, clearKv } from "../fixtures/admin.ts";
import { call } from "../fixtures/call.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";
import { newVisitor, storedEvents } from "../fixtures/visitor.ts";

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

describe("`matches` patterns: refused at publish unless they run in linear time", () => {
  it.each([
    ["a lookahead", "^/(?=checkout)"],
    ["a lookbehind", "(?<!/)checkout"],
    ["a backreference", "^/(\\w+)/\\1$"],
    ["a program too large to run per character", "[^a]{400}[^b]{400}[^c]{400}"],
  ])("%s: 422 at the pattern's path, nothing written", async (_label, pattern) => {
    const m = manifest({ hero: [{ id: "a", html: "A", audience: { all: [{ attr: "context.path", matches: pattern }] } }] }, { version: "bad-pattern" });
    const { res, json } = await admin("POST", "/publish", { manifest: m });
    expect(res.status).toBe(422);
    expect(json.error?.code).toBe("MANIFEST_INVALID");
    const paths = (json.error?.issues as Array<{ path: unknown[] }>).map((i) => i.path.join("."));
    expect(paths).toContain("manifest.slots.hero.variants.0.audience.all.0.matches");
    expect(await env.CONTENT.get(POINTER_KEY)).toBeNull();
  });

  it("a pattern that backtracks catastrophically in JavaScript is published and answers at once on a hostile path", async () => {
    const m = manifest({ hero: [{ id: "as", html: "<b>As</b>", audience: { attr: "context.path", matches: "^/(a+)+$" } }] }, { version: "nested-quantifier" });
    expect((await admin("POST", "/publish", { manifest: m })).res.status).toBe(201);
    const page = () => html("<html><body><div data-p13n-slot='hero'>Default</div></body></html>");
    const hostile = `/${"a".repeat(200)}!`;
    const routes = fixtureOrigin({ [hostile]: page, "/aaaa": page });
    const slow = await call(routes.fetch, hostile);
    expect(slow.res.status).toBe(200);
    expect(slow.body).toContain(">Default<");
    const fits = await call(routes.fetch, "/aaaa");
    expect(fits.body).toContain('data-p13n-variant="as"');
  });
});

describe("wildcards are matched in linear time", () => {
  const STARS = "/*-*-*-*-*-*-*-*x";
  const page = () => html("<html><body><div data-p13n-slot='hero'>Default</div></body></html>", { "cache-control": "public, max-age=60" });

  it("a page mapping with many stars on an 8,000-character path: the page is served, the view recorded without the category", async () => {
    const hostile = `/${"-".repeat(8000)}`;
    const matching = "/a-b-c-d-e-f-g-h-x";
    const m = manifest({ hero: [{ id: "a", html: "<b>A</b>" }] }, { version: "glob-pages", pages: [{ pattern: STARS, category: "hostile", topics: [] }] });
    await publish(env.CONTENT, m);
    invalidateManifest(env.CONTENT);
    const origin = fixtureOrigin({ "/": page, [hostile]: page, [matching]: page });
    const { cookie, id } = await newVisitor(origin);
    expect((await call(origin.fetch, hostile, { headers: { cookie } })).res.status).toBe(200);
    expect((await call(origin.fetch, matching, { headers: { cookie } })).res.status).toBe(200);
    const views = (await storedEvents(`vid:${id}`)).filter((e) => e.type === "view").map((e) => e.data);
    expect(views.find((v) => v.path === hostile)?.category).toBeUndefined();
    expect(views.find((v) => v.path === matching)?.category).toBe("hostile");
  });

  it("TEMPLATE_BYPASS with many stars on an 8,000-character path: the page is served", async () => {
    const hostile = `/${"-".repeat(8000)}`;
    await publish(env.CONTENT, manifest({ hero: [{ id: "a", html: "<b>A</b>" }] }, { version: "glob-bypass" }));
    invalidateManifest(env.CONTENT);
    const origin = fixtureOrigin({ [hostile]: page, "/q-w-e-r-t-y-u-i-x": page });
    const bindings = { TEMPLATE_BYPASS: `/checkout/*, ${STARS}` };
    const served = await call(origin.fetch, hostile, {}, bindings);
    expect(served.res.status).toBe(200);
    expect(served.res.headers.get("server-timing")).not.toMatch(/template;[^,]*desc="bypass"/);
    const bypassed = await call(origin.fetch, "/q-w-e-r-t-y-u-i-x", {}, bindings);
    expect(bypassed.res.headers.get("server-timing")).toMatch(/template;[^,]*desc="bypass"/);
  });
});
