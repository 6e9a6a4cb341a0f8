// The one "did you mean" rule (src/engine/did-you-mean.ts), as the rule validator (admin API)
// and the CLI's content checks both use it: they suggest the same name for the same typo.
import { describe, expect, it } from "vitest";
import { didYouMean } from "../../../cli/content/problem.ts";
import { closest } from "../../../src/engine/did-you-mean.ts";
import { validateRule } from "../../../src/engine/rule-validator.ts";

describe("closest", () => {
  it.each([
    ["a typo in an attribute", "profile.teir", ["profile.stage", "profile.tier"], "profile.tier"],
    ["a dropped letter", "gld", ["silver", "gold"], "gold"],
    ["a field", "audiance", ["priority", "audience", "topics"], "audience"],
    ["case does not count", "AUDIANCE", ["audience"], "audience"],
    ["a longer spelling of a short name", "equals", ["in", "eq", "ne"], "eq"],
    ["a shortened name", "open-service", ["open-service-case", "close-service-case"], "open-service-case"],
    ["a tie goes to the first listed", "newz", ["news", "newt"], "news"],
  ])("%s: %s → %s", (_, name, candidates, want) => {
    expect(closest(name, candidates)).toBe(want);
  });

  it.each([
    ["nothing close", "zzz", ["profile.tier", "gold"]],
    ["no candidates", "gold", []],
    ["three edits away from a short name", "abc", ["xyz"]],
  ])("%s: no suggestion", (_, name, candidates) => {
    expect(closest(name, candidates)).toBeUndefined();
  });

  it("reach grows with the name's length: a third of it, at least two edits", () => {
    expect(closest("abcdefghi", ["abcxyzghi"])).toBe("abcxyzghi"); // 3 edits, 9 letters
    expect(closest("abcdefghi", ["awxyzfghi"])).toBeUndefined(); // 4 edits
    expect(closest("ab", ["xy"])).toBe("xy"); // 2 edits: the floor
  });

  it("a 100,000-character name is not compared with short candidates (lengths rule them out), and a prefix still counts", () => {
    const long = "q".repeat(100_000);
    expect(closest(long, ["query.*", "profile.tier"])).toBeUndefined();
    expect(closest(`profile.tier${long}`, ["profile.stage", "profile.tier"])).toBe("profile.tier");
  });
});

describe("one rule for the engine and the CLI", () => {
  it("the validator's message and the CLI's hint name the same segment", () => {
    const segments = { "gold-members": { attr: "profile.tier", eq: "gold" }, returning: { attr: "visitor.visits", gte: 2 } } as const;
    for (const typo of ["gold-member", "GOLD-MEMBERS", "returnin", "retuning"]) {
      const [issue] = validateRule({ segment: typo }, { segments, path: [] });
      const cli = didYouMean(typo, Object.keys(segments));
      const named = /did you mean (\S+)\?/.exec(issue!.message)?.[1];
      expect(named, typo).toBeDefined();
      expect(cli).toBe(` Did you mean '${named}'?`);
    }
  });
});
