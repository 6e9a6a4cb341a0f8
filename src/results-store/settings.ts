/**
 * The bandit's configuration (wrangler.toml [vars]), parsed once per env like `getConfig`;
 * kept apart from it so the page path's config carries nothing only the scheduler needs.
 *
 * @example
 * const { periodMs, minShare } = resultsSettings(env);
 */
import * as v from "valibot";
import { parseEnv } from "../config.ts";

export interface ResultsSettings {
  /** Weights stay fixed this long (BANDIT_PERIOD_MINUTES): a visitor keeps their arm within a period. */
  periodMs: number;
  /** Every arm's share at least this (BANDIT_MIN_SHARE), so exploration and the control never stop. */
  minShare: number;
}

const number = (fallback: number, min: number, max: number, integer: boolean) =>
  v.pipe(
    v.optional(v.string(), ""),
    v.transform((s) => (s.trim() === "" ? fallback : Number(s))),
    v.number("must be a number"),
    v.check((n) => !integer || Number.isInteger(n), "must be a whole number"),
    v.minValue(min),
    v.maxValue(max),
  );

const Schema = v.object({
  BANDIT_PERIOD_MINUTES: number(60, 1, 10_080, true),
  BANDIT_MIN_SHARE: number(0.05, 0, 0.5, false),
});

const cache = new WeakMap<object, ResultsSettings>();

/** Throws CONFIG_INVALID naming the variable. */
export function resultsSettings(env: object): ResultsSettings {
  const hit = cache.get(env);
  if (hit) return hit;
  const e = parseEnv(Schema, env);
  const settings = { periodMs: e.BANDIT_PERIOD_MINUTES * 60_000, minShare: e.BANDIT_MIN_SHARE };
  cache.set(env, settings);
  return settings;
}
