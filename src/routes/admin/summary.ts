/**
 * A manifest as an editor reads it: each variant's audience, schedule and cap in
 * words (the engine's own `describeRule`), each experiment's arms with their share
 * of traffic. The console renders this; it never parses rules itself.
 *
 * @example
 * summarizeManifest(manifest).experiments[0]; // { id: "hero-test", status: "running", arms: [{ id: "a", share: 0.5, … }], … }
 */
import { describeRule } from "../../engine/explain.ts";
import type { Manifest } from "../../engine/types.ts";

export interface VariantSummary {
  id: string;
  html: string;
  priority: number;
  audience: string | null;
  suppressWhen: string | null;
  schedule: string | null;
  cap: string | null;
  topics: string[];
  promotional: boolean;
  experimentOnly: boolean;
}

export interface ExperimentSummary {
  id: string;
  status: string;
  slots: string[];
  layer: string | null;
  traffic: number;
  holdout: number;
  audience: string | null;
  bandit: boolean;
  arms: Array<{ id: string; weight: number; share: number; variants: Record<string, string | null> }>;
}

export interface ManifestSummary {
  version: string;
  publishedAt: string;
  slots: Array<{ id: string; description: string | null; trusted: boolean; variants: VariantSummary[] }>;
  experiments: ExperimentSummary[];
  segments: Array<{ id: string; rule: string }>;
  holdout: number;
}

export function summarizeManifest(m: Manifest): ManifestSummary {
  return {
    version: m.version,
    publishedAt: m.publishedAt,
    holdout: m.holdout?.share ?? 0,
    segments: Object.entries(m.segments ?? {}).map(([id, rule]) => ({ id, rule: describeRule(rule) })),
    slots: Object.entries(m.slots).map(([id, s]) => ({
      id,
      description: s.description ?? null,
      trusted: s.trusted ?? false,
      variants: s.variants.map((v) => ({
        id: v.id,
        html: v.html,
        priority: v.priority ?? 0,
        audience: v.audience ? describeRule(v.audience) : null,
        suppressWhen: v.suppressWhen ? describeRule(v.suppressWhen) : null,
        schedule: v.schedule ? scheduleText(v.schedule) : null,
        cap: v.cap ? `at most ${v.cap.max} per ${v.cap.periodHours} h (${v.cap.scope ?? "variant"})` : null,
        topics: v.topics ?? [],
        promotional: v.promotional ?? false,
        experimentOnly: v.experimentOnly ?? false,
      })),
    })),
    experiments: Object.entries(m.experiments ?? {}).map(([id, e]) => {
      const total = e.arms.reduce((n, a) => n + a.weight, 0);
      return {
        id,
        status: e.status ?? "running",
        slots: e.slots,
        layer: e.layer ?? null,
        traffic: e.traffic ?? 1,
        holdout: e.holdout ?? 0,
        audience: e.audience ? describeRule(e.audience) : null,
        bandit: e.bandit ?? false,
        arms: e.arms.map((a) => ({ id: a.id, weight: a.weight, share: total > 0 ? a.weight / total : 0, variants: a.variants })),
      };
    }),
  };
}

function scheduleText(s: NonNullable<Manifest["slots"][string]["variants"][number]["schedule"]>): string {
  const parts: string[] = [];
  if (s.start) parts.push(`from ${s.start}`);
  if (s.end) parts.push(`until ${s.end}`);
  if (s.hours) parts.push(`${s.hours[0]}:00–${s.hours[1]}:00 local`);
  if (s.days) parts.push(s.days.join(", "));
  return parts.join(", ");
}
