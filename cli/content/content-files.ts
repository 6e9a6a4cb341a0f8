/**
 * Reading a content folder's files for the compiler: file names shown relative to the
 * working directory, YAML parsed with its positions, and every layout or syntax problem
 * collected in one list, located at file:1:1 when there is no better place.
 *
 * @example
 * const files = new ContentFiles(process.cwd());
 * const site = files.mapping(await files.readYaml("/repo/content/site.yaml"), "holdout, goals, pages, policy");
 * files.problems; // YAML syntax errors, "expected a mapping …"
 */
import { readFile, stat } from "node:fs/promises";
import { isAbsolute, relative } from "node:path";
import { parseYamlSource, type YamlSource } from "./yaml-source.ts";
import type { Problem } from "./problem.ts";

export class ContentFiles {
  readonly problems: Problem[] = [];
  /** Files read, YAML and HTML. */
  files = 0;
  readonly #cwd: string;

  constructor(cwd: string) {
    this.#cwd = cwd;
  }

  /** The name an editor should open: relative when inside the working directory. */
  show(abs: string): string {
    const rel = relative(this.#cwd, abs);
    return rel === "" ? "." : rel.startsWith("..") || isAbsolute(rel) ? abs : rel;
  }

  /** A problem with the folder's layout, at the top of `file`. */
  layout(file: string, message: string, fix: string, severity: Problem["severity"] = "error"): void {
    this.problems.push({ severity, file, line: 1, column: 1, field: "", message, fix });
  }

  /** A YAML file with its positions; undefined when it does not exist. */
  async readYaml(abs: string): Promise<YamlSource | undefined> {
    let text: string;
    try {
      text = await readFile(abs, "utf8");
    } catch {
      return undefined;
    }
    this.files++;
    const src = parseYamlSource(this.show(abs), text);
    this.problems.push(...src.problems);
    return src;
  }

  /** A fragment file, without its final newline. */
  async readHtml(abs: string): Promise<string> {
    const html = (await readFile(abs, "utf8")).replace(/\r?\n$/, "");
    this.files++;
    return html;
  }

  /** A file whose top level must be a mapping; empty means "nothing set". */
  mapping(src: YamlSource | undefined, what: string): Record<string, unknown> {
    if (!src || src.data === null || src.data === undefined) return {};
    if (isRecord(src.data)) return src.data;
    if (src.problems.length === 0) this.layout(src.file, `expected a mapping (${what}), found ${typeName(src.data)}`, `write it as \`key: value\` lines`);
    return {};
  }

  /** A field a file may not set, located at its key. */
  fieldProblem(src: YamlSource, key: string, message: string, fix: string): void {
    this.problems.push({ severity: "error", file: src.file, ...src.locate([key], true), field: key, message, fix });
  }
}

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function typeName(x: unknown): string {
  return Array.isArray(x) ? "a list" : typeof x === "string" ? "a text" : typeof x;
}

export async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

export function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
