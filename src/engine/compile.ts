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
import { maxScore } from "./scoring.ts";
import { compileCap, type CompiledCap } from "./caps.ts";
import { RequestMemo } from "./request-memo.ts";
import { saltState } from "./hash.ts";

export interface CompiledVariant {
  readonly v: Variant;
  /**
   * What the hot path reads of `v`, copied into this one shape: variants from the manifest come
   * in many shapes (optional fields present or not), and reading them is a megamorphic lookup.
   */
  readonly id: string;
  readonly priority: number;
  readonly promotional: boolean;
  readonly html: string;
  readonly slot: string;
  readonly audience: CompiledRule | undefined;
  readonly audienceText: string | undefined;
  readonly suppress: CompiledRule | undefined;
  readonly suppressText: string | undefined;
  readonly schedule: CompiledSchedule | undefined;
  readonly cap: CompiledCap | undefined;
  /** The variant's topics by their index in the manifest's topic list (`RequestMemo.topics`). */
  readonly topicIds: readonly number[];
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
  /** Hash states after its salts (hash.ts `saltState`): `salt`, `layer:<layer>` (0 outside a layer), `<salt>:traffic`. */
  readonly hash: { readonly bucket: number; readonly layer: number; readonly traffic: number };
}

/** The manifest's global holdout, its salt hashed once (hash.ts `saltState`). */
export interface CompiledHoldout {
  readonly share: number;
  readonly saltState: number;
}

export interface CompiledSlot {
  readonly id: string;
  readonly variants: readonly CompiledVariant[];
  readonly byId: ReadonlyMap<string, CompiledVariant>;
  /** Running experiments covering this slot, in id order (the first a visitor enters claims it). */
  readonly experiments: readonly CompiledExperiment[];
  /** The slot's scored candidates (no experiment-only variant), best priority first: see `Ranked`. */
  readonly ranked: Ranked;
  /** The same, non-promotional only and promotional only (a visitor who asked for fewer promotions). */
  readonly rankedPlain: Ranked;
  readonly rankedPromo: Ranked;
}

/**
 * Candidates ordered by priority (highest first; listing order within a priority), for the
 * pick that stops early (decide.ts `pick`): a variant's score is 100·priority plus a fit of at
 * most 16 (scoring.ts), so once the best eligible score so far exceeds `restBound[i]`, no
 * candidate from i on can win, nor tie (ties go to the variant listed first, `index`).
 */
export interface Ranked {
  readonly candidates: readonly CompiledVariant[];
  /** Each candidate's position in the slot's listing (the tie-break). */
  readonly index: readonly number[];
  /** The highest score any candidate from i on can reach. */
  readonly restBound: readonly number[];
  /** The highest score candidate i itself can reach (`maxScore`). */
  readonly bound: readonly number[];
  /**
   * Candidate i's audience as the walk pre-checks it without touching the variant: its memo slot
   * (`CompiledRule.memo`, ≥ 0) whose known "no" skips it, or -1 (no memoized audience to pre-check);
   * `personal[i]` 1 when that audience needs personalization consent.
   */
  readonly audienceMemo: Int32Array;
  readonly personal: Uint8Array;
}

export interface CompiledPolicy {
  quietHoursAfterConversion: number;
  serviceCaseSuppressesPromotions: boolean;
}

export interface CompiledManifest {
  readonly slots: ReadonlyMap<string, CompiledSlot>;
  readonly slotIds: readonly string[];
  /** The same slots, compiled, in the same order. */
  readonly slotList: readonly CompiledSlot[];
  /** Running experiments in id order. */
  readonly experiments: readonly CompiledExperiment[];
  readonly policy: CompiledPolicy;
  readonly holdout: CompiledHoldout | undefined;
  /** The memo every request on this manifest uses (request-memo.ts): shared rules, impressions counted per cap key and period. */
  readonly memo: RequestMemo;
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
  const memo = { segments, caps: new Interner(), topics: new Interner() };

