// A broken content repository is refused with file:line:column, the field, what is wrong and how to fix it.
import { afterEach, describe, expect, it } from "vitest";
import { validateContent } from "../../../cli/content/validate.ts";
import { formatProblem } from "../../../cli/content/problem.ts";
import { makeRepo, type TempRepo } from "./helpers.ts";

let repo: TempRepo | undefined;
afterEach(async () => {
  await repo?.cleanup();
  repo = undefined;
});

async function problemsFor(overrides: Record<string, string | null>): Promise<string[]> {
  repo = await makeRepo(overrides);
  const r = await validateContent("content", { cwd: repo.root });
  return r.problems.map(formatProblem);
}

describe("the base fixture", () => {
  it("is valid", async () => {
    expect(await problemsFor({})).toEqual([]);
  });
});

// [what, files to change, expected start of a problem line, expected text later in it]
const CASES: [string, Record<string, string | null>, string, string][] = [
  ["YAML syntax", { "segments.yaml": "gold:\n  attr: profile.tier\n    eq: gold\n" }, "content/segments.yaml:2:", "YAML:"],
  ["duplicate key", { "segments.yaml": "gold:\n  attr: profile.tier\n  attr: profile.stage\n  eq: gold\n" }, "content/segments.yaml:3:3", "each key may appear once"],
  ["unknown field in variant metadata", { "slots/hero/gold.yaml": "priority: 10\naudiance: { segment: gold }\n" }, "content/slots/hero/gold.yaml:2:1 audiance", "Did you mean 'audience'?"],
  ["wrong type", { "slots/hero/gold.yaml": "priority: high\n" }, "content/slots/hero/gold.yaml:1:11 priority", "expected a number"],
  ["unknown operator in a segment", { "segments.yaml": "gold:\n  attr: profile.tier\n  equals: gold\n" }, "content/segments.yaml:3:3 gold.equals", "Did you mean 'eq'?"],
  ["two operators", { "segments.yaml": "gold: { attr: profile.tier, eq: gold, ne: silver }\n" }, "content/segments.yaml:1:7 gold", "exactly one operator"],
  ["nested rule error", { "slots/hero/gold.yaml": "audience:\n  all:\n    - { segment: gold }\n    - { attr: context.device }\n" }, "content/slots/hero/gold.yaml:4:7 audience.all[1]", "exactly one operator"],
  ["unknown segment", { "slots/hero/gold.yaml": "audience: { segment: golden }\n" }, "content/slots/hero/gold.yaml:1:22 audience.segment", "unknown segment 'golden'"],
  ["unknown attribute", { "segments.yaml": "gold:\n  attr: profile.teir\n  eq: gold\n" }, "content/segments.yaml:2:9 gold.attr", "profile.tier"],
  ["missing fragment", { "slots/hero/gold.html": null }, "content/slots/hero/gold.yaml:1:1", "fragment file missing: gold.html"],
  ["fragment without metadata", { "slots/hero/extra.html": "<p>x</p>" }, "content/slots/hero/extra.html:1:1", "extra.yaml is missing"],
  ["id in metadata", { "slots/hero/gold.yaml": "id: platinum\npriority: 1\n" }, "content/slots/hero/gold.yaml:1:1 id", "file name"],
  ["arm pointing at a missing variant", { "slots/news/b.yaml": null, "slots/news/b.html": null, "slots/news/c.yaml": "experimentOnly: true\n", "slots/news/c.html": "<p>C</p>" }, "content/experiments.yaml:10:25 pitch.arms[1].variants.news", "no variant 'b'"],
  ["experiment on an unknown slot", { "experiments.yaml": "pitch:\n  slots: [newz]\n  salt: x\n  arms:\n    - { id: a, weight: 1, variants: { newz: null } }\n" }, "content/experiments.yaml:2:11 pitch.slots[0]", "Did you mean 'news'?"],
  ["missing required field", { "experiments.yaml": "pitch:\n  slots: [news]\n  arms:\n    - { id: a, weight: 1, variants: { news: b } }\n" }, "content/experiments.yaml:1:1 pitch.salt", "missing field 'salt'"],
  ["duplicate arm ids", { "experiments.yaml": "pitch:\n  slots: [news]\n  salt: x\n  arms:\n    - { id: a, weight: 1, variants: { news: null } }\n    - { id: a, weight: 1, variants: { news: b } }\n" }, "content/experiments.yaml:6:13 pitch.arms[1].id", "appears twice"],
  ["invalid slot folder name", { "slots/bad slot/one.yaml": "priority: 1\n", "slots/bad slot/one.html": "x" }, "content/slots/bad slot", "invalid value"],
  ["unknown field in site.yaml", { "site.yaml": "holdout: { share: 0.1, salt: s }\nsegments: {}\n" }, "content/site.yaml:2:1 segments", "unknown field 'segments'"],
  ["out-of-range value", { "site.yaml": "holdout: { share: 1.5, salt: s }\n" }, "content/site.yaml:1:19 holdout.share", "<=1"],
  ["invalid declared goal", { "site.yaml": "goals: [purchase, 'sign up']\n" }, "content/site.yaml:1:19 goals[1]", "invalid value"],
  ["an unknown placeholder", { "slots/hero/gold.html": "<h1>Gold</h1>\n<p>Hi {{profile.attrs.firstName | default: \"you\"}}, your {{cart.items.0.nmae}}</p>\n" }, "content/slots/hero/gold.html:2:58 {{cart.items.0.nmae}}", "did you mean cart.items.0.name?"],
  ["a placeholder in a URL", { "slots/hero/gold.html": "<h1>Gold</h1>\n<a href=\"/p/{{cart.items.0.sku}}\">x</a>\n" }, "content/slots/hero/gold.html:2:13 {{cart.items.0.sku}}", "in href"],
  ["a placeholder in a script of a trusted slot", { "slots/hero/slot.yaml": "trusted: true\n", "slots/hero/gold.html": "<script>\n  var n = '{{cart.items.0.name}}';\n</script>\n" }, "content/slots/hero/gold.html:2:12 {{cart.items.0.name}}", "inside <script>"],
  ["a slot selector HTMLRewriter cannot match", { "slots/hero/slot.yaml": "description: Home hero\nselector: 'h2 + p'\n" }, "content/slots/hero/slot.yaml:2:11 selector", "'+' (next sibling) cannot be matched while the page streams"],
  ["a slot selector on the Worker's own attribute", { "slots/hero/slot.yaml": "selector: '[data-p13n-slot=hero]'\n" }, "content/slots/hero/slot.yaml:1:11 selector", "the Worker's own attribute"],
  ["two slots with one selector", { "slots/hero/slot.yaml": "selector: footer .promo\n", "slots/news/slot.yaml": "description: Newsletter\nselector: footer  .promo\n" }, "content/slots/news/slot.yaml:2:11 selector", "the selector of slot hero"],
  ["a bandit without a goal", { "experiments.yaml": "pitch:\n  slots: [news]\n  salt: x\n  bandit: true\n  arms:\n    - { id: a, weight: 1, variants: { news: null } }\n" }, "content/experiments.yaml:4:11 pitch.bandit", "a bandit optimizes a goal"],
];

describe("problems name file, line, field and a fix", () => {
  it.each(CASES)("%s", async (_name, overrides, where, text) => {
    const lines = await problemsFor(overrides);
    const hit = lines.find((l) => l.startsWith(where));
    expect(hit, `no problem at ${where} in:\n${lines.join("\n")}`).toBeDefined();
    expect(hit).toContain(text);
    // Every problem says how to fix it: "<where> <field> — <what> — <fix>".
    expect(hit!.split(" — ").length).toBeGreaterThanOrEqual(3);
  });

  it("warns, without failing, about an experiment-only variant no arm shows", async () => {
    repo = await makeRepo({ "slots/news/c.yaml": "experimentOnly: true\n", "slots/news/c.html": "<p>C</p>" });
    const r = await validateContent("content", { cwd: repo.root });
    expect(r.manifest).toBeDefined();
    expect(r.problems.map(formatProblem)).toEqual([expect.stringMatching(/^content\/slots\/news\/c\.yaml:1:1 warning: experimentOnly — /)]);
  });
});
