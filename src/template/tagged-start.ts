/**
 * A slot's start tag as the streaming rewriter writes it once tagged: run through HTMLRewriter on
 * its own with placeholder values, and kept as the bytes around them (build.ts says why).
 */
import { tagSelectorSlot, tagSlot } from "../rewrite/slot-rules.ts";
import { indexOf } from "./bytes.ts";

const encoder = new TextEncoder();

/** The start tag as the streaming rewriter would write it once tagged, split around the values. */
export async function taggedForms(
  rawTag: Uint8Array,
  contentType: string,
  nonce: string,
  selectorSlot: string | undefined,
): Promise<{ tagged: Uint8Array[]; taggedWithExperiment: Uint8Array[] } | null> {
  const variant = `\u0001${nonce}V\u0002`;
  const experiment = `\u0001${nonce}X\u0002`;
  // In the streaming rewriter's order: a slot by selector's own attribute first (slot-rewriter.ts).
  const tag = (render: { variant: string; experiment?: string }) => (el: Element) => {
    if (selectorSlot !== undefined) tagSelectorSlot(el, selectorSlot);
    tagSlot(el, render);
  };
  const [tagged, taggedWithExperiment] = await Promise.all([
    retag(rawTag, contentType, tag({ variant })),
    retag(rawTag, contentType, tag({ variant, experiment })),
  ]);
  const one = splitOn(tagged, [variant]);
  const two = splitOn(taggedWithExperiment, [variant, experiment]);
  return one && two ? { tagged: one, taggedWithExperiment: two } : null;
}

export async function retag(rawTag: Uint8Array, contentType: string, tag: (el: Element) => void): Promise<Uint8Array> {
  let done = false;
  // The first element of the bytes is the start tag itself (a selector slot's selector may need context it lacks here).
  const out = new HTMLRewriter()
    .on("*", {
      element(el) {
        if (done) return;
        done = true;
        tag(el);
      },
    })
    .transform(new Response(rawTag, { headers: { "content-type": contentType } }));
  return new Uint8Array(await out.arrayBuffer());
}

/** Splits `bytes` around each placeholder in turn; null unless each appears exactly once, in order. */
function splitOn(bytes: Uint8Array, placeholders: string[]): Uint8Array[] | null {
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const p of placeholders) {
    const needle = encoder.encode(p);
    const at = indexOf(bytes, needle, from);
    if (at < 0 || indexOf(bytes, needle, at + needle.length) >= 0) return null;
    parts.push(bytes.slice(from, at));
    from = at + needle.length;
  }
  parts.push(bytes.slice(from));
  return parts;
}
