/**
 * A manifest compiled once for the engine: rules as closures, regexes built, schedules
 * parsed, experiments indexed by slot and layer. Cached per manifest object (published
 * manifests are immutable), so the per-request work is evaluation only.
 */
import type { Experiment, Manifest, Variant } from "./types.ts";
import { compileRule, SegmentTable, type CompiledRule } from "./rule-compiler.ts";
import { compileSchedule, type CompiledSchedule } from "./timing.ts";
import { describeRule } from "./explain.ts";
import { compileTemplate, type CompiledTemplate } from "./placeholders.ts";

export interface CompiledVariant {
  readonly v: Variant;
  readonly slot: string;
  readonly audience: CompiledRule | undefined;
  readonly audienceText: string | undefined;
  readonly suppress: CompiledRule | undefined;
  readonly suppressText: string | undefined;
  readonly schedule: CompiledSchedule | undefined;
  /**
   * The fragment split at its placeholders, filled per visitor at decision time; undefined when it
   * has none. A variant with one is per-visitor HTML: never cache its filled fragment across visitors.
   */
  readonly template: CompiledTemplate | undefined;
}

export interface CompiledExperiment {
  readonly id: string;
  readonly e: Experiment;
  readonly audience: CompiledRule | undefined;
  /** Share of the layer [from, to) in buckets, when the experiment is in a layer. */
  readonly layerRange: readonly [number, number] | undefined;
}

export interface CompiledSlot {
  readonly id: string;
  readonly variants: readonly CompiledVariant[];
  readonly byId: ReadonlyMap<string, CompiledVariant>;
  /** Running experiments covering this slot, in id order (the first a visitor enters claims it). */
  readonly experiments: readonly CompiledExperiment[];
}

export interface CompiledPolicy {
  quietHoursAfterConversion: number;
  serviceCaseSuppressesPromotions: boolean;
}

export interface CompiledManifest {
  readonly slots: ReadonlyMap<string, CompiledSlot>;
  readonly slotIds: readonly string[];
  /** Running experiments in id order. */
  readonly experiments: readonly CompiledExperiment[];
  readonly policy: CompiledPolicy;
}

const CACHE = new WeakMap<Manifest, CompiledManifest>();

/**
 * Compiles a manifest, or returns the compiled form of the same object.
 *
 * @example
 * const m = compileManifest(manifest); // first call compiles; later calls with the same object are a lookup
 */
export function compileManifest(manifest: Manifest): CompiledManifest {
  const hit = CACHE.get(manifest);
  if (hit) return hit;
  const compiled = build(manifest);
  CACHE.set(manifest, compiled);
  return compiled;
}

function build(manifest: Manifest): CompiledManifest {
  const segments = new SegmentTable(manifest.segments ?? {});
  const slots = new Map<string, CompiledSlot>();
  const experiments = compileExperiments(manifest, segments);

  for (const [slotId, slot] of Object.entries(manifest.slots)) {
    const variants = slot.variants.map((v): CompiledVariant => ({
      v,
      slot: slotId,
      audience: v.audience ? compileRule(v.audience, segments) : undefined,
      audienceText: v.audience ? describeRule(v.audience) : undefined,
      suppress: v.suppressWhen ? compileRule(v.suppressWhen, segments) : undefined,
      suppressText: v.suppressWhen ? describeRule(v.suppressWhen) : undefined,
      schedule: v.schedule ? compileSchedule(v.schedule) : undefined,
      template: compileTemplate(v.html),
    }));
    const byId = new Map<string, CompiledVariant>();
    // First definition wins on duplicate ids (validation reports duplicates).
    for (const cv of variants) if (!byId.has(cv.v.id)) byId.set(cv.v.id, cv);
    slots.set(slotId, { id: slotId, variants, byId, experiments: experiments.filter((x) => x.e.slots.includes(slotId)) });
  }

  return {
    slots,
    slotIds: [...slots.keys()],
    experiments,
    policy: {
      quietHoursAfterConversion: manifest.policy?.quietHoursAfterConversion ?? 24,
      serviceCaseSuppressesPromotions: manifest.policy?.serviceCaseSuppressesPromotions ?? true,
    },
  };
}

function compileExperiments(manifest: Manifest, segments: SegmentTable): CompiledExperiment[] {
  const entries = Object.entries(manifest.experiments ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // Layer shares: every experiment in a layer that is not ended keeps an equal range, so
  // pausing one does not reshuffle the others' visitors.
  const layerMembers = new Map<string, string[]>();
  for (const [id, e] of entries) {
    if (e.layer !== undefined && e.status !== "ended") {
      const list = layerMembers.get(e.layer) ?? [];
      list.push(id);
      layerMembers.set(e.layer, list);
    }
  }
  const out: CompiledExperiment[] = [];
  for (const [id, e] of entries) {
    if ((e.status ?? "running") !== "running") continue;
    let layerRange: [number, number] | undefined;
    if (e.layer !== undefined) {
      const members = layerMembers.get(e.layer)!;
      const i = members.indexOf(id);
      layerRange = [Math.floor((i * 10_000) / members.length), Math.floor(((i + 1) * 10_000) / members.length)];
    }
    out.push({ id, e, audience: e.audience ? compileRule(e.audience, segments) : undefined, layerRange });
  }
  return out;
}
