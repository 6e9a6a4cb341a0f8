/**
 * Version ids for published content: when it was built and what it contains.
 * The hash covers the content only (not the time), so two builds of the same
 * files share it and "nothing changed" is one string comparison.
 *
 * @example
 * versionId(new Date("2026-11-23T16:01:02Z"), "3fa9c1d2e4…"); // "20261123T160102Z-3fa9c1d2"
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "../../src/content/canonical.ts";

/** SHA-256 of the canonical JSON of `value`, hex. */
export function contentHash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}

/** A valid manifest id (letters, digits, '-', at most 64): UTC timestamp + 8 hex of the content hash. */
export function versionId(at: Date, hash: string): string {
  const stamp = at.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `${stamp}-${hash.slice(0, 8)}`;
}

/** The content-hash part of a version id made by `versionId`, if it has one. */
export function hashOfVersion(version: string): string | undefined {
  return /^\d{8}T\d{6}Z-([0-9a-f]{8})$/.exec(version)?.[1];
}

/** JSON with object keys sorted (src/content/canonical.ts: the Worker hashes drafts the same way). */
export { canonicalJson } from "../../src/content/canonical.ts";
