/**
 * The Worker's two doors to other systems (README "Server events" and "Outbound hooks"), read
 * from their secrets and vars once per env:
 *
 * - `SERVER_EVENT_SOURCES` (a secret): the backends that may record events for a visitor, as
 *   JSON, each name with its key (`whsec_…`, Standard Webhooks), or with up to three keys while
 *   one is rotated and, optionally, the only event types it may send:
 *   `{"crm": "whsec_…", "helpdesk": {"keys": ["whsec_new…", "whsec_old…"], "events": ["case.opened", "case.closed"]}}`.
 *   Empty: the route is off (404). No two sources share a key, so a signature names its source.
 * - `EVENT_HOOK_URL` (a var) and `EVENT_HOOK_SECRET` (a secret, `whsec_…`): where the Worker sends
 *   cart abandonments and conversions, signed. Empty URL: hooks are off; a URL without its secret
 *   refuses the config.
 */
import * as v from "valibot";
import { parseWebhookSecret } from "../webhook-secret.ts";

/** What a backend may tell about a visitor (src/server-events/wire.ts). */
export const SERVER_EVENT_TYPES = ["case.opened", "case.closed", "order.placed", "subscription.changed"] as const;
export type ServerEventType = (typeof SERVER_EVENT_TYPES)[number];

/** A source's name: lower case, short, safe in logs and event ids. */
export const SOURCE_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const MAX_SOURCES = 16;
const MAX_KEYS = 3;

export interface ServerSource {
  /** The key's bytes, newest first (any one verifies). */
  keys: Uint8Array[];
  /** The event types this source may send; null: every type. */
  events: ReadonlySet<ServerEventType> | null;
}

export type ServerSources = ReadonlyMap<string, ServerSource>;

export interface EventHookSettings {
  url: URL;
  /** EVENT_HOOK_SECRET's bytes. */
  secret: Uint8Array;
}

const Key = v.pipe(
  v.string(),
  v.check((s) => parseWebhookSecret(s) !== null, "a key is whsec_ followed by base64 of at least 24 random bytes (openssl rand -base64 32 makes the part after whsec_)"),
);
/** A source: its key alone (shorthand), or `{ keys, events? }`; checked as the longer form, so a problem names its field. */
const SourceSchema = v.pipe(
  v.unknown(),
  v.transform((x) => (typeof x === "string" ? { keys: [x] } : x)),
  v.strictObject({
    keys: v.pipe(
      v.unknown(),
      v.transform((k) => (Array.isArray(k) ? k : [k])),
      v.array(Key),
      v.minLength(1, "at least one key"),
      v.maxLength(MAX_KEYS, `at most ${MAX_KEYS} keys`),
    ),
    events: v.optional(v.pipe(v.array(v.picklist(SERVER_EVENT_TYPES, `an event type is one of ${SERVER_EVENT_TYPES.join(", ")}`)), v.minLength(1))),
  }),
);
const SourcesSchema = v.pipe(
  v.record(v.pipe(v.string(), v.regex(SOURCE_NAME, "a source name is lower case letters, digits, '-' or '_', at most 32")), SourceSchema),
  v.check((r) => Object.keys(r).length <= MAX_SOURCES, `at most ${MAX_SOURCES} sources`),
);

/**
 * SERVER_EVENT_SOURCES as the route uses it; throws a message naming the problem (the config
 * turns it into CONFIG_INVALID). Never echoes a key.
 *
 * @example
 * parseServerSources('{"crm": "whsec_…"}').get("crm")?.keys.length; // 1
 */
export function parseServerSources(text: string | undefined): ServerSources {
  const sources = new Map<string, ServerSource>();
  if (text === undefined || text.trim() === "") return sources;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error("SERVER_EVENT_SOURCES: not JSON; write {\"source-name\": \"whsec_…\"}");
  }
  const parsed = v.safeParse(SourcesSchema, json);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = (issue?.path ?? []).map((p) => String(p.key)).join(".");
    // The message may quote the input: a key must never reach a log.
    throw new Error(`SERVER_EVENT_SOURCES${path ? `.${path}` : ""}: ${issue?.message.replace(/whsec_[A-Za-z0-9+/=]+/g, "whsec_…") ?? "invalid"}`);
  }
  const seen = new Set<string>();
  for (const [name, value] of Object.entries(parsed.output)) {
    const texts = value.keys;
    for (const t of texts) {
      if (seen.has(t)) throw new Error(`SERVER_EVENT_SOURCES.${name}: a key is shared with another source; give each source its own`);
      seen.add(t);
    }
    sources.set(name, {
      keys: texts.map((t) => parseWebhookSecret(t)!),
      events: value.events === undefined ? null : new Set(value.events),
    });
  }
  return sources;
}

/**
 * EVENT_HOOK_URL and EVENT_HOOK_SECRET, or undefined when hooks are off; throws naming the fix.
 *
 * @example
 * eventHookSettings("https://hooks.example.com/p13n", "whsec_…")?.url.host; // "hooks.example.com"
 */
export function eventHookSettings(url: string | undefined, secret: string | undefined): EventHookSettings | undefined {
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error("EVENT_HOOK_URL: must be an absolute https:// URL");
  }
  const local = parsed.protocol === "http:" && (parsed.hostname === "localhost" || parsed.hostname === "127.0.0.1");
  if (parsed.protocol !== "https:" && !local) throw new Error("EVENT_HOOK_URL: must be https:// (http:// only for localhost)");
  if (parsed.username || parsed.password) throw new Error("EVENT_HOOK_URL: no credentials in the URL; the hook is signed with EVENT_HOOK_SECRET");
  const bytes = secret === undefined ? null : parseWebhookSecret(secret);
  if (!bytes) throw new Error("EVENT_HOOK_SECRET: required when EVENT_HOOK_URL is set, as whsec_ followed by base64 of at least 24 random bytes");
  return { url: parsed, secret: bytes };
}
