/**
 * The body of PUT /__p13n/me: what the visitor states. Every field is optional; a field
 * present replaces what was stated before, `null` clears it (the profile's own value
 * applies again). Unknown fields are refused, so a typo never silently does nothing.
 *
 * @example
 * {"topics":["running","yoga"],"frequency":"fewer","channels":["email"],"personalize":true,"track":true}
 */
import * as v from "valibot";
import type { Prefs } from "../../engine/types.ts";

/** A PUT body is a few hundred bytes; anything much larger is not the preference page. */
export const MAX_PREFERENCES_BYTES = 4096;

const Word = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, "must not be empty"),
  v.maxLength(64, "at most 64 characters"),
  v.regex(/^[\p{L}\p{N}][\p{L}\p{N} _.-]*$/u, "letters, digits, spaces, '_', '.' or '-'"),
);

export const PreferencesSchema = v.pipe(
  v.strictObject({
    topics: v.optional(v.nullable(v.pipe(v.array(Word), v.maxLength(50, "at most 50 topics")))),
    channels: v.optional(v.nullable(v.pipe(v.array(Word), v.maxLength(20, "at most 20 channels")))),
    frequency: v.optional(v.nullable(v.picklist(["fewer", "normal", "more"], "must be fewer, normal or more"))),
    personalize: v.optional(v.boolean("must be true or false")),
    track: v.optional(v.boolean("must be true or false")),
  }),
  v.check((p) => Object.keys(p).length > 0, "say at least one of topics, channels, frequency, personalize, track"),
);

export type PreferencesUpdate = v.InferOutput<typeof PreferencesSchema>;

export type PreferencesParse = { ok: true; update: PreferencesUpdate } | { ok: false; path: string; message: string };

/**
 * @example
 * parsePreferences({ frequency: "sometimes" }); // { ok: false, path: "frequency", message: "must be fewer, normal or more" }
 */
export function parsePreferences(body: unknown): PreferencesParse {
  const r = v.safeParse(PreferencesSchema, body);
  if (r.success) return { ok: true, update: r.output };
  const issue = r.issues[0];
  return { ok: false, path: issue?.path?.map((p) => String(p.key)).join(".") ?? "", message: issue?.message ?? "invalid" };
}

/** True when the update states something that has to be stored (not only consent choices). */
export function statesPreferences(u: PreferencesUpdate): boolean {
  return u.topics !== undefined || u.channels !== undefined || u.frequency !== undefined;
}

/**
 * The stated preferences after an update: present fields replace, null clears. Null when nothing is left.
 *
 * @example
 * applyPreferences({ topics: ["yoga"] }, { frequency: "fewer", topics: null }); // { frequency: "fewer" }
 */
export function applyPreferences(current: Prefs | null, u: PreferencesUpdate): Prefs | null {
  const next: Prefs = { ...current };
  for (const key of ["topics", "channels", "frequency"] as const) {
    const value = u[key];
    if (value === undefined) continue;
    if (value === null) delete next[key];
    else if (key === "frequency") next.frequency = value as NonNullable<Prefs["frequency"]>;
    else next[key] = [...new Set(value as string[])];
  }
  return Object.keys(next).length > 0 ? next : null;
}
