/**
 * Next-best content: when several variants of a slot are eligible, the highest score wins
 * (ties: the one listed first in the slot).
 *
 *   score = 100·priority + 10·stated + 5·inferred + 1·recent
 *
 *   stated   = 1 when one of the variant's topics is in the visitor's stated prefs.topics, else 0
 *   inferred = the highest inferred interest (0..1, decayed to now) among the variant's topics
 *   recent   = min(1, most recent-window page views in one of the variant's topics ÷ 3)
 *
 * Why these weights: 5 + 1 < 10, so a stated preference outranks anything inferred
 * (the visitor's word beats our guess); 10 + 5 + 1 < 100, so one step of editor
 * priority outranks any fit. Without personalization consent, inferred and recent are 0
 * (behaviour); stated preferences still count (the visitor gave them to be used).
 */
import type { Profile, VisitorSnapshot } from "./types.ts";
import type { Facts } from "./attributes.ts";
import type { TopicMemo } from "./request-memo.ts";

export const SCORE_WEIGHTS = { priority: 100, stated: 10, inferred: 5, recent: 1 } as const;
/** Views in the recent window at which `recent` saturates. */
export const RECENT_VIEWS_SATURATION = 3;

/** The formula as text, for the README and explain output. */
export const SCORING_FORMULA =
  "score = 100·priority + 10·stated + 5·inferred + 1·recent, where stated = 1 when one of the variant's topics is in the visitor's stated prefs.topics (else 0), " +
  "inferred = the highest inferred interest (0..1, decayed to now) among the variant's topics, and recent = min(1, most recent-window page views in one of the variant's topics ÷ 3); " +
  "a stated preference outranks anything inferred (5 + 1 < 10) and one priority step outranks any fit (16 < 100); ties go to the variant listed first; " +
  "without personalization consent inferred and recent are 0.";

export interface ScoreParts {
  priority: number;
  stated: number;
  inferred: number;
  recent: number;
  score: number;
}

/**
 * Scores one variant for one visitor.
 *
 * @example
 * scoreVariant({ priority: 1, topics: ["yoga"] }, { topics: ["yoga"] }, { interests: { yoga: 0.4 } }, true);
 * // { priority: 1, stated: 1, inferred: 0.4, recent: 0, score: 112 }
 */
export function scoreVariant(
  variant: { priority: number; topics: readonly string[] },
  prefs: Profile["prefs"] | undefined,
  snapshot: VisitorSnapshot | null,
  personalize: boolean,
): ScoreParts {
  let stated = 0;
  let inferred = 0;
  let views = 0;
  const statedTopics = prefs?.topics;
  const interests = personalize ? snapshot?.interests : undefined;
  const recentViews = personalize ? snapshot?.recentViews : undefined;
  for (const t of variant.topics) {
    if (statedTopics !== undefined && statedTopics.includes(t)) stated = 1;
    if (interests !== undefined && Object.hasOwn(interests, t)) {
      const i = interests[t]!;
      if (i > inferred) inferred = Math.min(1, i);
    }
    if (recentViews !== undefined && Object.hasOwn(recentViews, t)) {
      const n = recentViews[t]!;
      if (n > views) views = n;
    }
  }
  const recent = Math.min(1, views / RECENT_VIEWS_SATURATION);
  const w = SCORE_WEIGHTS;
  const score = w.priority * variant.priority + w.stated * stated + w.inferred * inferred + w.recent * recent;
  return { priority: variant.priority, stated, inferred, recent, score };
}

/**
 * `scoreVariant(cv.v, f.prefs, f.snapshot, personalize).score` for a compiled variant, with
 * nothing allocated and each topic looked up once per request (`TopicMemo`, request-memo.ts):
 * the same comparisons in the same order, so the same number to the last bit
 * (test/node/engine/scoring.test.ts, test/node/engine/fast-pick.test.ts). Needs the memo of the
 * manifest `cv` was compiled in (decide.ts passes it to `makeFacts`).
 *
 * @example
 * scoreOf(cv, facts, true); // 112 for { priority: 1, topics: ["yoga"] }, stated yoga, interest 0.4
 */
export function scoreOf(cv: { readonly priority: number; readonly topicIds: readonly number[] }, f: Facts, personalize: boolean): number {
  let stated = 0;
  let inferred = 0;
  let views = 0;
  const t = f.memo.topics;
  const ids = cv.topicIds;
  for (let j = 0; j < ids.length; j++) {
    const k = ids[j]!;
    if (t.stamps[k] !== f.stamp) lookUpTopic(t, f, k, personalize);
    if (t.stated[k] === 1) stated = 1;
    // Absent is NaN: never greater, as scoreVariant never reaches an absent key.
    const i = t.interest[k]!;
    if (i > inferred) inferred = Math.min(1, i);
    const n = t.views[k]!;
    if (n > views) views = n;
  }
  const recent = Math.min(1, views / RECENT_VIEWS_SATURATION);
  const w = SCORE_WEIGHTS;
  return w.priority * cv.priority + w.stated * stated + w.inferred * inferred + w.recent * recent;
}

/** Topic `k`'s stated flag, inferred interest and recent views for this request, as scoreVariant reads them. */
function lookUpTopic(t: TopicMemo, f: Facts, k: number, personalize: boolean): void {
  const name = t.names[k]!;
  const interests = personalize ? f.snapshot?.interests : undefined;
  const recentViews = personalize ? f.snapshot?.recentViews : undefined;
  t.stamps[k] = f.stamp;
  t.stated[k] = f.prefs?.topics !== undefined && f.prefs.topics.includes(name) ? 1 : 0;
  t.interest[k] = interests !== undefined && Object.hasOwn(interests, name) ? interests[name]! : NaN;
  t.views[k] = recentViews !== undefined && Object.hasOwn(recentViews, name) ? recentViews[name]! : NaN;
}

/**
 * The highest score a variant can reach for any visitor: its priority plus the whole fit
 * (stated, inferred and recent at their maxima) when it has topics to fit.
 *
 * @example
 * maxScore({ priority: 2, topics: ["yoga"] }); // 216
 * maxScore({ priority: 2, topics: [] });       // 200
 */
export function maxScore(variant: { priority: number; topics: readonly string[] }): number {
  const w = SCORE_WEIGHTS;
  const fit = variant.topics.length > 0 ? 1 : 0;
  // The same operations as scoreVariant's sum, in the same order: floating-point addition is
  // monotonic, so no real score can round above this bound.
  return w.priority * variant.priority + w.stated * fit + w.inferred * fit + w.recent * fit;
}

/** "score 112 = 100·1 + 10·1 + 5·0.4 + 1·0" */
export function describeScore(p: ScoreParts): string {
  // Integers (the common case) skip the rounding: this runs for every outscored candidate.
  const r = (n: number) => (Number.isInteger(n) ? String(n) : String(Math.round(n * 1000) / 1000));
  return `score ${r(p.score)} = 100·${r(p.priority)} + 10·${r(p.stated)} + 5·${r(p.inferred)} + 1·${r(p.recent)}`;
}
