/**
 * Reads the content repository into a manifest draft: one immutable version of
 * every slot, variant, segment and experiment. It checks the layout (files that
 * belong together, YAML syntax) and remembers where every value came from, so
 * later checks can point at file, line and field. The schema is checked in
 * `validate.ts`.
 *
 * Layout (see content/README.md):
 *   site.yaml                      holdout, declared goals, page mappings, policy
 *   segments.yaml                  <segment-id>: <rule>
 *   experiments.yaml               <experiment-id>: <experiment>
 *   slots/<slot-id>/slot.yaml      description, trusted
 *   slots/<slot-id>/<variant>.yaml metadata of one variant
 *   slots/<slot-id>/<variant>.html its HTML fragment
 *
 * @example
 * const c = await compileContent("content", { now: new Date() });
 * if (c.problems.length === 0) console.log(c.draft.version); // "20261123T160102Z-3fa9c1d2"
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative, resolve, isAbsolute } from "node:path";
import { ManifestSchema } from "../../src/engine/schema.ts";
import { parseYamlSource, type YamlSource } from "./yaml-source.ts";
import { didYouMean, type Key, type Problem } from "./problem.ts";
import { contentHash, versionId } from "./version.ts";

/** Where a manifest value was written: a file and the path inside it (empty for the whole file). */
export interface Origin {
  file: string;
  source: YamlSource | undefined;
  path: Key[];
}

/** The manifest as published: what the files say, without schema defaults filled in. */
export interface ManifestDocument {
  schema: 1;
  version: string;
  publishedAt: string;
  [field: string]: unknown;
}

export interface Compiled {
  /** The manifest as the files describe it, not yet schema-checked. */
  draft: ManifestDocument;
  /** Layout and YAML syntax problems. */
  problems: Problem[];
  /** SHA-256 of the content (without version and publish time). */
  hash: string;
  /** Files read. */
  files: number;
  origin(path: readonly Key[]): Origin;
}

export interface CompileOptions {
  /** Publish time and version timestamp (default: now). */
  now?: Date;
  /** Base for the file names in problems (default: process.cwd()). */
  cwd?: string;
}

interface VariantOrigin {
  yaml: YamlSource;
  html: string;
}

interface SlotOrigin {
  dir: string;
  slotYaml: YamlSource | undefined;
  variants: VariantOrigin[];
}

/** Keys site.yaml may set: every manifest field the other files do not own. */
const SITE_KEYS = Object.keys(ManifestSchema.entries).filter(
  (k) => !["schema", "version", "publishedAt", "segments", "experiments", "slots"].includes(k),
);
const SLOT_FILE = "slot.yaml";

