/**
 * Applies the fragment sanitizer to every variant of every slot that is not
 * `trusted`, on a manifest document as published (the admin API and the CLI
 * both call this just before writing a version).
 *
 * @example
 * const { document, removed } = sanitizeManifest(doc);
 * for (const r of removed) console.warn(`${r.slot}/${r.variant}: ${r.message}`);
 */
import { sanitizeFragment, type Removal } from "./sanitize.ts";

export interface FragmentRemoval extends Removal {
  slot: string;
  variant: string;
  /** JSON path of the fragment in the manifest: ["slots", slot, "variants", i, "html"]. */
  path: (string | number)[];
}

/**
 * Returns a copy with sanitized fragments (the input is not changed) and what was removed.
 * Anything that is not shaped like slots/variants/html is left for the schema to refuse.
 */
export function sanitizeManifest<T extends object>(doc: T): { document: T; removed: FragmentRemoval[] } {
  const removed: FragmentRemoval[] = [];
  const input = (doc as { slots?: unknown }).slots;
  if (!isRecord(input)) return { document: doc, removed };
  const slots: Record<string, unknown> = {};
  for (const [slotId, slot] of Object.entries(input)) {
    if (!isRecord(slot) || slot.trusted === true || !Array.isArray(slot.variants)) {
      slots[slotId] = slot;
      continue;
    }
    const variants = slot.variants.map((variant: unknown, i: number) => {
      if (!isRecord(variant) || typeof variant.html !== "string") return variant;
      const r = sanitizeFragment(variant.html);
      const id = typeof variant.id === "string" ? variant.id : String(i);
      for (const x of r.removed) removed.push({ ...x, slot: slotId, variant: id, path: ["slots", slotId, "variants", i, "html"] });
      return r.html === variant.html ? variant : { ...variant, html: r.html };
    });
    slots[slotId] = { ...slot, variants };
  }
  return { document: { ...doc, slots }, removed };
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}
