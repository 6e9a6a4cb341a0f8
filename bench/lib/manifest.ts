/**
 * The content the p13n worker reads from KV during the bench: a published manifest
 * (from `node cli/p13n.ts build --out`, when the CLI exists) or a bench manifest built
 * here, laid out as src/content/keys.ts says (pointer key → {version, updatedAt};
 * versionKey(v) → manifest JSON).
 *
 * @example
 * const m = benchManifest(["hero", "promo"], "2026-11-01T00:00:00Z");
 * const kv = kvEntries(m, POINTER_KEY, versionKey, now);
 */

export const DEFAULT_SLOTS = ["hero", "cross-sell", "newsletter", "promo", "footer"] as const;

interface BenchVariant {
  id: string;
  html: string;
  priority?: number;
  audience?: unknown;
}

/** Variant text roughly the size of a real hero/cross-sell fragment (a few hundred bytes). */
function fragment(slot: string, who: string): string {
  return (
    `<div class="p13n-${slot} p13n-${who}"><h2>${who === "gold" ? "Gold members" : who === "new" ? "Welcome" : "This week"}: ` +
    `${slot.replace(/-/g, " ")}</h2><p>Hand-picked running gear, lightweight layers and recovery essentials, ` +
    `with free returns and next-day delivery.</p><a class="cta" href="/collections/${slot}?src=p13n-${who}">Shop now</a></div>`
  );
}

/**
 * A manifest that satisfies src/engine/schema.ts: per slot a gold-tier variant (priority 10)
 * and a new-stage variant (5); `hero` and `promo` also carry an everyone-variant (0), so an
 * anonymous visitor gets 2 of 5 slots rewritten and a gold/new visitor all 5.
 */
export function benchManifest(slots: readonly string[], publishedAt: string, version = "bench-1"): Record<string, unknown> {
  const out: Record<string, { description: string; variants: BenchVariant[] }> = {};
  for (const slot of slots) {
    const variants: BenchVariant[] = [
      { id: `${slot}-gold`, html: fragment(slot, "gold"), priority: 10, audience: { attr: "profile.tier", eq: "gold" } },
      { id: `${slot}-new`, html: fragment(slot, "new"), priority: 5, audience: { attr: "profile.stage", eq: "new" } },
    ];
    if (slot === "hero" || slot === "promo") variants.push({ id: `${slot}-all`, html: fragment(slot, "all"), priority: 0 });
    out[slot] = { description: `bench slot ${slot}`, variants };
  }
  return { schema: 1, version, publishedAt, segments: {}, experiments: {}, slots: out, pages: [] };
}

/** KV map for the static KV service: the immutable version plus the pointer to it. */
export function kvEntries(
  manifest: { version: string },
  pointerKey: string,
  versionKey: (v: string) => string,
  updatedAt: string,
): Record<string, string> {
  return {
    [versionKey(manifest.version)]: JSON.stringify(manifest),
    [pointerKey]: JSON.stringify({ version: manifest.version, updatedAt }),
  };
}

/**
 * Slot ids to put on the pages: `count`, in the usual page order (hero first, footer last).
 * The manifest's own slots come first; when it has fewer, the rest are slots it has no
 * content for (they keep the origin's default: a realistic case too).
 */
export function slotIdsFor(manifest: { slots: Record<string, unknown> }, count = 5): string[] {
  const rank = (id: string) => {
    const i = DEFAULT_SLOTS.findIndex((d) => id === d || id.includes(d));
    return i < 0 ? DEFAULT_SLOTS.length : i;
  };
  const ids = Object.keys(manifest.slots).slice(0, count);
  for (const d of DEFAULT_SLOTS) if (ids.length < count && !ids.some((id) => rank(id) === rank(d))) ids.push(d);
  return ids.sort((a, b) => rank(a) - rank(b));
}
