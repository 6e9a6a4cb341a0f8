/**
 * One YAML file of the content repository, parsed with positions kept, so any
 * field path can be turned back into the line and column an editor should see.
 *
 * @example
 * const src = parseYamlSource("content/segments.yaml", text);
 * src.locate(["gold", "attr"]); // { line: 12, column: 3 }
 */
import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Document, type Node } from "yaml";
import { MAX_RULE_DEPTH } from "../../src/engine/rule-validator.ts";
import type { Key, Problem } from "./problem.ts";

export interface Position {
  line: number;
  column: number;
}

export interface YamlSource {
  file: string;
  /** The plain data (null for an empty file). */
  data: unknown;
  /** Syntax errors and duplicate keys, already located. */
  problems: Problem[];
  /**
   * Where `path` is written. A missing key points at the mapping that should hold it;
   * `onKey` points at the key itself rather than its value (for "unknown field").
   */
  locate(path: readonly Key[], onKey?: boolean): Position;
}

export function parseYamlSource(file: string, text: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problems: Problem[] = [];
  for (const e of doc.errors) {
    if (e.code === "RESOURCE_EXHAUSTION" && /call stack/i.test(e.message)) {
      // Nested so deep the YAML reader itself ran out of stack: far past the rule nesting cap.
      if (!problems.some((p) => p.message.startsWith("nested too deeply"))) problems.push(tooDeep(file, text, e.pos[0], lineCounter));
      continue;
    }
    const pos = lineCounter.linePos(e.pos[0]);
    problems.push({
      severity: "error",
      file,
      line: pos.line,
      column: pos.col,
      field: "",
      message: `YAML: ${firstLine(e.message)}`,
      fix: yamlFix(e.code),
    });
  }
  const at = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  return {
    file,
    data: problems.length ? null : doc.toJS({ maxAliasCount: 100 }),
    problems,
    locate: (path, onKey = false) => at(offsetOf(doc, path, onKey)),
  };
}

/**
 * "Nested too deeply", at the top-level key the nesting is under (the segment, or the
 * variant's `audience`), so the editor knows which rule to flatten.
 */
function tooDeep(file: string, text: string, offset: number, lineCounter: LineCounter): Problem {
  let at = 0;
  let field = "";
  const top = /^([^\s#:][^:]*):/;
  for (let start = 0; start <= offset && start < text.length; ) {
    const end = text.indexOf("\n", start);
    const m = top.exec(text.slice(start, end === -1 ? undefined : Math.min(end, start + 200)));
    if (m) {
      at = start;
      field = m[1]!.trim();
    }
    if (end === -1) break;
    start = end + 1;
  }
  const pos = lineCounter.linePos(at);
  return {
    severity: "error",
    file,
    line: pos.line,
    column: pos.col,
    field,
    message: `nested too deeply to read: rules may nest at most ${MAX_RULE_DEPTH} levels (all, any and not each add one)`,
    fix: "flatten the rule, or move parts of it into named segments in segments.yaml",
  };
}

function offsetOf(doc: Document, path: readonly Key[], onKey: boolean): number {
  let node: unknown = doc.contents;
  let pos = start(node) ?? 0;
  // The key whose value is `node`: a missing field is reported there ("newsletter-pitch: needs salt").
  let holder: number | undefined;
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
      if (!pair) {
        pos = holder ?? pos;
        break;
      }
      const keyPos = start(pair.key);
      holder = keyPos;
      const valPos = start(pair.value);
      const last = i === path.length - 1;
      pos = (last && onKey) || valPos === undefined ? (keyPos ?? pos) : valPos;
      node = pair.value;
    } else if (isSeq(node) && typeof key === "number") {
      const item = node.items[key];
      if (item === undefined) break;
      pos = start(item) ?? pos;
      holder = pos;
      node = item;
    } else {
      break;
    }
  }
  return pos;
}

function start(node: unknown): number | undefined {
  return node && typeof node === "object" && "range" in node ? (node as Node).range?.[0] : undefined;
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}

function yamlFix(code: string): string {
  switch (code) {
    case "DUPLICATE_KEY":
      return "each key may appear once per mapping: remove or rename one of them";
    case "TAB_AS_INDENT":
      return "indent with spaces, not tabs";
    case "BAD_INDENT":
    case "MISSING_CHAR":
    case "UNEXPECTED_TOKEN":
      return "check the indentation (spaces, not tabs) and that every `key:` has a space after the colon";
    case "MULTIPLE_DOCS":
      return "keep one document per file: remove the extra `---`";
    case "BLOCK_AS_IMPLICIT_KEY":
    case "MULTILINE_IMPLICIT_KEY":
      return "quote values that contain ': ' or '#', or put them on one line";
    default:
      return "fix the YAML syntax here (quote values with special characters such as ':' or '#')";
  }
}
