/**
 * The shape of a code base, measured with the TypeScript compiler's own parser: each file's
 * line count and each function's (declarations, methods, constructors, accessors, arrow
 * functions and function expressions; a function's lines include those of functions nested
 * in it). Pure: it takes file texts, so it is tested without a file system.
 *
 * @example
 * measureFile("src/a.ts", "function f() {\n  return 1;\n}\n");
 * // { file: "src/a.ts", lines: 3, functions: [{ name: "f", line: 1, lines: 3 }] }
 */
import ts from "typescript";

export interface FunctionShape {
  /** What a reader would search for: `name`, `Class.method`, `outer › (arrow)`. */
  name: string;
  /** 1-based line where it starts. */
  line: number;
  lines: number;
}

export interface FileShape {
  file: string;
  lines: number;
  functions: FunctionShape[];
}

/** Lines of text, as an editor numbers them (a final newline does not start one more). */
export function lineCount(text: string): number {
  if (text === "") return 0;
  const n = text.split("\n").length;
  return text.endsWith("\n") ? n - 1 : n;
}

export function measureFile(file: string, text: string): FileShape {
  const kind = file.endsWith(".js") ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const functions: FunctionShape[] = [];
  const visit = (node: ts.Node, outer: string[]): void => {
    if (isFunction(node) && !isModuleWrapper(node)) {
      const name = [...outer, nameOf(node)].join(" › ");
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      functions.push({ name, line: start + 1, lines: end - start + 1 });
      ts.forEachChild(node, (child) => visit(child, [...outer, nameOf(node)]));
      return;
    }
    const scope = ts.isClassLike(node) && node.name ? [...outer, node.name.text] : outer;
    ts.forEachChild(node, (child) => visit(child, scope));
  };
  visit(source, []);
  return { file, lines: lineCount(text), functions };
}

/** `(function () { … })();` or `(() => { … })();` as a statement of the file itself. */
function isModuleWrapper(node: ts.Node): boolean {
  let callee: ts.Node = node;
  while (ts.isParenthesizedExpression(callee.parent)) callee = callee.parent;
  const call = callee.parent;
  if (!ts.isCallExpression(call) || call.expression !== callee) return false;
  let statement: ts.Node = call.parent;
  while (ts.isParenthesizedExpression(statement) || ts.isPrefixUnaryExpression(statement)) statement = statement.parent;
  return ts.isExpressionStatement(statement) && ts.isSourceFile(statement.parent);
}

function isFunction(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node) ||
    ts.isArrowFunction(node) ||
    ts.isFunctionExpression(node)
  );
}

/** Its own name, or the name of what it is assigned to (`const f = () => …`, `{ f: () => … }`). */
function nameOf(node: ts.FunctionLikeDeclaration): string {
  if (ts.isConstructorDeclaration(node)) return "constructor";
  if (node.name && (ts.isIdentifier(node.name) || ts.isStringLiteral(node.name) || ts.isPrivateIdentifier(node.name))) return node.name.text;
  const parent = node.parent;
  if ((ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && ts.isIdentifier(parent.name)) return parent.name.text;
  return ts.isArrowFunction(node) ? "(arrow)" : "(function)";
}

export interface ShapeReport {
  files: number;
  functions: number;
  largeFiles: FileShape[];
  longFunctions: Array<FunctionShape & { file: string }>;
}

/** Files over `maxFileLines` and functions over `maxFunctionLines`, longest first. */
export function shapeReport(files: readonly FileShape[], limits: { maxFileLines: number; maxFunctionLines: number }): ShapeReport {
  const largeFiles = files.filter((f) => f.lines > limits.maxFileLines).sort((a, b) => b.lines - a.lines);
  const longFunctions = files
    .flatMap((f) => f.functions.filter((fn) => fn.lines > limits.maxFunctionLines).map((fn) => ({ ...fn, file: f.file })))
    .sort((a, b) => b.lines - a.lines);
  return { files: files.length, functions: files.reduce((n, f) => n + f.functions.length, 0), largeFiles, longFunctions };
}

/** The report as a reader wants it in a terminal or a closing note. */
export function formatReport(r: ShapeReport, limits: { maxFileLines: number; maxFunctionLines: number }, roots: readonly string[]): string {
  const out = [`${roots.join(", ")}: ${r.files} files, ${r.functions} functions`, ""];
  out.push(`Files over ${limits.maxFileLines} lines: ${r.largeFiles.length}`);
  for (const f of r.largeFiles) out.push(`  ${String(f.lines).padStart(5)}  ${f.file}`);
  out.push("", `Functions over ${limits.maxFunctionLines} lines: ${r.longFunctions.length}`);
  for (const fn of r.longFunctions) out.push(`  ${String(fn.lines).padStart(5)}  ${fn.file}:${fn.line}  ${fn.name}`);
  return `${out.join("\n")}\n`;
}
