/**
 * A served template's response head: its status and headers, without a Response around them.
 * The page's one Response is made at the end (src/pipeline/page-response.ts); a Response made
 * here only to carry headers cost a Headers built from the stored pairs, then copied again, on
 * every request.
 *
 * A personalized page from a template gets its headers from a set made once per stored header
 * set (`personalizedHeaders`): the template's headers as `markPersonalized` leaves them. The
 * set is never changed after it is made: `new Response(body, { headers })` copies it.
 *
 * @example
 * const head = new ServedHead(entry, currentAge(entry.freshness, now));
 * new Response(body, { status: head.status, headers: personalizedHeaders(entry) });
 */
import { markPersonalized } from "../proxy/responses.ts";
import type { TemplateEntry } from "./store.ts";

export class ServedHead {
  /** Never a body: the page is spliced from the template, or served as its bytes (origin-cache.ts `servedBody`). */
  readonly body = null;
  readonly #entry: TemplateEntry;
  readonly #ageS: number;
  #headers: Headers | undefined;

  constructor(entry: TemplateEntry, ageS: number) {
    this.#entry = entry;
    this.#ageS = ageS;
  }

  get status(): number {
    return this.#entry.status;
  }

  get statusText(): string {
    return this.#entry.statusText;
  }

  /** The stored headers with Age brought up to date: mutable, made on first read (a personalized page never reads them). */
  get headers(): Headers {
    if (!this.#headers) {
      this.#headers = new Headers(this.#entry.headers as Array<[string, string]>);
      this.#headers.set("age", String(Math.floor(this.#ageS)));
    }
    return this.#headers;
  }
}

/** Keyed by the stored pairs: a refreshed template (revalidate.ts) has new ones, so a new set. */
const privateSets = new WeakMap<TemplateEntry["headers"], Headers>();

/**
 * The template's headers for a personalized page (private, no validators, no length, no Age):
 * made once per stored header set, never changed afterwards (only ever copied into a Response).
 */
export function personalizedHeaders(entry: TemplateEntry): Headers {
  let headers = privateSets.get(entry.headers);
  if (!headers) {
    headers = new Headers(entry.headers as Array<[string, string]>);
    markPersonalized(headers);
    privateSets.set(entry.headers, headers);
  }
  return headers;
}
