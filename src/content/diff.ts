/**
 * What publishing would change, in words an editor reads: slots, variants,
 * segments and experiments added, removed or changed (and which fields).
 * Compares the manifest documents as published (no defaults filled in). One diff for the CLI
 * (`p13n diff`), the admin API (the draft against the live version, a version against the live
 * one before a rollback, what changed under an editor's feet) and so the console.
 *
 * @example
 * diffManifests(live, draft);
 * // ["+ slot promo-banner (3 variants: a, b, c)", "~ slot home-hero: variant gold changed (html, priority)", "- experiment old-test"]
 */
import { canonicalJson } from "./canonical.ts";

type Doc = Record<string, unknown>;
type Entity = Record<string, unknown>;

const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);
const rec = (x: unknown): Record<string, unknown> => (x && typeof x === "object" && !Array.isArray(x) ? (x as Record<string, unknown>) : {});

function changedFields(a: Entity, b: Entity, skip: readonly string[] = []): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => !skip.includes(k) && !same(a[k], b[k])).sort();
}

function variantsOf(slot: unknown): Map<string, Entity> {
  const list = Array.isArray(rec(slot).variants) ? (rec(slot).variants as unknown[]) : [];
  return new Map(list.map((v) => [String(rec(v).id), rec(v)]));
}

export function diffManifests(before: Doc | null, after: Doc): string[] {
  const out: string[] = [];
  const slotsA = rec(before?.slots);
  const slotsB = rec(after.slots);
  for (const id of Object.keys(slotsB).sort()) {
    if (!Object.hasOwn(slotsA, id)) {
      const ids = [...variantsOf(slotsB[id]).keys()];
      out.push(`+ slot ${id} (${ids.length} variant${ids.length === 1 ? "" : "s"}${ids.length ? `: ${ids.join(", ")}` : ""})`);
      continue;
    }
    const a = rec(slotsA[id]);
    const b = rec(slotsB[id]);
    for (const f of changedFields(a, b, ["variants"])) out.push(`~ slot ${id}: ${f} ${JSON.stringify(a[f] ?? null)} → ${JSON.stringify(b[f] ?? null)}`);
    const va = variantsOf(a);
    const vb = variantsOf(b);
    for (const [vid, v] of vb) {
      const old = va.get(vid);
      if (!old) out.push(`+ slot ${id}: variant ${vid}`);
      else {
        const fields = changedFields(old, v);
        if (fields.length) out.push(`~ slot ${id}: variant ${vid} changed (${fields.join(", ")})`);
      }
    }
    for (const vid of va.keys()) if (!vb.has(vid)) out.push(`- slot ${id}: variant ${vid}`);
    if (va.size === vb.size && [...va.keys()].join() !== [...vb.keys()].join() && [...va.keys()].every((k) => vb.has(k))) out.push(`~ slot ${id}: variant order changed (ties are won by the first listed)`);
  }
  for (const id of Object.keys(slotsA).sort()) if (!Object.hasOwn(slotsB, id)) out.push(`- slot ${id} (the page keeps its default content)`);

  for (const kind of ["segments", "experiments"] as const) {
    const a = rec(before?.[kind]);
    const b = rec(after[kind]);
    const noun = kind.slice(0, -1);
    for (const id of Object.keys(b).sort()) {
      if (!Object.hasOwn(a, id)) out.push(`+ ${noun} ${id}`);
      else if (!same(a[id], b[id])) out.push(`~ ${noun} ${id} changed (${changedFields(rec(a[id]), rec(b[id])).join(", ") || "rule"})`);
    }
    for (const id of Object.keys(a).sort()) if (!Object.hasOwn(b, id)) out.push(`- ${noun} ${id}`);
  }
  for (const f of ["holdout", "goals", "pages", "policy"]) {
    if (!same(before?.[f] ?? null, after[f] ?? null)) out.push(`~ site ${f} changed`);
  }
  return out;
}
