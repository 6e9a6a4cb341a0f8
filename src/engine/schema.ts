/**
 * Schemas for everything the engine consumes from outside: the published
 * content manifest (KV, CLI, admin API) and the verified profile claims.
 * One source of truth: the types in `./types.ts` are inferred from these.
 *
 * @example
 * import * as v from "valibot";
 * const result = v.safeParse(ManifestSchema, JSON.parse(text));
 * if (!result.success) console.error(v.flatten(result.issues));
 */
import * as v from "valibot";
import { checkPattern, MAX_PATTERN_LENGTH } from "../match/pattern.ts";
import { checkSelector } from "../match/slot-selector.ts";

/** Ids that editors write: slot, variant, segment, experiment, arm. Safe in attributes and KV keys. */
export const IdSchema = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "use letters, digits, '-', '_' or '.', at most 64, starting with a letter or digit"),
);

const Scalar = v.union([v.string(), v.number(), v.boolean()]);

/** The comparison operators a condition may use; exactly one per condition. */
export const OPERATORS = [
  "eq",
  "ne",
  "in",
  "nin",
  "gt",
  "gte",
  "lt",
  "lte",
  "between",
  "matches",
  "startsWith",
  "endsWith",
  "contains",
  "exists",
] as const;
export type Operator = (typeof OPERATORS)[number];

/**
 * A condition on one attribute, e.g. `{ attr: "profile.tier", eq: "gold" }`.
 * Attribute paths are listed in the README ("Rule language").
 */
export const ConditionSchema = v.pipe(
  v.strictObject({
    attr: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
    eq: v.optional(Scalar),
    ne: v.optional(Scalar),
    in: v.optional(v.pipe(v.array(Scalar), v.maxLength(1000))),
    nin: v.optional(v.pipe(v.array(Scalar), v.maxLength(1000))),
    gt: v.optional(v.number()),
    gte: v.optional(v.number()),
    lt: v.optional(v.number()),
    lte: v.optional(v.number()),
    between: v.optional(v.tuple([v.number(), v.number()])),
    /** RE2 syntax, run in linear time (src/match/pattern.ts): no backreferences or lookaround. */
    matches: v.optional(
      v.pipe(
        v.string(),
        v.maxLength(MAX_PATTERN_LENGTH),
        v.check(
          (s) => checkPattern(s) === undefined,
          (issue) => `not a usable regular expression: ${checkPattern(String(issue.input)) ?? "invalid"}`,
        ),
      ),
    ),
    startsWith: v.optional(v.string()),
    endsWith: v.optional(v.string()),
    contains: v.optional(Scalar),
    exists: v.optional(v.boolean()),
  }),
  v.check(
    (c) => OPERATORS.filter((op) => (c as Record<string, unknown>)[op] !== undefined).length === 1,
    `a condition needs exactly one operator: ${OPERATORS.join(", ")}`,
  ),
);
export type Condition = v.InferOutput<typeof ConditionSchema>;

export type RuleShape =
  | { all: RuleShape[] }
  | { any: RuleShape[] }
  | { not: RuleShape }
  | { segment: string }
  | Condition;

/** all / any / not / a named segment / a condition. Nesting is bounded at publish (see validate). */
export const RuleSchema: v.GenericSchema<RuleShape> = v.union([
  v.strictObject({ all: v.pipe(v.array(v.lazy(() => RuleSchema)), v.maxLength(100)) }),
  v.strictObject({ any: v.pipe(v.array(v.lazy(() => RuleSchema)), v.maxLength(100)) }),
  v.strictObject({ not: v.lazy(() => RuleSchema) }),
  v.strictObject({ segment: IdSchema }),
  ConditionSchema,
]);

const IsoDate = v.pipe(v.string(), v.isoTimestamp("use an ISO 8601 timestamp such as 2026-12-01T00:00:00Z"));
const Weekday = v.picklist(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]);
const Hour = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(24));

