/**
 * What a signed-in visitor's object knows of their consent, for the two things that act on
 * their memory without a request from their browser: server events (src/visitor/store/server-memory.ts)
 * and outbound hooks (src/visitor/store/hook-outbox.ts). One row:
 *
 * - `personalize`: as the visitor's latest web request said (a page, a beacon, a /decide call),
 *   lowered by a server message that says no. A hook is a personalized message: it needs 1.
 * - `withdrawn_at`: the visitor said no to tracking on the web (GPC, the profile's or the site's
 *   consent, memory turned off in the preference centre) while signed in. From then on no server
 *   event is recorded and no hook is sent, until they are next seen on the web with consent to
 *   track. Kept until `keep_until` even when their memory is erased (a year: as long as the
 *   preference centre's own choice cookie lasts), holding nothing but the two dates.
 *
 * Every function runs inside the caller's transaction; reads never create storage.
 *
 * @example
 * noteWebConsent(sql, { personalize: true }, now);   // a page under consent: a no is lifted
 * withdrawConsent(sql, now, now + REFUSAL_KEEP_MS);  // GPC seen: no server event, no hook
 * mayMessage(consentState(sql));                     // false
 */
import { ensureTables, existingTables } from "./tables.ts";

/** How long a "no" outlives the memory it stopped (the choice cookie's life, src/privacy/choice-cookie.ts). */
export const REFUSAL_KEEP_MS = 365 * 86_400_000;

export const CONSENT_TABLES = ["consent_state"] as const;

const SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS consent_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    personalize INTEGER NOT NULL,
    at INTEGER NOT NULL,
    withdrawn_at INTEGER,
    keep_until INTEGER
  )`,
];

export interface ConsentState {
  personalize: boolean;
  at: number;
  withdrawnAt: number | null;
  keepUntil: number | null;
}

/** The row, or null when the object was never told. */
export function consentState(sql: SqlStorage): ConsentState | null {
  if (!existingTables(sql, CONSENT_TABLES).has("consent_state")) return null;
  const row = sql
    .exec<{ personalize: number; at: number; withdrawn_at: number | null; keep_until: number | null }>("SELECT personalize, at, withdrawn_at, keep_until FROM consent_state WHERE id = 1")
    .toArray()[0];
  return row ? { personalize: row.personalize === 1, at: row.at, withdrawnAt: row.withdrawn_at, keepUntil: row.keep_until } : null;
}

/** A hook may be sent: the latest word allowed personalization and nothing was withdrawn since. */
export function mayMessage(state: ConsentState | null): boolean {
  return state !== null && state.personalize && state.withdrawnAt === null;
}

/** The visitor's "no" holds: server events are not recorded. */
export function refusesServerEvents(state: ConsentState | null): boolean {
  return state !== null && state.withdrawnAt !== null;
}

/**
 * A web request allowed tracking (that is how it reached the object): it lifts a withdrawal and
 * sets personalization as it said. Writes only what changed. Returns true when personalization
 * is now refused (the caller drops pending hooks).
 */
export function noteWebConsent(sql: SqlStorage, consent: { personalize: boolean }, at: number): boolean {
  const state = consentState(sql);
  if (state && state.personalize === consent.personalize && state.withdrawnAt === null) return !consent.personalize;
  ensureTables(sql, SCHEMA);
  sql.exec(
    `INSERT INTO consent_state (id, personalize, at, withdrawn_at, keep_until) VALUES (1, ?, ?, NULL, NULL)
     ON CONFLICT (id) DO UPDATE SET personalize = excluded.personalize, at = excluded.at, withdrawn_at = NULL, keep_until = NULL`,
    consent.personalize ? 1 : 0,
    at,
  );
  return !consent.personalize;
}

/** A server message said the customer refuses personalization: hooks stop (a "yes" from a server never lifts the web's "no"). */
export function refusePersonalization(sql: SqlStorage, at: number): void {
  ensureTables(sql, SCHEMA);
  sql.exec(
    `INSERT INTO consent_state (id, personalize, at) VALUES (1, 0, ?)
     ON CONFLICT (id) DO UPDATE SET personalize = 0, at = MAX(consent_state.at, excluded.at)`,
    at,
  );
}

/** The visitor said no to tracking: kept until `keepUntil` (the latest of two withdrawals' ends). */
export function withdrawConsent(sql: SqlStorage, at: number, keepUntil: number): void {
  ensureTables(sql, SCHEMA);
  sql.exec(
    `INSERT INTO consent_state (id, personalize, at, withdrawn_at, keep_until) VALUES (1, 0, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET personalize = 0, at = MAX(consent_state.at, excluded.at),
       withdrawn_at = COALESCE(consent_state.withdrawn_at, excluded.withdrawn_at),
       keep_until = MAX(COALESCE(consent_state.keep_until, 0), excluded.keep_until)`,
    at,
    at,
    keepUntil,
  );
}
