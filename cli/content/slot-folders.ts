/**
 * The `slots/` folder: one folder per slot, holding `slot.yaml` (description, trusted, selector) and
 * one `<variant>.yaml` (metadata) + `<variant>.html` (fragment) pair per variant. Reads them
 * into the manifest's `slots`, remembering which file each variant came from, and reports
 * what does not fit the layout: stray files, pairs with a half missing, ids that differ only
 * in case, fields a variant file may not set.
 *
 * @example
 * const { slots, origins } = await readSlots(files, "/repo/content/slots");
 * slots.hero.variants[0]; // { id: "gold", priority: 10, html: "<h1>…</h1>" }
 * origins.get("hero")!.variants[0]!.html; // "content/slots/hero/gold.html"
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { YamlSource } from "./yaml-source.ts";
import { byName, isDir, type ContentFiles } from "./content-files.ts";

export interface VariantOrigin {
  yaml: YamlSource;
  html: string;
}

export interface SlotOrigin {
  dir: string;
  slotYaml: YamlSource | undefined;
  variants: VariantOrigin[];
}

export type SlotDraft = { description?: unknown; trusted?: unknown; selector?: unknown; variants: unknown[] };

const SLOT_FILE = "slot.yaml";
const ONLY_SLOT_FILES = "a slot folder holds slot.yaml, <variant>.yaml and <variant>.html files only";

/** Every slot folder, in name order. */
export async function readSlots(files: ContentFiles, slotsDir: string): Promise<{ slots: Record<string, SlotDraft>; origins: Map<string, SlotOrigin> }> {
  const slots: Record<string, SlotDraft> = {};
  const origins = new Map<string, SlotOrigin>();
  const entries = (await isDir(slotsDir)) ? await readdir(slotsDir, { withFileTypes: true }) : undefined;
  if (!entries) files.layout(files.show(slotsDir), "no slots folder", "create content/slots/<slot-id>/ with a slot.yaml and one <variant>.yaml + <variant>.html per variant");
  const seen = new Map<string, string>();
  for (const entry of (entries ?? []).sort(byName)) {
    if (entry.name.startsWith(".")) continue;
    const abs = join(slotsDir, entry.name);
    if (!entry.isDirectory()) {
      files.layout(files.show(abs), "a file directly in slots/", "put each slot's files in its own folder: slots/<slot-id>/");
      continue;
    }
    const clash = seen.get(entry.name.toLowerCase());
    if (clash) files.layout(files.show(abs), `duplicate slot id: '${entry.name}' and '${clash}' differ only in case`, "rename one folder; ids are compared case-insensitively on many systems");
    seen.set(entry.name.toLowerCase(), entry.name);
    const slot = await readSlot(files, abs);
    slots[entry.name] = slot.draft;
    origins.set(entry.name, slot.origin);
  }
  return { slots, origins };
}

/** One slot folder: its settings and its variants. */
async function readSlot(files: ContentFiles, abs: string): Promise<{ draft: SlotDraft; origin: SlotOrigin }> {
  const names = (await readdir(abs, { withFileTypes: true })).filter((e) => !e.name.startsWith(".")).sort(byName);
  const slotYaml = await files.readYaml(join(abs, SLOT_FILE));
  const settings = files.mapping(slotYaml, "description, trusted, selector");
  const { metas, htmls } = sortSlotFiles(files, abs, names);
  const { variants, origins } = await readVariants(files, abs, metas, htmls);
  for (const id of htmls) {
    if (id !== "slot" && !metas.has(id)) {
      files.layout(files.show(join(abs, `${id}.html`)), `fragment without metadata: ${id}.yaml is missing`, `create ${files.show(join(abs, `${id}.yaml`))} (it may hold just 'priority: 0'), or delete the fragment`);
    }
  }
  if (variants.length === 0 && metas.size === 0 && htmls.size === 0) {
    files.layout(files.show(abs), "slot without variants", "add <variant>.yaml and <variant>.html, or delete the folder (the page keeps its default content)", "warning");
  }
  return { draft: { ...settings, variants }, origin: { dir: files.show(abs), slotYaml, variants: origins } };
}