  for (const [slotId, slot] of Object.entries(manifest.slots)) {
    const variants = slot.variants.map((v) => compileVariant(v, slotId, memo));
    const byId = new Map<string, CompiledVariant>();
    // First definition wins on duplicate ids (validation reports duplicates).
    for (const cv of variants) if (!byId.has(cv.v.id)) byId.set(cv.v.id, cv);
    const scored = variants.filter((cv) => !cv.v.experimentOnly);
    slots.set(slotId, {
      id: slotId,
      variants,
      byId,
      experiments: experiments.filter((x) => x.e.slots.includes(slotId)),
      ranked: rank(variants, scored),
      rankedPlain: rank(variants, scored.filter((cv) => !cv.v.promotional)),
      rankedPromo: rank(variants, scored.filter((cv) => cv.v.promotional)),
    });
  }

  return {
    slots,
    slotIds: [...slots.keys()],
    slotList: [...slots.values()],
    experiments,
    policy: {
      quietHoursAfterConversion: manifest.policy?.quietHoursAfterConversion ?? 24,
      serviceCaseSuppressesPromotions: manifest.policy?.serviceCaseSuppressesPromotions ?? true,
    },
    holdout: manifest.holdout ? { share: manifest.holdout.share, saltState: saltState(manifest.holdout.salt) } : undefined,
    memo: new RequestMemo(segments.size, memo.caps.size, memo.topics.keys()),
  };
}

/** Hands each distinct key the next index (memo slots for cap counts and topics). */
class Interner {
  readonly #ids = new Map<string, number>();

  id(key: string): number {
    let i = this.#ids.get(key);
    if (i === undefined) this.#ids.set(key, (i = this.#ids.size));
    return i;
  }

  get size(): number {
    return this.#ids.size;
  }

  keys(): string[] {
    return [...this.#ids.keys()];
  }
}

function compileVariant(v: Variant, slotId: string, memo: { segments: SegmentTable; caps: Interner; topics: Interner }): CompiledVariant {
  return {
    v,
    id: v.id,
    priority: v.priority,
    promotional: v.promotional === true,
    html: v.html,
    slot: slotId,
    audience: v.audience ? compileRule(v.audience, memo.segments) : undefined,
    audienceText: v.audience ? describeRule(v.audience) : undefined,
    suppress: v.suppressWhen ? compileRule(v.suppressWhen, memo.segments) : undefined,
    suppressText: v.suppressWhen ? describeRule(v.suppressWhen) : undefined,
    schedule: v.schedule ? compileSchedule(v.schedule) : undefined,
    // Counted once per request per key and period (a campaign's variants share one count).
    cap: v.cap ? compileCap(v.cap, slotId, v.id, v.campaign, (key, periodHours) => memo.caps.id(`${periodHours} ${key}`)) : undefined,
    topicIds: v.topics.map((t) => memo.topics.id(t)),
    template: compileTemplate(v.html),
  };
}

/** Orders candidates by priority and bounds what each suffix can score (see `Ranked`). */
function rank(all: readonly CompiledVariant[], some: readonly CompiledVariant[]): Ranked {
  const order = some.map((cv) => ({ cv, index: all.indexOf(cv) }));
  // Array.prototype.sort is stable: listing order stays within a priority.
  order.sort((a, b) => b.cv.v.priority - a.cv.v.priority);
  const bound = order.map((o) => maxScore(o.cv.v));
  const restBound = new Array<number>(order.length);
  let max = -Infinity;
  for (let i = order.length - 1; i >= 0; i--) {
    max = Math.max(max, bound[i]!);
    restBound[i] = max;
  }
  const audienceMemo = Int32Array.from(order, (o) => o.cv.audience?.memo ?? -1);
  const personal = Uint8Array.from(order, (o) => (o.cv.audience?.personal ? 1 : 0));
  return { candidates: order.map((o) => o.cv), index: order.map((o) => o.index), restBound, bound, audienceMemo, personal };
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
    const hash = { bucket: saltState(e.salt), layer: e.layer !== undefined ? saltState(`layer:${e.layer}`) : 0, traffic: saltState(`${e.salt}:traffic`) };
    out.push({ id, e, audience: e.audience ? compileRule(e.audience, segments) : undefined, layerRange, hash });
  }
  return out;
}
