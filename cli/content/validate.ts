/**
 * Validates the content repository: layout and YAML syntax (compile), then the
 * manifest schema the Worker enforces (valibot `ManifestSchema`), then references
 * and placeholders (the engine's `validateManifest`; placeholders again on the fragments as
 * the sanitizer rewrites them). Every problem names file, line, column and
 * field, says what is wrong and how to fix it. Each stage runs only when the one
 * before found no errors, so one mistake does not echo as many.
 *
 * @example
 * const r = await validateContent("content");
 * if (!r.manifest) for (const p of r.problems) console.error(formatProblem(p));
 */
import * as v from "valibot";
import { ruleDepthIssues } from "../../src/engine/rule-depth.ts";
import { ManifestSchema } from "../../src/engine/schema.ts";
import { placeholderErrors } from "../../src/engine/validate.ts";
import type { Manifest } from "../../src/engine/types.ts";
import { compileContent, type Compiled, type CompileOptions, type ManifestDocument } from "./compile.ts";
import { explainIssues, type SchemaIssue } from "./schema-issues.ts";
import { checkReferences, referenceIssue } from "./references.ts";
import { fieldPath, sortProblems, type Problem } from "./problem.ts";
import { sanitizeManifest } from "../../src/content/sanitize-manifest.ts";
import { lineColumn } from "../../src/content/sanitize.ts";

export interface ValidationResult {
  /** The manifest as the engine reads it (defaults filled in), when there are no errors (warnings allowed). */
  manifest: Manifest | undefined;
  /** What to publish: the validated manifest as written, when there are no errors. */
  document: ManifestDocument | undefined;
  /** Errors and warnings, by file and line. */
  problems: Problem[];
  /** SHA-256 of the content, without version and publish time. */
  hash: string;
  files: number;
}

const DEPTH_FIX = "flatten the rule, or move parts of it into named segments in segments.yaml";

export async function validateContent(dir: string, opts: CompileOptions = {}): Promise<ValidationResult> {
  const compiled = await compileContent(dir, opts);
  const done = (manifest: Manifest | undefined, problems: Problem[]): ValidationResult => {
    const ok = manifest !== undefined && !problems.some((p) => p.severity === "error");
    return {
      manifest: ok ? manifest : undefined,
      document: ok ? compiled.draft : undefined,
      problems: sortProblems(problems),
      hash: compiled.hash,
      files: compiled.files,
    };
  };
  if (compiled.problems.some((p) => p.severity === "error")) return done(undefined, compiled.problems);

  // The nesting cap before the schema: the schema recurses once per rule level.
  const deep = ruleDepthIssues(compiled.draft).map((i) => locate(compiled, { path: i.path, onKey: true, message: i.message, fix: DEPTH_FIX }, "error"));
  if (deep.length) return done(undefined, [...compiled.problems, ...deep]);
  const parsed = v.safeParse(ManifestSchema, compiled.draft, { abortEarly: false });
  if (!parsed.success) {
    return done(undefined, [...compiled.problems, ...explainIssues(parsed.issues).map((i) => locate(compiled, i, "error"))]);
  }
  const refs = checkReferences(parsed.output).map((i) => locate(compiled, i, i.severity));
  const sanitized = sanitizeManifest(compiled.draft);
  return done(parsed.output, [...compiled.problems, ...refs, ...sanitizerWarnings(compiled, sanitized.removed), ...storedPlaceholders(compiled, sanitized)]);
}

/**
 * Placeholders in the fragments as the sanitizer rewrites them (what is stored is what is
 * filled), located by the placeholder's text in the editor's file. Errors there the file's own
 * check did not report are rare: the sanitizer moved a placeholder where it may not stand.
 */
function storedPlaceholders(compiled: Compiled, sanitized: ReturnType<typeof sanitizeManifest<ManifestDocument>>): Problem[] {
  if (sanitized.removed.length === 0) return [];
  const stored = v.safeParse(ManifestSchema, sanitized.document);
  if (!stored.success) return [];
  return placeholderErrors(stored.output).map((i) => {
    const written = htmlAt(compiled, i.path).indexOf(i.placeholder ?? "\u0000");
    const issue = referenceIssue({ ...i, message: `${i.message} (in the fragment as publishing sanitizes it)` }, stored.output);
    if (written >= 0) issue.offset = written;
    else delete issue.offset;
    return locate(compiled, issue, "error");
  });
}

/** The fragment at a manifest path ["slots", slot, "variants", i, "html"], as the editor wrote it. */
function htmlAt(compiled: Compiled, path: readonly (string | number)[]): string {
  const slot = (compiled.draft.slots as Record<string, { variants: Array<{ html: string }> }> | undefined)?.[String(path[1])];
  return slot?.variants[path[3] as number]?.html ?? "";
}

/**
 * What the publish-time sanitizer will remove, as warnings at the fragment's own
 * file:line:column (publishing removes it; a trusted slot keeps it).
 */
function sanitizerWarnings(compiled: Compiled, removed: ReturnType<typeof sanitizeManifest>["removed"]): Problem[] {
  return removed.map((r) => {
    const o = compiled.origin(r.path);
    const html = htmlAt(compiled, r.path);
    return {
      severity: "warning",
      file: o.file,
      ...lineColumn(html, r.offset),
      field: "",
      message: `${r.message}; publishing removes it`,
      fix: r.what === "<script>" ? "remove it, or ask for the slot to be marked trusted: true in slot.yaml" : "remove it from the fragment (see README \"Sanitizer\" for what is allowed)",
    };
  });
}

/** A manifest-path issue → the file, line and field where the editor wrote it. */
function locate(compiled: Compiled, issue: SchemaIssue, severity: Problem["severity"]): Problem {
  const o = compiled.origin(issue.path);
  // In a fragment file: the line and column of the problem in it (a placeholder), else its start.
  const pos = o.source ? o.source.locate(o.path, issue.onKey) : issue.offset !== undefined ? lineColumn(htmlAt(compiled, issue.path), issue.offset) : { line: 1, column: 1 };
  return { severity, file: o.file, ...pos, field: issue.field ?? fieldPath(o.path), message: issue.message, fix: issue.fix };
}