export const ScheduleSchema = v.strictObject({
  /** Shown from (inclusive), absolute time. */
  start: v.optional(IsoDate),
  /** Shown until (exclusive), absolute time. */
  end: v.optional(IsoDate),
  /** Dayparting in the visitor's own time zone: local hours [from, to), wrapping past midnight when from > to. */
  hours: v.optional(v.tuple([Hour, Hour])),
  /** Local weekdays on which it may show. */
  days: v.optional(v.pipe(v.array(Weekday), v.minLength(1))),
});

export const CapSchema = v.strictObject({
  /** At most this many impressions… */
  max: v.pipe(v.number(), v.integer(), v.minValue(1)),
  /** …per this many hours, per visitor. */
  periodHours: v.pipe(v.number(), v.minValue(0.01)),
  /** Count impressions of this variant, or of every variant of its campaign. */
  scope: v.optional(v.picklist(["variant", "campaign"]), "variant"),
});

/** 1 MiB per fragment: far under KV's 25 MiB value cap with room for many variants. */
export const MAX_FRAGMENT_BYTES = 1024 * 1024;

export const VariantSchema = v.strictObject({
  id: IdSchema,
  /** The HTML fragment that replaces the slot's inner content (sanitized at publish unless the slot is trusted). */
  html: v.pipe(v.string(), v.maxLength(MAX_FRAGMENT_BYTES)),
  /** Higher wins among eligible variants (before interest fit; see README "Scoring"). */
  priority: v.optional(v.number(), 0),
  audience: v.optional(RuleSchema),
  /** Topics this variant is about; matched against stated and inferred interests. */
  topics: v.optional(v.array(v.pipe(v.string(), v.maxLength(64))), []),
  /** Promotional content: subject to "fewer promotions" and post-conversion suppression. */
  promotional: v.optional(v.boolean(), false),
  campaign: v.optional(IdSchema),
  schedule: v.optional(ScheduleSchema),
  cap: v.optional(CapSchema),
  /** When this rule matches, the variant is suppressed whatever its audience says (timing as a treatment). */
  suppressWhen: v.optional(RuleSchema),
  /** Only reachable through an experiment arm, never by audience. */
  experimentOnly: v.optional(v.boolean(), false),
});

export const SlotSchema = v.strictObject({
  description: v.optional(v.string()),
  /** Fragments of a trusted slot skip the publish-time sanitizer (scripts allowed). */
  trusted: v.optional(v.boolean(), false),
  /**
   * The slot declared in content instead of the page's markup: the first element matching this
   * CSS selector (HTMLRewriter's subset, checked by src/match/slot-selector.ts) is the slot, as if
   * it carried `data-p13n-slot`.
   */
  selector: v.optional(
    v.pipe(
      v.string(),
      v.check(
        (s) => checkSelector(s) === undefined,
        (issue) => `not a usable slot selector: ${checkSelector(String(issue.input)) ?? "invalid"}`,
      ),
    ),
  ),
  variants: v.array(VariantSchema),
});

/** A conversion goal's name, as beacons send it (`p13n.track(name)`, `data-p13n-goal`). */
export const GoalNameSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, "a goal name: letters, digits, '_', '.', ':' or '-', at most 64"));

export const ArmSchema = v.strictObject({
  id: IdSchema,
  weight: v.pipe(v.number(), v.minValue(0)),
  /** For each slot of the experiment, the variant this arm shows; null keeps the default (a control arm). */
  variants: v.record(IdSchema, v.nullable(IdSchema)),
});