export async function compileContent(dir: string, opts: CompileOptions = {}): Promise<Compiled> {
  const cwd = opts.cwd ?? process.cwd();
  const root = resolve(cwd, dir);
  const show = (abs: string): string => {
    const rel = relative(cwd, abs);
    return rel === "" ? "." : rel.startsWith("..") || isAbsolute(rel) ? abs : rel;
  };
  const problems: Problem[] = [];
  const layout = (file: string, message: string, fix: string, severity: Problem["severity"] = "error"): void => {
    problems.push({ severity, file, line: 1, column: 1, field: "", message, fix });
  };
  let files = 0;

  const readYaml = async (abs: string): Promise<YamlSource | undefined> => {
    let text: string;
    try {
      text = await readFile(abs, "utf8");
    } catch {
      return undefined;
    }
    files++;
    const src = parseYamlSource(show(abs), text);
    problems.push(...src.problems);
    return src;
  };

  /** A file whose top level must be a mapping; empty means "nothing set". */
  const mapping = (src: YamlSource | undefined, what: string): Record<string, unknown> => {
    if (!src || src.data === null || src.data === undefined) return {};
    if (isRecord(src.data)) return src.data;
    if (src.problems.length === 0) layout(src.file, `expected a mapping (${what}), found ${typeName(src.data)}`, `write it as \`key: value\` lines`);
    return {};
  };

  if (!(await isDir(root))) {
    layout(show(root), "content directory not found", "run from the repository root, or pass the content folder: p13n validate path/to/content");
    return { draft: { schema: 1, version: "", publishedAt: "" }, problems, hash: "", files, origin: () => ({ file: show(root), source: undefined, path: [] }) };
  }

  // Site settings, segments, experiments: optional files.
  const siteSrc = await readYaml(join(root, "site.yaml"));
  const site = mapping(siteSrc, "holdout, goals, pages, policy");
  for (const key of Object.keys(site)) {
    if (!SITE_KEYS.includes(key) && siteSrc) {
      const pos = siteSrc.locate([key], true);
      problems.push({
        severity: "error",
        file: siteSrc.file,
        ...pos,
        field: key,
        message: `unknown field '${key}'`,
        fix: `site.yaml may set ${SITE_KEYS.join(", ")}.${didYouMean(key, SITE_KEYS)} Segments and experiments have their own files.`,
      });
    }
  }
  const segmentsSrc = await readYaml(join(root, "segments.yaml"));
  const segments = mapping(segmentsSrc, "<segment-id>: <rule>");
  const experimentsSrc = await readYaml(join(root, "experiments.yaml"));
  const experiments = mapping(experimentsSrc, "<experiment-id>: <experiment>");

  // Slots: one folder each.
  const slots: Record<string, { description?: unknown; trusted?: unknown; variants: unknown[] }> = {};
  const slotOrigins = new Map<string, SlotOrigin>();
  const slotsDir = join(root, "slots");
  const slotEntries = (await isDir(slotsDir)) ? await readdir(slotsDir, { withFileTypes: true }) : undefined;
  if (!slotEntries) layout(show(slotsDir), "no slots folder", "create content/slots/<slot-id>/ with a slot.yaml and one <variant>.yaml + <variant>.html per variant");
  const seenSlots = new Map<string, string>();
  for (const entry of (slotEntries ?? []).sort(byName)) {
    if (entry.name.startsWith(".")) continue;
    const abs = join(slotsDir, entry.name);
    if (!entry.isDirectory()) {
      layout(show(abs), "a file directly in slots/", "put each slot's files in its own folder: slots/<slot-id>/");
      continue;
    }
    const clash = seenSlots.get(entry.name.toLowerCase());
    if (clash) layout(show(abs), `duplicate slot id: '${entry.name}' and '${clash}' differ only in case`, "rename one folder; ids are compared case-insensitively on many systems");
    seenSlots.set(entry.name.toLowerCase(), entry.name);

    const names = (await readdir(abs, { withFileTypes: true })).filter((e) => !e.name.startsWith(".")).sort(byName);
    const slotYaml = await readYaml(join(abs, SLOT_FILE));
    const settings = mapping(slotYaml, "description, trusted");
    const metas = new Map<string, string>();
    const htmls = new Set<string>();
    for (const f of names) {
      const fAbs = join(abs, f.name);
      if (!f.isFile()) {
        layout(show(fAbs), "unexpected folder inside a slot", "a slot folder holds slot.yaml, <variant>.yaml and <variant>.html files only");
        continue;
      }
      if (f.name === SLOT_FILE || f.name.endsWith(".md")) continue;
      const m = /^(.+)\.(ya?ml|html)$/.exec(f.name);
      if (!m) {
        layout(show(fAbs), "unexpected file in a slot folder", "a slot folder holds slot.yaml, <variant>.yaml and <variant>.html files only");
        continue;
      }
      const [, id, ext] = m as unknown as [string, string, string];
      if (ext === "html") {
        htmls.add(id);
        continue;
      }
      if (id === "slot") continue; // slot.yml: treated as a typo below
      const other = metas.get(id);
      if (other) layout(show(fAbs), `duplicate variant id '${id}' (also ${other})`, "keep one metadata file per variant: delete or rename one");
      else metas.set(id, f.name);
    }
    if (names.some((f) => f.name === "slot.yml")) layout(show(join(abs, "slot.yml")), "slot settings must be named slot.yaml", "rename slot.yml to slot.yaml");
    if (htmls.has("slot")) layout(show(join(abs, "slot.html")), "'slot' is reserved for slot.yaml", "rename the fragment and its metadata to another variant id");

    const variants: unknown[] = [];
    const variantOrigins: VariantOrigin[] = [];
    const lower = new Map<string, string>();
    for (const [id, metaName] of [...metas].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const yamlAbs = join(abs, metaName);
      const htmlAbs = join(abs, `${id}.html`);
      const src = (await readYaml(yamlAbs))!;
      const twin = lower.get(id.toLowerCase());
      if (twin) layout(src.file, `duplicate variant id: '${id}' and '${twin}' differ only in case`, "rename one of them");
      lower.set(id.toLowerCase(), id);
      if (!htmls.has(id)) {
        layout(src.file, `fragment file missing: ${id}.html`, `create ${show(htmlAbs)} with the variant's HTML (it replaces the slot's inner content)`);
        continue;
      }
      const html = (await readFile(htmlAbs, "utf8")).replace(/\r?\n$/, "");
      files++;
      const meta = { ...mapping(src, "variant metadata: priority, audience, …") };
      for (const own of ["id", "html"] as const) {
        if (own in meta) {
          const pos = src.locate([own], true);
          problems.push({
            severity: "error",
            file: src.file,
            ...pos,
            field: own,
            message: own === "id" ? "a variant's id is its file name" : "a variant's HTML lives in its own file",
            fix: own === "id" ? `remove 'id:'; rename ${metaName} and ${id}.html to change it` : `move the HTML into ${id}.html and remove 'html:'`,
          });
          delete meta[own];
        }
      }
      variants.push({ id, ...meta, html });
      variantOrigins.push({ yaml: src, html: show(htmlAbs) });
    }
    for (const id of htmls) {
      if (id !== "slot" && !metas.has(id)) {
        layout(show(join(abs, `${id}.html`)), `fragment without metadata: ${id}.yaml is missing`, `create ${show(join(abs, `${id}.yaml`))} (it may hold just 'priority: 0'), or delete the fragment`);
      }
    }
    if (variants.length === 0 && metas.size === 0 && htmls.size === 0) {
      layout(show(abs), "slot without variants", "add <variant>.yaml and <variant>.html, or delete the folder (the page keeps its default content)", "warning");
    }
    slots[entry.name] = { ...settings, variants };
    slotOrigins.set(entry.name, { dir: show(abs), slotYaml, variants: variantOrigins });
  }

  const now = opts.now ?? new Date();
  const content: Record<string, unknown> = {};
  for (const k of SITE_KEYS) if (k in site) content[k] = site[k];
  content.segments = segments;
  content.experiments = experiments;
  content.slots = slots;
  const hash = contentHash(content);
  const draft: ManifestDocument = { schema: 1, version: versionId(now, hash), publishedAt: now.toISOString(), ...content };

  const whole = (src: YamlSource | undefined, name: string): Origin => ({ file: src?.file ?? show(join(root, name)), source: src, path: [] });
  const origin = (path: readonly Key[]): Origin => {
    const [head, id, ...rest] = path;
    if (head === "segments" || head === "experiments") {
      const src = head === "segments" ? segmentsSrc : experimentsSrc;
      return { ...whole(src, `${head}.yaml`), path: id === undefined ? [] : [id, ...rest] };
    }
    if (head === "slots" && typeof id === "string") {
      const slot = slotOrigins.get(id);
      if (!slot) return whole(undefined, "slots");
      const [field, index, ...inner] = rest;
      if (field === "variants" && typeof index === "number" && slot.variants[index]) {
        const v = slot.variants[index]!;
        if (inner[0] === "html") return { file: v.html, source: undefined, path: [] };
        if (inner[0] === "id") return { file: v.yaml.file, source: v.yaml, path: [] };
        return { file: v.yaml.file, source: v.yaml, path: inner };
      }
      if (slot.slotYaml && field !== undefined && field !== "variants") return { file: slot.slotYaml.file, source: slot.slotYaml, path: rest };
      return slot.slotYaml ? whole(slot.slotYaml, "") : { file: slot.dir, source: undefined, path: [] };
    }
    if (head !== undefined && SITE_KEYS.includes(String(head))) return { ...whole(siteSrc, "site.yaml"), path: [...path] };
    return whole(siteSrc, "site.yaml");
  };

  return { draft, problems, hash, files, origin };
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function typeName(x: unknown): string {
  return Array.isArray(x) ? "a list" : typeof x === "string" ? "a text" : typeof x;
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
