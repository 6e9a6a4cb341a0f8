/**
 * Publish-time checks of a schema-valid manifest that the schema alone cannot make:
 * rules (attributes, segments, depth, types), references between slots, variants and
 * experiments, schedules and caps, and fragments' placeholders (what they name, where they stand). Each issue carries a JSON path into the manifest so
 * the CLI can name file, line and field.
 */
import type { Experiment, Manifest, Variant } from "./types.ts";
import { validateRule, type RuleIssue } from "./rule-validator.ts";
import { ATTRIBUTES } from "./attributes.ts";
import { closest } from "./did-you-mean.ts";
import { placeholderIssues, placeholderNames } from "./placeholders.ts";

export interface ManifestIssue {
  code: RuleIssue["code"] | "duplicate-id" | "schedule" | "cap" | "unknown-slot" | "unknown-variant" | "arm-slot" | "weights" | "experiment-overlap" | "unreachable" | "goal" | "placeholder" | "selector";
  /** Errors block publishing; warnings are shown. */
  severity: "error" | "warning";
  path: (string | number)[];
  message: string;
  /** A placeholder problem: where in the fragment (`path` ends in "html"), and the placeholder as written. */
  offset?: number;
  placeholder?: string;
}

/**
 * Every problem found, errors first in manifest order; an empty list means publishable.
 *
 * @example
 * validateManifest(manifest);
 * // [{ code: "unknown-segment", severity: "error", path: ["slots", "hero", "variants", 0, "audience", "segment"], message: "unknown segment 'gld' (did you mean gold?)" }]
 */
export function validateManifest(manifest: Manifest): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  const segments = manifest.segments ?? {};
  const rule: RuleCheck = (r, path) => {
    for (const i of validateRule(r, { segments, path })) issues.push({ ...i, severity: "error" });
  };

  for (const [id, r] of Object.entries(segments)) rule(r, ["segments", id]);

  const running = Object.entries(manifest.experiments ?? {}).filter(([, e]) => (e.status ?? "running") !== "ended");
  const armTargets = new Set<string>();
  for (const [, e] of running) for (const arm of e.arms) for (const [slot, variant] of Object.entries(arm.variants)) if (variant !== null) armTargets.add(`${slot}/${variant}`);

  checkSelectors(manifest, issues);
  for (const [slotId, slot] of Object.entries(manifest.slots)) {
    const seen = new Set<string>();
    slot.variants.forEach((v, i) => {
      const path = ["slots", slotId, "variants", i];
      if (seen.has(v.id)) issues.push({ code: "duplicate-id", severity: "error", path: [...path, "id"], message: `variant id '${v.id}' appears twice in slot ${slotId}` });
      seen.add(v.id);
      checkVariant(v, path, rule, issues);
      issues.push(...fragmentIssues(v.html, [...path, "html"]));
      if (v.experimentOnly && !armTargets.has(`${slotId}/${v.id}`)) {
        issues.push({ code: "unreachable", severity: "warning", path: [...path, "experimentOnly"], message: `experiment-only variant ${v.id} is in no running experiment's arm: never shown` });
      }
    });
  }

  const owner = new Map<string, { id: string; layer: string | undefined }>();
  for (const [id, e] of running) {
    const path = ["experiments", id];
    if (e.audience) rule(e.audience, [...path, "audience"]);
    checkExperimentSlots(manifest, id, e, owner, issues);
    if (e.bandit && e.goal === undefined) {
      issues.push({ code: "goal", severity: "error", path: [...path, "bandit"], message: "a bandit optimizes a goal: name it with 'goal:' (a goal taken from the data could be chosen by whoever sends conversions)" });
    }
    if (!e.arms.some((a) => a.weight > 0)) issues.push({ code: "weights", severity: "error", path: [...path, "arms"], message: "no arm has a positive weight" });
    checkArms(manifest, id, e, issues);
  }

  return issues.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1));
}

type Path = (string | number)[];

const PLACEHOLDER_NAMES = placeholderNames(ATTRIBUTES.map((a) => a.name));

/** A fragment's placeholder problems (placeholders.ts), at its path in the manifest. */
function fragmentIssues(html: string, path: Path): ManifestIssue[] {
  return placeholderIssues(html, (name) => closest(name, PLACEHOLDER_NAMES)).map((i) => ({
    code: "placeholder",
    severity: i.severity,
    path,
    message: i.message,
    offset: i.offset,
    placeholder: i.placeholder,
  }));
}

/**
 * Placeholder errors only, of every fragment: what publishing checks again on the fragments
 * as the sanitizer rewrote them (what is stored is what is filled).
 *
 * @example
 * placeholderErrors(sanitizedManifest); // [] when every placeholder may be filled where it stands
 */