/** A slot folder's files by role: variant metadata (id → file name) and fragments (ids). */
function sortSlotFiles(files: ContentFiles, abs: string, names: ReadonlyArray<{ name: string; isFile(): boolean }>): { metas: Map<string, string>; htmls: Set<string> } {
  const metas = new Map<string, string>();
  const htmls = new Set<string>();
  for (const f of names) {
    const fAbs = join(abs, f.name);
    if (!f.isFile()) {
      files.layout(files.show(fAbs), "unexpected folder inside a slot", ONLY_SLOT_FILES);
      continue;
    }
    if (f.name === SLOT_FILE || f.name.endsWith(".md")) continue;
    const m = /^(.+)\.(ya?ml|html)$/.exec(f.name);
    if (!m) {
      files.layout(files.show(fAbs), "unexpected file in a slot folder", ONLY_SLOT_FILES);
      continue;
    }
    const [, id, ext] = m as unknown as [string, string, string];
    if (ext === "html") {
      htmls.add(id);
      continue;
    }
    if (id === "slot") continue; // slot.yml: treated as a typo below
    const other = metas.get(id);
    if (other) files.layout(files.show(fAbs), `duplicate variant id '${id}' (also ${other})`, "keep one metadata file per variant: delete or rename one");
    else metas.set(id, f.name);
  }
  if (names.some((f) => f.name === "slot.yml")) files.layout(files.show(join(abs, "slot.yml")), "slot settings must be named slot.yaml", "rename slot.yml to slot.yaml");
  if (htmls.has("slot")) files.layout(files.show(join(abs, "slot.html")), "'slot' is reserved for slot.yaml", "rename the fragment and its metadata to another variant id");
  return { metas, htmls };
}

/** Each variant with metadata, in id order: its fields, its fragment, where they came from. */
async function readVariants(files: ContentFiles, abs: string, metas: Map<string, string>, htmls: Set<string>): Promise<{ variants: unknown[]; origins: VariantOrigin[] }> {
  const variants: unknown[] = [];
  const origins: VariantOrigin[] = [];
  const lower = new Map<string, string>();
  for (const [id, metaName] of [...metas].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const htmlAbs = join(abs, `${id}.html`);
    const src = (await files.readYaml(join(abs, metaName)))!;
    const twin = lower.get(id.toLowerCase());
    if (twin) files.layout(src.file, `duplicate variant id: '${id}' and '${twin}' differ only in case`, "rename one of them");
    lower.set(id.toLowerCase(), id);
    if (!htmls.has(id)) {
      files.layout(src.file, `fragment file missing: ${id}.html`, `create ${files.show(htmlAbs)} with the variant's HTML (it replaces the slot's inner content)`);
      continue;
    }
    const html = await files.readHtml(htmlAbs);
    variants.push({ id, ...variantFields(files, src, id, metaName), html });
    origins.push({ yaml: src, html: files.show(htmlAbs) });
  }
  return { variants, origins };
}

/** A variant file's fields, less `id` and `html`, which its file names own (each reported). */
function variantFields(files: ContentFiles, src: YamlSource, id: string, metaName: string): Record<string, unknown> {
  const meta = { ...files.mapping(src, "variant metadata: priority, audience, …") };
  if ("id" in meta) {
    files.fieldProblem(src, "id", "a variant's id is its file name", `remove 'id:'; rename ${metaName} and ${id}.html to change it`);
    delete meta.id;
  }
  if ("html" in meta) {
    files.fieldProblem(src, "html", "a variant's HTML lives in its own file", `move the HTML into ${id}.html and remove 'html:'`);
    delete meta.html;
  }
  return meta;
}
