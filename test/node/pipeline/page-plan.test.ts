/**
 * The page path's plan in plain Node (src/pipeline/page-plan.ts): from the facts of a decided
 * page, what is recorded, what is injected, how the body is treated and which headers it gets.
 * Table-driven: each row is one kind of visitor and page.
 */
import { describe, expect, it } from "vitest";
import { planPage, type PageFacts, type PagePlan } from "../../../src/pipeline/page-plan.ts";

/** A returning anonymous visitor on a page the decision fills, CLIENT_SCRIPT=personalized. */
const BASE: PageFacts = {
  remembered: true,
  bot: false,
  issuedId: false,
  signedIn: false,
  filled: 2,
  clientScript: "personalized",
  published: true,
  inExperiment: false,
  mapped: true,
};

const FILLED: PagePlan = { body: "fill", headers: "private", record: true, inject: true, readMeta: false, report: true };

describe("planPage", () => {
  it.each<[string, Partial<PageFacts>, PagePlan]>([
    ["a returning visitor, slots filled: private, recorded, the script injected", {}, FILLED],
    ["the page unmapped by the manifest: its own meta is read as it streams", { mapped: false }, { ...FILLED, readMeta: true }],
    ["a first sight (id issued now, no profile): filled and private with the cookie, nothing recorded", { issuedId: true }, { ...FILLED, record: false }],
    ["a first sight with nothing filled: still private (the cookie is theirs), nothing recorded", { issuedId: true, filled: 0 }, { ...FILLED, record: false }],
    ["an id issued beside a verified profile: the profile's object records", { issuedId: true, signedIn: true }, FILLED],
    ["a crawler: filled, never recorded, no script", { bot: true }, { ...FILLED, record: false, inject: false }],
    ["nothing may be remembered (no consent, no id): filled, no script, no record", { remembered: false }, { ...FILLED, record: false, inject: false }],
    ["CLIENT_SCRIPT=off: filled and recorded, no script", { clientScript: "off" }, { ...FILLED, inject: false }],
    [
      "nothing filled, mapped, no experiment: the origin's bytes, no validators while published",
      { filled: 0 },
      { body: "as-is", headers: "no-stale-default", record: true, inject: false, readMeta: false, report: false },
    ],
    [
      "nothing filled and nothing published: the origin's caching headers stay",
      { filled: 0, published: false },
      { body: "as-is", headers: "origin", record: true, inject: false, readMeta: false, report: false },
    ],
    [
      "nothing filled, a control arm or holdout: the page is read for its slots (the exposure counts)",
      { filled: 0, inExperiment: true },
      { body: "read", headers: "no-stale-default", record: true, inject: false, readMeta: false, report: true },
    ],
    [
      "nothing filled, unmapped: the page is read for its meta only",
      { filled: 0, mapped: false },
      { body: "read", headers: "no-stale-default", record: true, inject: false, readMeta: true, report: false },
    ],
    [
      "nothing filled, CLIENT_SCRIPT=all: the script still goes in, so the page is private",
      { filled: 0, clientScript: "all" },
      { ...FILLED, inject: true },
    ],
    [
      "nothing filled, not remembered, in an experiment: untouched, nothing measured",
      { filled: 0, remembered: false, inExperiment: true },
      { body: "as-is", headers: "no-stale-default", record: false, inject: false, readMeta: false, report: false },
    ],
  ])("%s", (_name, facts, plan) => {
    expect(planPage({ ...BASE, ...facts })).toEqual(plan);
  });

  it("never records without memory, never injects for a crawler or without memory, whatever the rest", () => {
    const flags = [false, true];
    for (const remembered of flags)
      for (const bot of flags)
        for (const issuedId of flags)
          for (const signedIn of flags)
            for (const filled of [0, 1])
              for (const clientScript of ["personalized", "all", "off"] as const)
                for (const published of flags)
                  for (const inExperiment of flags)
                    for (const mapped of flags) {
                      const plan = planPage({ remembered, bot, issuedId, signedIn, filled, clientScript, published, inExperiment, mapped });
                      if (!remembered || bot) expect(plan.record || plan.inject).toBe(false);
                      // Anything visitor-specific on the page makes it private.
                      if (filled > 0 || issuedId || plan.inject) expect(plan.headers).toBe("private");
                      if (plan.readMeta) expect(plan.record && !mapped).toBe(true);
                      if (plan.body === "as-is") expect(plan.readMeta || plan.report).toBe(false);
                    }
  });
});