export const ExperimentSchema = v.strictObject({
  /** Slots it covers: one for A/B/n, several for a multivariate test. */
  slots: v.pipe(v.array(IdSchema), v.minLength(1)),
  status: v.optional(v.picklist(["running", "paused", "ended"]), "running"),
  /** Hash salt: change it to reshuffle assignment. */
  salt: v.pipe(v.string(), v.minLength(1)),
  /** Share of eligible visitors who enter, 0..1. */
  traffic: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1)), 1),
  /** Share of entrants held out (default content, measured), 0..1. */
  holdout: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1)), 0),
  /** Experiments in one layer are mutually exclusive. */
  layer: v.optional(IdSchema),
  audience: v.optional(RuleSchema),
  arms: v.pipe(v.array(ArmSchema), v.minLength(1)),
  /** Let the bandit reallocate weights (results issue). */
  bandit: v.optional(v.boolean(), false),
  /**
   * The conversion goal (a beacon's `goal`) the experiment is judged on: the report's lift and
   * probabilities, and what a bandit optimizes. Naming it declares it. Absent: the report shows
   * the counts and judges no winner (a bandit needs one).
   */
  goal: v.optional(GoalNameSchema),
});

/** Declared conversion goals, site-wide, at most: each adds rows to every experiment's results. */
export const MAX_DECLARED_GOALS = 50;

/** Maps a URL path pattern to a page category and topics (for interest scoring). */
export const PageMappingSchema = v.strictObject({
  pattern: v.string(),
  category: v.string(),
  topics: v.optional(v.array(v.string()), []),
});

/**
 * Suppression the product enforces on every `promotional: true` variant (cross-sell, offers),
 * on top of each variant's own `suppressWhen`: relevance over recognition.
 */
export const PolicySchema = v.strictObject({
  /** No promotion for this many hours after a conversion (0 turns it off). */
  quietHoursAfterConversion: v.optional(v.pipe(v.number(), v.minValue(0)), 24),
  /** No promotion while the visitor has an open service case. */
  serviceCaseSuppressesPromotions: v.optional(v.boolean(), true),
});

export const ManifestSchema = v.strictObject({
  schema: v.literal(1),
  version: IdSchema,
  publishedAt: IsoDate,
  /** Share of all visitors (0..1) kept out of every personalization, to measure uplift. */
  holdout: v.optional(v.strictObject({ share: v.pipe(v.number(), v.minValue(0), v.maxValue(1)), salt: v.string() })),
  segments: v.optional(v.record(IdSchema, RuleSchema), {}),
  experiments: v.optional(v.record(IdSchema, ExperimentSchema), {}),
  slots: v.record(IdSchema, SlotSchema),
  pages: v.optional(v.array(PageMappingSchema), []),
  /**
   * The conversion goals counted in experiment results, besides each experiment's own `goal`:
   * a beacon's conversion on any other goal is dropped (and counted as dropped). A cart
   * checkout counts as the goal `checkout` when it is declared.
   */
  goals: v.optional(v.pipe(v.array(GoalNameSchema), v.maxLength(MAX_DECLARED_GOALS, `at most ${MAX_DECLARED_GOALS} goals`))),
  /** Timing rules the engine enforces on promotional variants (defaults: 24 h quiet after a conversion; service case suppresses). */
  policy: v.optional(PolicySchema),
});

/** Claims of the site's profile cookie, after jose verified signature, exp, iat, iss and aud. */
export const ProfileClaimsSchema = v.object({
  sub: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
  tier: v.optional(v.pipe(v.string(), v.maxLength(64))),
  stage: v.optional(v.picklist(["new", "developing", "established"])),
  prefs: v.optional(
    v.object({
      topics: v.optional(v.pipe(v.array(v.pipe(v.string(), v.maxLength(64))), v.maxLength(50))),
      channels: v.optional(v.pipe(v.array(v.pipe(v.string(), v.maxLength(64))), v.maxLength(20))),
      frequency: v.optional(v.picklist(["fewer", "normal", "more"])),
    }),
  ),
  consent: v.optional(v.object({ personalize: v.optional(v.boolean()), track: v.optional(v.boolean()) })),
  attrs: v.optional(v.record(v.pipe(v.string(), v.maxLength(64)), Scalar)),
  exp: v.number(),
  iat: v.number(),
});
