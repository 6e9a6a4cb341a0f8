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
 *   slots/<slot-id>/slot.yaml      description, trusted, selector
 *   slots/<slot-id>/<variant>.yaml metadata of one variant
 *   slots/<slot-id>/<variant>.html its HTML fragment
 *
 * @example
 * const c = await compileContent("content", { now: new Date() });
 * if (c.problems.length === 0) console.log(c.draft.version); // "20261123T160102Z-3fa9c1d2"
 */
import { join, resolve } from "node:path";
import { ManifestSchema } from "../../src/engine/schema.ts";
import type { YamlSource } from "./yaml-source.ts";
import { didYouMean, type Key, type Problem } from "./problem.ts";
import { contentHash, versionId } from "./version.ts";
import { ContentFiles, isDir } from "./content-files.ts";
import { readSlots } from "./slot-folders.ts";
import { originLocator, type Origin } from "./origins.ts";

export type { Origin } from "./origins.ts";

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

/** Keys site.yaml may set: every manifest field the other files do not own. */
const SITE_KEYS = Object.keys(ManifestSchema.entries).filter(
  (k) => !["schema", "version", "publishedAt", "segments", "experiments", "slots"].includes(k),
);

export async function compileContent(dir: string, opts: CompileOptions = {}): Promise<Compiled> {
  const files = new ContentFiles(opts.cwd ?? process.cwd());
  const root = resolve(opts.cwd ?? process.cwd(), dir);
  if (!(await isDir(root))) {
    files.layout(files.show(root), "content directory not found", "run from the repository root, or pass the content folder: p13n validate path/to/content");
    return { draft: { schema: 1, version: "", publishedAt: "" }, problems: files.problems, hash: "", files: files.files, origin: () => ({ file: files.show(root), source: undefined, path: [] }) };
  }
  // Site settings, segments, experiments: optional files. Slots: one folder each.
  const site = await readSite(files, join(root, "site.yaml"));
  const segmentsSrc = await files.readYaml(join(root, "segments.yaml"));
  const segments = files.mapping(segmentsSrc, "<segment-id>: <rule>");
  const experimentsSrc = await files.readYaml(join(root, "experiments.yaml"));
  const experiments = files.mapping(experimentsSrc, "<experiment-id>: <experiment>");
  const slots = await readSlots(files, join(root, "slots"));

  const content: Record<string, unknown> = {};
  for (const k of SITE_KEYS) if (k in site.settings) content[k] = site.settings[k];
  Object.assign(content, { segments, experiments, slots: slots.slots });
  const now = opts.now ?? new Date();
  const hash = contentHash(content);
  const draft: ManifestDocument = { schema: 1, version: versionId(now, hash), publishedAt: now.toISOString(), ...content };
  const origin = originLocator({ root, files, site: site.src, siteKeys: SITE_KEYS, segments: segmentsSrc, experiments: experimentsSrc, slots: slots.origins });
  return { draft, problems: files.problems, hash, files: files.files, origin };
}

/** site.yaml: every manifest field the other files do not own; anything else is reported at its key. */
async function readSite(files: ContentFiles, abs: string): Promise<{ src: YamlSource | undefined; settings: Record<string, unknown> }> {
  const src = await files.readYaml(abs);
  const settings = files.mapping(src, "holdout, goals, pages, policy");
  for (const key of Object.keys(settings)) {
    if (!SITE_KEYS.includes(key) && src) {
      files.fieldProblem(src, key, `unknown field '${key}'`, `site.yaml may set ${SITE_KEYS.join(", ")}.${didYouMean(key, SITE_KEYS)} Segments and experiments have their own files.`);
    }
  }
  return { src, settings };
}
