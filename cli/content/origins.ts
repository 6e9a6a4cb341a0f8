/**
 * Where a manifest value was written: from a JSON path into the compiled manifest back to
 * the file and the path inside it, so a schema or rule problem can say file:line:field.
 *
 * @example
 * const origin = originLocator({ root, files, site, segments, experiments, slots });
 * origin(["slots", "hero", "variants", 0, "audience"]); // { file: "content/slots/hero/gold.yaml", source, path: ["audience"] }
 * origin(["segments", "gold", "attr"]);                 // { file: "content/segments.yaml", source, path: ["gold", "attr"] }
 */
import { join } from "node:path";
import type { YamlSource } from "./yaml-source.ts";
import type { Key } from "./problem.ts";
import type { ContentFiles } from "./content-files.ts";
import type { SlotOrigin } from "./slot-folders.ts";

/** Where a manifest value was written: a file and the path inside it (empty for the whole file). */
export interface Origin {
  file: string;
  source: YamlSource | undefined;
  path: Key[];
}

export interface Sources {
  root: string;
  files: ContentFiles;
  site: YamlSource | undefined;
  siteKeys: readonly string[];
  segments: YamlSource | undefined;
  experiments: YamlSource | undefined;
  slots: ReadonlyMap<string, SlotOrigin>;
}

export function originLocator(s: Sources): (path: readonly Key[]) => Origin {
  const whole = (src: YamlSource | undefined, name: string): Origin => ({ file: src?.file ?? s.files.show(join(s.root, name)), source: src, path: [] });
  return (path) => {
    const [head, id, ...rest] = path;
    if (head === "segments" || head === "experiments") {
      const src = head === "segments" ? s.segments : s.experiments;
      return { ...whole(src, `${head}.yaml`), path: id === undefined ? [] : [id, ...rest] };
    }
    if (head === "slots" && typeof id === "string") {
      const slot = s.slots.get(id);
      return slot ? slotOrigin(slot, rest) : whole(undefined, "slots");
    }
    if (head !== undefined && s.siteKeys.includes(String(head))) return { ...whole(s.site, "site.yaml"), path: [...path] };
    return whole(s.site, "site.yaml");
  };
}

/** Inside one slot: a variant's metadata or fragment file, else slot.yaml, else the folder. */
function slotOrigin(slot: SlotOrigin, rest: readonly Key[]): Origin {
  const [field, index, ...inner] = rest;
  if (field === "variants" && typeof index === "number" && slot.variants[index]) {
    const v = slot.variants[index]!;
    if (inner[0] === "html") return { file: v.html, source: undefined, path: [] };
    if (inner[0] === "id") return { file: v.yaml.file, source: v.yaml, path: [] };
    return { file: v.yaml.file, source: v.yaml, path: inner };
  }
  if (slot.slotYaml && field !== undefined && field !== "variants") return { file: slot.slotYaml.file, source: slot.slotYaml, path: [...rest] };
  return slot.slotYaml ? { file: slot.slotYaml.file, source: slot.slotYaml, path: [] } : { file: slot.dir, source: undefined, path: [] };
}
