/**
 * Builders for engine tests: a valid manifest from a few lines, a request context,
 * a profile and a decide input with sensible defaults. Manifests are parsed with the
 * real schema, so fixtures cannot drift from what the CLI publishes.
 */
import * as v from "valibot";
import { ManifestSchema } from "../../../src/engine/schema.ts";
import type { RuleShape } from "../../../src/engine/schema.ts";
import type { DecideInput, Manifest, Profile, RequestContext, VisitorSnapshot } from "../../../src/engine/types.ts";

/** 2026-03-04T12:00:00Z, a Wednesday. */
export const NOW = Date.parse("2026-03-04T12:00:00Z");
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

type ManifestInput = v.InferInput<typeof ManifestSchema>;
type VariantInput = ManifestInput["slots"][string]["variants"][number];
type ExperimentInput = NonNullable<ManifestInput["experiments"]>[string];

/** A variant with html `<p>{id}</p>` unless given. */
export function variant(id: string, extra: Partial<VariantInput> = {}): VariantInput {
  return { id, html: `<p>${id}</p>`, ...extra };
}

/**
 * A parsed manifest. `slots` maps slot id → variants.
 *
 * @example
 * manifest({ slots: { hero: [variant("gold", { audience: { attr: "profile.tier", eq: "gold" } })] } })
 */
export function manifest(opts: {
  slots: Record<string, VariantInput[]>;
  segments?: Record<string, RuleShape>;
  experiments?: Record<string, ExperimentInput>;
  holdout?: { share: number; salt: string };
  policy?: ManifestInput["policy"];
  version?: string;
}): Manifest {
  const input: ManifestInput = {
    schema: 1,
    version: opts.version ?? "test-1",
    publishedAt: "2026-03-01T00:00:00Z",
    segments: opts.segments ?? {},
    experiments: opts.experiments ?? {},
    slots: Object.fromEntries(Object.entries(opts.slots).map(([id, variants]) => [id, { variants }])),
  };
  if (opts.holdout) input.holdout = opts.holdout;
  if (opts.policy) input.policy = opts.policy;
  return v.parse(ManifestSchema, input);
}

export function context(extra: Partial<RequestContext> = {}): RequestContext {
  return { path: "/", query: {}, utm: {}, device: "desktop", gpc: false, ...extra };
}

export function profile(extra: Partial<Profile> = {}): Profile {
  return { sub: "user-1", exp: NOW / 1000 + 3600, iat: NOW / 1000 - 60, ...extra };
}

/** A decide input: anonymous visitor "v-1", full consent, no snapshot, at NOW. */
export function input(m: Manifest, extra: Partial<DecideInput> = {}): DecideInput {
  return {
    manifest: m,
    profile: null,
    context: context(),
    snapshot: null,
    unitId: "v-1",
    consent: { personalize: true, track: true },
    now: NOW,
    ...extra,
  };
}

export function snapshot(extra: VisitorSnapshot = {}): VisitorSnapshot {
  return { visits: 3, ...extra };
}
