/**
 * A draft as a version: the same id scheme as `p13n build` (UTC time and the first 8 hex of the
 * content's SHA-256 over its canonical JSON, without schema, version and publish time), computed
 * with WebCrypto, so one content gives one hash whether the CLI or the console published it.
 *
 * @example
 * const doc = await asVersion(draft.manifest, new Date()); // { …, version: "20261123T160102Z-3fa9c1d2", publishedAt: "…" }
 */
import { canonicalJson } from "../content/canonical.ts";

/** The version's content: everything but the envelope. */
export function contentOf(doc: Record<string, unknown>): Record<string, unknown> {
  const { schema: _s, version: _v, publishedAt: _p, ...content } = doc;
  return content;
}

/** SHA-256 hex of the content's canonical JSON. */
export async function contentHashOf(doc: Record<string, unknown>): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonicalJson(contentOf(doc)))));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** "20261123T160102Z-3fa9c1d2" */
export function versionIdAt(at: Date, hash: string): string {
  return `${at.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}-${hash.slice(0, 8)}`;
}

/** The draft's document stamped as a version published at `at`. */
export async function asVersion(doc: Record<string, unknown>, at: Date): Promise<Record<string, unknown> & { version: string; publishedAt: string }> {
  const version = versionIdAt(at, await contentHashOf(doc));
  return { ...doc, schema: 1, version, publishedAt: at.toISOString() };
}

/** The envelope a draft is checked with: `draft`, now. */
export function asDraft(doc: Record<string, unknown>, at: Date): Record<string, unknown> {
  return { ...doc, schema: 1, version: "draft", publishedAt: at.toISOString() };
}
