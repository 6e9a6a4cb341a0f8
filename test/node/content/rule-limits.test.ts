// `p13n validate` refuses rules nested past the cap with file:line:field, whether the YAML
// reader can hold them (a few dozen levels) or not (2,000 `all`, 3,000 `not`): never a crash.
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../../../cli/run.ts";
import { MAX_RULE_DEPTH } from "../../../src/engine/rule-validator.ts";
import { fakeIo, makeRepo, type TempRepo } from "./helpers.ts";

let repo: TempRepo | undefined;
afterEach(async () => {
  await repo?.cleanup();
  repo = undefined;
});

const LEAF = "{ attr: profile.tier, eq: gold }";
/** One-line flow YAML: `{ all: [ { all: [ … ] } ] }`. */
const flowAll = (n: number) => {
  let s = LEAF;
  for (let i = 0; i < n; i++) s = `{ all: [${s}] }`;
  return s;
};
const flowNot = (n: number) => {
  let s = LEAF;
  for (let i = 0; i < n; i++) s = `{ not: ${s} }`;
  return s;
};
/** Block YAML, one `not:` per line, each indented two more spaces. */
const blockNot = (n: number, indent = "  ") => {
  let out = "";
  let pad = indent;
  for (let i = 0; i < n; i++) {
    out += `${pad}not:\n`;
    pad += "  ";
  }
  return `${out}${pad}attr: profile.tier\n${pad}eq: gold\n`;
};

async function validate(files: Record<string, string>): Promise<{ code: number; err: string[] }> {
  repo = await makeRepo(files);
  const io = fakeIo();
  const code = await runCli(["validate"], { io, cwd: repo.root });
  return { code, err: io.err };
}

describe("p13n validate: the rule nesting cap", () => {
  it.each([
    ["2,000 all in a segment (one line)", { "segments.yaml": `gold: { attr: profile.tier, eq: gold }\ndeep: ${flowAll(2000)}\n` }, /^content\/segments\.yaml:2:1 deep — nested too deeply/],
    ["3,000 not in a segment (one line)", { "segments.yaml": `gold: { attr: profile.tier, eq: gold }\ndeep: ${flowNot(3000)}\n` }, /^content\/segments\.yaml:2:1 deep — nested too deeply/],
    ["2,000 all in a variant's audience", { "slots/hero/gold.yaml": `priority: 10\naudience: ${flowAll(2000)}\n` }, /^content\/slots\/hero\/gold\.yaml:2:1 audience — nested too deeply/],
    ["3,000 not in a variant's audience (block style)", { "slots/hero/gold.yaml": `priority: 10\naudience:\n${blockNot(3000)}` }, /^content\/slots\/hero\/gold\.yaml:2:1 audience — nested too deeply/],
  ])("%s: refused with file:line:field, exit 1", async (_label, files, where) => {
    const { code, err } = await validate(files);
    expect(code).toBe(1);
    const hit = err.find((l) => where.test(l));
    expect(hit, err.join("\n")).toBeDefined();
    expect(hit).toContain(`at most ${MAX_RULE_DEPTH} levels`);
    expect(hit!.split(" — ").length).toBeGreaterThanOrEqual(3);
  });

  it("a rule the YAML reader can hold (40 levels) is refused at the first level past the cap, by line and field", async () => {
    const { code, err } = await validate({ "segments.yaml": `gold:\n${blockNot(40)}` });
    expect(code).toBe(1);
    // Level 9 of the rule is the 9th `not:` line (line 1 is "gold:").
    const field = `gold${".not".repeat(MAX_RULE_DEPTH)}`;
    const hit = err.find((l) => l.startsWith(`content/segments.yaml:${MAX_RULE_DEPTH + 1}:`));
    expect(hit, err.join("\n")).toBeDefined();
    expect(hit).toContain(` ${field} — rule nested deeper than ${MAX_RULE_DEPTH} levels`);
  });

  it(`accepts a rule exactly ${MAX_RULE_DEPTH} levels deep`, async () => {
    const { code, err } = await validate({ "segments.yaml": `gold:\n${blockNot(MAX_RULE_DEPTH - 1)}` });
    expect(err).toEqual([]);
    expect(code).toBe(0);
  });
});
