/**
 * A published (or draft) manifest written back as the content folder the compiler reads
 * (compile.ts): site.yaml, segments.yaml, experiments.yaml, and per slot `slot.yaml` with one
 * `<variant>.yaml` + `<variant>.html` pair per variant — so `p13n pull` then `p13n build` gives
 * the same manifest (tested), and a team that keeps content in git loses nothing the console did.
 *
 * What it keeps of the files already there: a file whose content is unchanged is not touched
 * at all; in a changed YAML file, every top-level entry whose value is unchanged keeps its
 * comments and layout (only changed entries are rewritten). Slot folders and variant files the
 * manifest no longer has are removed (slot folders only when nothing else is left in them);
 * README.md, schema/ and any other file outside slots/ are left alone.
 *
 * @example
 * const r = await writeContent("/repo/content", doc); // { written: ["slots/footer/gold.yaml", …], removed: […], unchanged: 31 }
 */
import { mkdir, readdir, readFile, rm, rmdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { isMap, parseDocument, stringify } from "yaml";
import { canonicalJson } from "../../src/content/canonical.ts";
import { isRecord } from "./content-files.ts";

type Doc = Record<string, unknown>;

/** One file of the folder: YAML (a mapping) or a fragment. */
export type ContentFile = { kind: "yaml"; schema: string; value: Doc } | { kind: "html"; text: string };

const ENVELOPE = ["schema", "version", "publishedAt", "segments", "experiments", "slots"];

/**
 * The folder's files for a manifest document: relative path → content.
 *
 * @example
 * contentFiles(doc).get("slots/home-hero/gold.html"); // { kind: "html", text: "<h1>…</h1>" }
 */
export function contentFiles(doc: Doc): Map<string, ContentFile> {
  const files = new Map<string, ContentFile>();
  const site = Object.fromEntries(Object.entries(doc).filter(([k]) => !ENVELOPE.includes(k)));
  files.set("site.yaml", { kind: "yaml", schema: "./schema/site.schema.json", value: site });
  files.set("segments.yaml", { kind: "yaml", schema: "./schema/segments.schema.json", value: isRecord(doc.segments) ? doc.segments : {} });
  files.set("experiments.yaml", { kind: "yaml", schema: "./schema/experiments.schema.json", value: isRecord(doc.experiments) ? doc.experiments : {} });
  for (const [slot, raw] of Object.entries(isRecord(doc.slots) ? doc.slots : {})) {
    const s = isRecord(raw) ? raw : {};
    const { variants, ...settings } = s;
    files.set(`slots/${slot}/slot.yaml`, { kind: "yaml", schema: "../../schema/slot.schema.json", value: settings });
    for (const v of Array.isArray(variants) ? variants : []) {
      if (!isRecord(v)) continue;
      const { id, html, ...meta } = v;
      files.set(`slots/${slot}/${String(id)}.yaml`, { kind: "yaml", schema: "../../schema/variant.schema.json", value: meta });
      // The compiler drops one final newline: write one, so a fragment's own last newline survives.
      files.set(`slots/${slot}/${String(id)}.html`, { kind: "html", text: `${String(html ?? "")}\n` });
    }
  }
  return files;
}

/**
 * A YAML file's text for `value`: the existing text itself when it already says that; else the
 * existing document with only the changed top-level entries replaced (comments kept on the rest).
 */
export function renderYaml(existing: string | undefined, value: Doc, schema: string): string {
  const header = `# yaml-language-server: $schema=${schema}\n`;
  const fresh = () => `${header}${Object.keys(value).length ? stringify(value, { lineWidth: 0 }) : "{}\n"}`;
  if (existing === undefined) return fresh();
  const doc = parseDocument(existing);
  if (doc.errors.length || !(isMap(doc.contents) || doc.contents === null)) return fresh();
  const before = (doc.toJSON() ?? {}) as Doc;
  if (canonicalJson(before) === canonicalJson(value)) return existing;
  if (!isMap(doc.contents)) return fresh();
  for (const key of Object.keys(before)) if (!Object.hasOwn(value, key)) doc.delete(key);
  for (const [key, v] of Object.entries(value)) {
    if (canonicalJson(before[key]) !== canonicalJson(v)) doc.set(key, doc.createNode(v));
  }
  const text = doc.toString({ lineWidth: 0 });
  return text.startsWith("# yaml-language-server") ? text : header + text;
}

async function readMaybe(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch {
    return undefined;
  }
}

/** Every file under slots/ the layout owns (slot.yaml, <variant>.yaml, <variant>.html), relative to the folder. */
async function ownedSlotFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  let slots: string[];
  try {
    slots = (await readdir(join(root, "slots"), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return out;
  }
  for (const slot of slots) {
    for (const f of await readdir(join(root, "slots", slot), { withFileTypes: true })) {
      if (f.isFile() && /\.(ya?ml|html)$/.test(f.name)) out.push(`slots/${slot}/${f.name}`);
    }
  }
  return out;
}

export interface WriteResult {
  written: string[];
  removed: string[];
  unchanged: number;
}

/** Writes the manifest into the folder `root` (created when missing). */
export async function writeContent(root: string, doc: Doc): Promise<WriteResult> {
  const files = contentFiles(doc);
  const result: WriteResult = { written: [], removed: [], unchanged: 0 };
  for (const [rel, file] of files) {
    const abs = join(root, rel);
    const existing = await readMaybe(abs);
    const text = file.kind === "html" ? file.text : renderYaml(existing, file.value, file.schema);
    if (existing === text) {
      result.unchanged++;
      continue;
    }
    await mkdir(dirname(abs), { recursive: true });
    await writeFile(abs, text);
    result.written.push(rel);
  }
  for (const rel of await ownedSlotFiles(root)) {
    if (files.has(rel)) continue;
    await rm(join(root, rel));
    result.removed.push(rel);
  }
  // A slot folder left empty (its slot was deleted) goes too; one with other files (notes) stays.
  for (const slot of new Set(result.removed.map((r) => r.split("/")[1]!))) {
    await rmdir(join(root, "slots", slot)).catch(() => undefined);
  }
  return result;
}
