/**
 * Why each slot showed what it showed, in plain words for the visitor (the engine's own
 * reasons are for editors: rule text and score arithmetic). Built by the page path after
 * the response has gone (inside the waitUntil write), so it costs a page nothing.
 */
import type { RuleShape } from "../engine/schema.ts";
import type { Decision, DecideResult, Manifest, Prefs, VisitorSnapshot } from "../engine/types.ts";
import type { LastPage, SlotWhy } from "../visitor/disclosure.ts";

/** What a rule's attribute means, said to the visitor. First matching prefix wins. */
const PHRASES: ReadonlyArray<[string, string]> = [
  ["profile.tier", "your customer tier"],
  ["profile.stage", "how long you have been a customer"],
  ["profile.attrs.", "details of your account"],
  ["profile.", "being signed in"],
  ["prefs.", "preferences you stated"],
  ["context.device", "the kind of device you use"],
  ["context.country", "your approximate location"],
  ["context.region", "your approximate location"],
  ["context.city", "your approximate location"],
  ["context.timezone", "your time zone"],
  ["context.language", "your browser's language"],
  ["context.utm.", "the link you came from"],
  ["context.query.", "the link you came from"],
  ["context.referrerHost", "the site you came from"],
  ["context.path", "the page you are on"],
  ["context.gpc", "your browser's privacy setting"],
  ["context.channel", "where you are reading this (site, app or email)"],
  ["time.", "the time of day"],
  ["visitor.cart.", "what is in your cart"],
  ["visitor.interest.", "what you have shown interest in here"],
  ["visitor.recentViews.", "pages you viewed recently"],
  ["visitor.conversions", "your recent orders or sign-ups"],
  ["visitor.hoursSinceConversion", "your recent orders or sign-ups"],
  ["visitor.openServiceCase", "an open support request"],
  ["visitor.openCases", "an open support request"],
  ["visitor.subscription.", "your subscription"],
  ["visitor.", "how often you visit"],
];

function phrase(attr: string): string {
  for (const [prefix, words] of PHRASES) if (attr === prefix || attr.startsWith(prefix)) return words;
  return "something about this visit";
}

/** Attributes a rule reads, through named segments (each segment once: no cycles). */
function attributesOf(rule: RuleShape | undefined, segments: Manifest["segments"], out: Set<string>, seen = new Set<string>()): Set<string> {
  if (!rule) return out;
  if ("all" in rule) for (const r of rule.all) attributesOf(r, segments, out, seen);
  else if ("any" in rule) for (const r of rule.any) attributesOf(r, segments, out, seen);
  else if ("not" in rule) attributesOf(rule.not, segments, out, seen);
  else if ("segment" in rule) {
    if (!seen.has(rule.segment) && segments && Object.hasOwn(segments, rule.segment)) {
      seen.add(rule.segment);
      attributesOf(segments[rule.segment], segments, out, seen);
    }
  } else out.add(rule.attr);
  return out;
}

function list(words: string[]): string {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}

export interface PlainInput {
  result: DecideResult;
  manifest: Manifest;
  /** The stated preferences the engine used. */
  prefs: Prefs | undefined;
  /** The snapshot the engine used (null: none). */
  snapshot: VisitorSnapshot | null;
  /** Personal data was allowed to shape content. */
  personalize: boolean;
}

function whyOne(d: Decision, input: PlainInput): string[] {
  if (input.result.holdout) {
    return ["Everyone in a small comparison group sees the site's standard content, so we can measure whether personalization helps. You are in that group."];
  }
  const why: string[] = [];
  if (d.experiment) {
    const x = d.experiment;
    why.push(
      x.holdout || d.variant === null
        ? `You are part of a test ("${x.id}"): visitors are split at random, and your group sees the standard content.`
        : `You are part of a test ("${x.id}"): visitors are split at random, and your group sees this version.`,
    );
    return why;
  }
  const rejected = (reason: string) => d.rejected.filter((r) => r.reason === reason).length;
  if (d.variant === null) {
    why.push("Nothing was picked for you here: you saw the site's standard content.");
    if (rejected("consent") > 0) why.push("Some versions are only for visitors who allow personalization, and you have not.");
    if (rejected("frequency") > 0) why.push("You asked for fewer promotions, so a promotion was left out.");
    return why;
  }
  const slot = Object.hasOwn(input.manifest.slots, d.slot) ? input.manifest.slots[d.slot] : undefined;
  const variant = slot?.variants.find((v) => v.id === d.variant);
  const topics = variant?.topics ?? [];
  const stated = topics.filter((t) => input.prefs?.topics?.includes(t));
  if (stated.length > 0) why.push(`You said you are interested in ${list(stated)}.`);
  if (input.personalize) {
    const inferred = topics
      .map((t) => ({ t, s: input.snapshot?.interests && Object.hasOwn(input.snapshot.interests, t) ? input.snapshot.interests[t]! : 0 }))
      .filter((x) => x.s >= 0.2 && !stated.includes(x.t))
      .sort((a, b) => b.s - a.s);
    if (inferred.length > 0) why.push(`You have looked at ${list(inferred.map((x) => x.t))} here recently.`);
  }
  const attrs = [...attributesOf(variant?.audience as RuleShape | undefined, input.manifest.segments, new Set())];
  if (attrs.length === 0) {
    if (why.length === 0) why.push("It is shown to everyone.");
  } else {
    why.push(`It is meant for visitors like you, based on ${list([...new Set(attrs.map(phrase))])}.`);
  }
  if (rejected("frequency") > 0) why.push("You asked for fewer promotions, so a promotion was left out.");
  if (variant?.promotional && input.prefs?.frequency === "fewer") why.push("It is a promotion, shown only because nothing else fitted (you asked for fewer).");
  return why;
}

/**
 * @example
 * const page = plainReasons("/", now, { result, manifest, prefs, snapshot, personalize: true });
 * page.slots[0]; // { slot: "home-hero", variant: "yoga", why: ["You said you are interested in yoga."] }
 */
export function plainReasons(path: string, at: number, input: PlainInput): LastPage {
  const slots: SlotWhy[] = input.result.decisions.map((d) => {
    const s: SlotWhy = { slot: d.slot, variant: d.variant, why: whyOne(d, input) };
    if (d.experiment) s.experiment = `${d.experiment.id}:${d.experiment.arm}`;
    return s;
  });
  return { path, at, slots };
}
