// The console's content model (src/client/console/model.browser.js, rules.browser.js: the modules
// the browser loads): everything the content files can say, the console's forms can say, and back
// — the demo's whole content and the corners of the rule language go form → manifest unchanged.
import { describe, expect, it } from "vitest";
import { compileContent } from "../../../cli/content/compile.ts";
import { canonicalJson } from "../../../src/content/canonical.ts";
import { describeRule } from "../../../src/engine/explain.ts";
import type { RuleShape } from "../../../src/engine/schema.ts";
import {
  experimentToForm,
  formToExperiment,
  formToSite,
  formToSlot,
  formToVariant,
  listText,
  parseList,
  parsePercent,
  percentText,
  siteToForm,
  slotToForm,
  variantToForm,
} from "../../../src/client/console/model.browser.js";
import { nodeToRule, parseScalar, ruleText, ruleToNode, scalarText } from "../../../src/client/console/rules.browser.js";

type Doc = Record<string, unknown>;
const same = (a: unknown, b: unknown) => expect(canonicalJson(a)).toBe(canonicalJson(b));

const RULES: RuleShape[] = [
  { attr: "profile.tier", eq: "gold" },
  { attr: "profile.attrs.plan", eq: "5" },
  { attr: "profile.attrs.visits", eq: 5 },
  { attr: "profile.attrs.vip", eq: true },
  { attr: "profile.attrs.vip", ne: "true" },
  { attr: "context.country", in: ["DE", "AT", "CH"] },
  { attr: "context.query.ref", nin: ["a, b", "c", "1", 2, false] },
  { attr: "visitor.cart.value", between: [10, 99.5] },
  { attr: "visitor.interest.running", gte: 0.3 },
  { attr: "context.path", matches: "^/(checkout|support)/, or not" },
  { attr: "context.path", startsWith: " /a" },
  { attr: "context.referrerHost", endsWith: "example.com" },
  { attr: "prefs.topics", contains: "yoga" },
  { attr: "profile.sub", exists: false },
  { attr: "context.utm.campaign", eq: "" },
  { all: [] },
  { any: [{ segment: "gold" }, { not: { all: [{ segment: "new-customer" }, { attr: "context.device", eq: "mobile" }] } }] },
];

describe("rules", () => {
  it.each(RULES.map((r) => [JSON.stringify(r), r] as const))("%s goes to the builder and back unchanged", (_name, rule) => {
    same(nodeToRule(ruleToNode(rule as never)), rule);
  });

  it.each(RULES.map((r) => [JSON.stringify(r), r] as const))("%s reads as the admin API's summary says it", (_name, rule) => {
    expect(ruleText(rule as never)).toBe(describeRule(rule));
  });

  it("a value's text keeps its type: a string that looks like a number is quoted", () => {
    expect([scalarText("gold"), scalarText("5"), scalarText(5), scalarText(true), scalarText("true"), scalarText("a,b")]).toEqual(["gold", '"5"', "5", "true", '"true"', '"a,b"']);
    expect([parseScalar("gold"), parseScalar('"5"'), parseScalar("5"), parseScalar("false")]).toEqual(["gold", "5", 5, false]);
  });
});

describe("small codecs", () => {
  it("lists and percentages", () => {
    expect(parseList(listText(["a", "b, c", ' d', '"q"']))).toEqual(["a", "b, c", " d", '"q"']);
    expect(parseList("running, yoga,,  ")).toEqual(["running", "yoga"]);
    for (const x of [0, 0.02, 0.07, 0.1, 1 / 3, 0.333333, 1]) expect(parsePercent(percentText(x))).toBeCloseTo(x, 8);
    expect(parsePercent(percentText(0.07))).toBe(0.07);
  });
});

describe("the demo's content, through the forms and back", async () => {
  const compiled = await compileContent("content", { cwd: process.cwd(), now: new Date("2026-11-23T12:00:00Z") });
  const doc = compiled.draft as Doc;
  const slots = doc.slots as Record<string, Doc>;
  const variants = Object.entries(slots).flatMap(([slot, s]) => (s.variants as Doc[]).map((v) => [`${slot}/${String(v.id)}`, v] as const));

  it("has content to check (every slot, variant, experiment)", () => {
    expect(compiled.problems.filter((p) => p.severity === "error")).toEqual([]);
    expect(variants.length).toBeGreaterThan(10);
  });

  it.each(variants)("variant %s", (_name, v) => {
    same(formToVariant(variantToForm(v)), v);
  });

  it.each(Object.entries(slots))("slot %s's settings", (id, s) => {
    same(formToSlot(slotToForm(id, s)), s);
  });

  it.each(Object.entries(doc.experiments as Record<string, Doc>))("experiment %s", (id, e) => {
    same(formToExperiment(experimentToForm(id, e)), e);
  });

  it("the site settings", () => {
    const site = { holdout: doc.holdout, goals: doc.goals, pages: doc.pages, policy: doc.policy };
    same(formToSite(siteToForm(doc)), Object.fromEntries(Object.entries(site).filter(([, v]) => v !== undefined)));
  });
});

describe("every field a variant file can set", () => {
  const full: Doc = {
    id: "full",
    html: "<p>Hi</p>\n",
    priority: -2.5,
    topics: ["running", "a, b"],
    promotional: false,
    campaign: "spring",
    schedule: { start: "2026-12-01T08:30:00+01:00", end: "2026-12-24T00:00:00Z", hours: [22, 2], days: ["sat", "sun"] },
    cap: { max: 3, periodHours: 0.5, scope: "campaign" },
    audience: { all: [{ segment: "gold" }, { attr: "context.country", in: ["DE"] }] },
    suppressWhen: { attr: "context.path", matches: "^/checkout" },
    experimentOnly: true,
  };

  it("comes back as written (a time in another zone kept as typed)", () => {
    same(formToVariant(variantToForm(full)), full);
  });

  it("an edited field changes, and only it", () => {
    const f = variantToForm(full);
    f.start = "2026-12-02T09:00";
    f.priority = "";
    f.days = ["mon"];
    const back = formToVariant(f);
    expect(back.schedule).toEqual({ start: "2026-12-02T09:00:00Z", end: "2026-12-24T00:00:00Z", hours: [22, 2], days: ["mon"] });
    expect(back.priority).toBeUndefined();
    same({ ...back, schedule: full.schedule, priority: full.priority }, full);
  });

  it("a new variant's empty form is just its id and html", () => {
    same(formToVariant(variantToForm({ id: "new", html: "<b>x</b>" })), { id: "new", html: "<b>x</b>" });
  });
});
