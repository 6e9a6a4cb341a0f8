/**
 * What publishing and validating check, in order: the rule nesting cap (iterative, before
 * anything recurses), the schema (valibot `ManifestSchema`), the engine's publish-time rules (`validateManifest`,
 * placeholders included), then the fragment sanitizer, and placeholders again in the fragments it
 * rewrote. Every problem carries its JSON path in the manifest.
 *
 * @example
 * const checked = checkManifest(body.manifest); // throws InvalidManifest (422) listing every error
 * checked.document; // what to store: the manifest as sent, fragments sanitized
 */
import * as v from "valibot";
import { sanitizeManifest, type FragmentRemoval } from "../../content/sanitize-manifest.ts";
import { ruleDepthIssues } from "../../engine/rule-depth.ts";
import { ManifestSchema } from "../../engine/schema.ts";
import type { Manifest } from "../../engine/types.ts";
import { placeholderErrors, validateManifest, type ManifestIssue } from "../../engine/validate.ts";
import { P13nError } from "../../errors.ts";
import { InvalidManifest, type ApiIssue } from "./respond.ts";

export interface CheckedManifest {
  /** The document to store: as sent, with fragments of untrusted slots sanitized. */
  document: Record<string, unknown> & { version: string; publishedAt: string };
  manifest: Manifest;
  sanitized: FragmentRemoval[];
  warnings: ApiIssue[];
}

export function checkManifest(input: unknown): CheckedManifest {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new P13nError("BAD_REQUEST", "send { \"manifest\": { … } }: the manifest as `p13n build` writes it", { path: ["manifest"] });
  }
  // The nesting cap first: the schema below recurses once per rule level.
  const deep = ruleDepthIssues(input).map((i): ApiIssue => ({ path: ["manifest", ...i.path], message: i.message, severity: "error" }));
  if (deep.length) throw new InvalidManifest(`${deep[0]!.message} at ${deep[0]!.path.join(".")}`, deep);
  const parsed = v.safeParse(ManifestSchema, input, { abortEarly: false });
  if (!parsed.success) {
    const issues = parsed.issues.slice(0, 100).map((i): ApiIssue => ({
      path: ["manifest", ...(i.path ?? []).map((p) => p.key as string | number)],
      message: i.message,
      severity: "error",
    }));
    throw new InvalidManifest(`the manifest does not match the schema: ${issues[0]!.message} at ${issues[0]!.path.join(".")}`, issues);
  }
  const found = validateManifest(parsed.output);
  const errors = found.filter((i) => i.severity === "error").map((i) => apiIssue(i, "error"));
  if (errors.length) throw refused(errors);
  const warnings = found.filter((i) => i.severity === "warning").map((i) => apiIssue(i, "warning"));

  const { document, removed } = sanitizeManifest(input as Record<string, unknown>);
  // The sanitized document still matches the schema (fragments only got shorter); parse it for defaults.
  const manifest = removed.length ? v.parse(ManifestSchema, document) : parsed.output;
  // Placeholders again, where the sanitizer rewrote fragments: what is stored is what gets filled.
  const stored = removed.length ? placeholderErrors(manifest).map((i) => apiIssue(i, "error")) : [];
  if (stored.length) throw refused(stored);
  return {
    document: document as CheckedManifest["document"],
    manifest,
    sanitized: removed.map((r) => ({ ...r, path: ["manifest", ...r.path] })),
    warnings,
  };
}

function apiIssue(i: ManifestIssue, severity: "error" | "warning"): ApiIssue {
  const out: ApiIssue = { path: ["manifest", ...i.path], message: i.message, severity };
  if (i.placeholder !== undefined) out.placeholder = i.placeholder;
  if (i.offset !== undefined) out.offset = i.offset;
  return out;
}

function refused(errors: ApiIssue[]): InvalidManifest {
  return new InvalidManifest(`${errors.length} problem${errors.length === 1 ? "" : "s"}: ${errors[0]!.message} at ${errors[0]!.path.join(".")}`, errors);
}