export function placeholderErrors(manifest: Pick<Manifest, "slots">): ManifestIssue[] {
  const out: ManifestIssue[] = [];
  for (const [slotId, slot] of Object.entries(manifest.slots)) {
    slot.variants.forEach((v, i) => {
      for (const issue of fragmentIssues(v.html, ["slots", slotId, "variants", i, "html"])) if (issue.severity === "error") out.push(issue);
    });
  }
  return out;
}

type RuleCheck = (r: Parameters<typeof validateRule>[0], path: Path) => void;

/** A variant's rules, schedule and cap. */
function checkVariant(v: Variant, path: Path, rule: RuleCheck, issues: ManifestIssue[]): void {
  if (v.audience) rule(v.audience, [...path, "audience"]);
  if (v.suppressWhen) rule(v.suppressWhen, [...path, "suppressWhen"]);
  const s = v.schedule;
  if (s?.start !== undefined && s.end !== undefined && Date.parse(s.start) >= Date.parse(s.end)) {
    issues.push({ code: "schedule", severity: "error", path: [...path, "schedule", "end"], message: `end ${s.end} is not after start ${s.start}: never shown` });
  }
  if (s?.hours && s.hours[0] === s.hours[1]) {
    issues.push({ code: "schedule", severity: "error", path: [...path, "schedule", "hours"], message: `hours [${s.hours[0]}, ${s.hours[1]}) is empty: use [0, 24] for all day` });
  }
  if (v.cap?.scope === "campaign" && v.campaign === undefined) {
    issues.push({ code: "cap", severity: "error", path: [...path, "cap", "scope"], message: "a campaign cap needs the variant's campaign" });
  }
}

/**
 * Two slots with one selector would take one element (the first of them in the manifest fills it, the
 * other never shows): refused. (Each selector's own syntax is the schema's check.)
 */
function checkSelectors(manifest: Manifest, issues: ManifestIssue[]): void {
  const bySelector = new Map<string, string>();
  for (const [slotId, slot] of Object.entries(manifest.slots)) {
    if (slot.selector === undefined) continue;
    const same = slot.selector.trim().replace(/\s+/g, " ");
    const other = bySelector.get(same);
    if (other !== undefined) {
      issues.push({ code: "selector", severity: "error", path: ["slots", slotId, "selector"], message: `slot ${slotId} has the selector of slot ${other} ('${same}'): one element is one slot, so ${slotId} would never show` });
    } else {
      bySelector.set(same, slotId);
    }
  }
}

/** An experiment's slots exist, and a slot shared with an earlier experiment is in the same layer (`owner` remembers). */
function checkExperimentSlots(manifest: Manifest, id: string, e: Experiment, owner: Map<string, { id: string; layer: string | undefined }>, issues: ManifestIssue[]): void {
  e.slots.forEach((slotId, i) => {
    const path = ["experiments", id, "slots", i];
    if (!Object.hasOwn(manifest.slots, slotId)) issues.push({ code: "unknown-slot", severity: "error", path, message: `unknown slot '${slotId}'` });
    const prev = owner.get(slotId);
    if (prev && (prev.layer === undefined || prev.layer !== e.layer)) {
      issues.push({
        code: "experiment-overlap",
        severity: "warning",
        path,
        message: `slot ${slotId} is also in experiment ${prev.id} and they share no layer: a visitor in both sees only ${prev.id < id ? prev.id : id}; put them in one layer`,
      });
    }
    owner.set(slotId, { id, layer: e.layer });
  });
}

/** Arm ids are unique, and each arm's variants are in the experiment's slots and exist there. */
function checkArms(manifest: Manifest, id: string, e: Experiment, issues: ManifestIssue[]): void {
  const path = ["experiments", id];
  const armIds = new Set<string>();
  e.arms.forEach((arm, a) => {
    if (armIds.has(arm.id)) issues.push({ code: "duplicate-id", severity: "error", path: [...path, "arms", a, "id"], message: `arm id '${arm.id}' appears twice` });
    armIds.add(arm.id);
    for (const [slotId, variantId] of Object.entries(arm.variants)) {
      const vpath = [...path, "arms", a, "variants", slotId];
      if (!e.slots.includes(slotId)) {
        issues.push({ code: "arm-slot", severity: "error", path: vpath, message: `slot ${slotId} is not one of the experiment's slots (${e.slots.join(", ")})` });
        continue;
      }
      const slot = Object.hasOwn(manifest.slots, slotId) ? manifest.slots[slotId] : undefined;
      if (variantId !== null && slot && !slot.variants.some((v) => v.id === variantId)) {
        issues.push({ code: "unknown-variant", severity: "error", path: vpath, message: `slot ${slotId} has no variant '${variantId}'` });
      }
    }
  });
}
