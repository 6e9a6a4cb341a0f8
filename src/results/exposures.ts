/**
 * Which experiments a page exposed the visitor to, for the results: an experiment counts
 * when one of its slots was on the page (rendered, or found and left at its default — the
 * control arm and the holdout are exposures too, or the arms could never be compared), and
 * the global holdout split counts on every decided page. Pure: decisions and the rewrite's
 * report in, exposures out.
 */
import { compileManifest } from "../engine/compile.ts";
import { weightsInForce } from "../engine/experiments.ts";
import type { DecideResult, Manifest } from "../engine/types.ts";
import { GLOBAL_ARMS, GLOBAL_EXPERIMENT, type Exposure } from "./tally.ts";

/** The slots the page carried (the rewrite's report: rendered and skipped alike). */
export interface SlotsOnPage {
  rendered: ReadonlyArray<{ slot: string }>;
  skipped: ReadonlyArray<{ slot: string }>;
}

/**
 * Each category's share of an experiment's entrants: "holdout" the experiment's holdout,
 * each arm (1 − holdout)·wᵢ/Σw with the weights in force (learned for a bandit).
 *
 * @example
 * experimentShares(manifest, "hero-test", undefined); // { holdout: 0.1, control: 0.45, b: 0.45 }
 */
export function experimentShares(manifest: Manifest, experiment: string, allocation: Record<string, Record<string, number>> | undefined): Record<string, number> {
  const x = compileManifest(manifest).experiments.find((e) => e.id === experiment);
  if (!x) return {};
  const { weights } = weightsInForce(x, allocation);
  let total = 0;
  for (const w of weights) total += w;
  const holdout = x.e.holdout ?? 0;
  const shares: Record<string, number> = {};
  if (holdout > 0) shares[GLOBAL_ARMS.holdout] = holdout;
  x.e.arms.forEach((a, i) => {
    shares[a.id] = total > 0 ? ((1 - holdout) * weights[i]!) / total : 0;
  });
  return shares;
}

/**
 * The exposures of one page view.
 *
 * @example
 * pageExposures(result, report, manifest, allocation);
 * // [{ experiment: "(global)", arm: "personalized", … }, { experiment: "hero-test", arm: "control", slots: ["home-hero"], shares: { control: 0.5, b: 0.5 } }]
 */
export function pageExposures(
  result: DecideResult | null,
  page: SlotsOnPage | null,
  manifest: Manifest | null,
  allocation: Record<string, Record<string, number>> | undefined,
): Exposure[] {
  if (!result || !manifest) return [];
  const out: Exposure[] = [];
  const global = manifest.holdout;
  if (global && global.share > 0 && global.share < 1) {
    out.push({
      experiment: GLOBAL_EXPERIMENT,
      arm: result.holdout ? GLOBAL_ARMS.holdout : GLOBAL_ARMS.personalized,
      slots: [],
      shares: { [GLOBAL_ARMS.personalized]: 1 - global.share, [GLOBAL_ARMS.holdout]: global.share },
    });
  }
  if (!page || result.holdout) return out;
  const onPage = new Set<string>();
  for (const r of page.rendered) onPage.add(r.slot);
  for (const s of page.skipped) onPage.add(s.slot);
  const seen = new Set<string>();
  for (const d of result.decisions) {
    const a = d.experiment;
    if (!a || seen.has(a.id) || !onPage.has(d.slot)) continue;
    seen.add(a.id);
    const e = Object.hasOwn(manifest.experiments ?? {}, a.id) ? manifest.experiments![a.id] : undefined;
    if (!e) continue;
    out.push({ experiment: a.id, arm: a.arm, slots: [...e.slots], shares: experimentShares(manifest, a.id, allocation) });
  }
  return out;
}

/**
 * The exposures a first page's token claims (src/results/exposure-token.ts), as the live content
 * counts them: an experiment that is gone, or an arm it no longer has, is dropped; shares are those
 * in force now.
 *
 * @example
 * claimedExposures([{ experiment: "hero-test", arm: "bold" }], manifest, allocation);
 * // [{ experiment: "hero-test", arm: "bold", slots: ["home-hero"], shares: { holdout: 0.1, control: 0.45, bold: 0.45 } }]
 */
export function claimedExposures(
  claims: ReadonlyArray<{ experiment: string; arm: string }>,
  manifest: Manifest | null,
  allocation: Record<string, Record<string, number>> | undefined,
): Exposure[] {
  if (!manifest) return [];
  const out: Exposure[] = [];
  for (const { experiment, arm } of claims) {
    if (experiment === GLOBAL_EXPERIMENT) {
      const global = manifest.holdout;
      if (!global || !(global.share > 0 && global.share < 1) || (arm !== GLOBAL_ARMS.personalized && arm !== GLOBAL_ARMS.holdout)) continue;
      out.push({ experiment, arm, slots: [], shares: { [GLOBAL_ARMS.personalized]: 1 - global.share, [GLOBAL_ARMS.holdout]: global.share } });
      continue;
    }
    const e = Object.hasOwn(manifest.experiments ?? {}, experiment) ? manifest.experiments![experiment] : undefined;
    if (!e) continue;
    const shares = experimentShares(manifest, experiment, allocation);
    if (!Object.hasOwn(shares, arm)) continue;
    out.push({ experiment, arm, slots: [...e.slots], shares });
  }
  return out;
}
