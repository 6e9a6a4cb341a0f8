/**
 * The editors' named tokens (the `ADMIN_TOKENS` secret) and their roles: who signs in, and what
 * they may do. A JSON object of name → `{ role, token }` or `{ role, sha256 }`:
 *
 * ```json
 * { "alice": { "role": "publisher", "sha256": "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8" },
 *   "bob":   { "role": "editor",    "token": "a-long-random-token-for-bob" } }
 * ```
 *
 * `sha256` (the hex SHA-256 of the token) keeps the token itself out of the secret, so the JSON
 * can be kept where the tokens may not; `token` is the token as given (at least 24 characters).
 * The single `ADMIN_TOKEN` keeps working: a publisher named `admin`.
 *
 * - `editor`: read everything, edit the draft, preview, upload images.
 * - `publisher`: also publish, roll back, and change `trusted` slots (fragments that skip the sanitizer).
 *
 * @example
 * const tokens = parseAdminTokens(env.ADMIN_TOKENS, env.ADMIN_TOKEN); // throws CONFIG_INVALID naming the entry
 * tokens[0]; // { name: "admin", role: "publisher", secret: { token: "…" } }
 * (await tokenHashes(tokens))[0]; // the SHA-256 every presented token is compared with
 */
import * as v from "valibot";
import { P13nError } from "../errors.ts";

export type Role = "editor" | "publisher";

export interface NamedToken {
  name: string;
  role: Role;
  /** The token as configured, or (`sha256` entries) only its SHA-256 in hex: see `tokenHashes`. */
  secret: { token: string } | { sha256: string };
}

/** The name ADMIN_TOKEN signs in as. */
export const ADMIN_TOKEN_NAME = "admin";
/** Bounded: every request's check compares against each one. */
export const MAX_NAMED_TOKENS = 50;
export const MIN_TOKEN_LENGTH = 24;

const Name = v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,63}$/, "a name: letters, digits, '_', '.', '@', '+' or '-', at most 64"));
const Entry = v.pipe(
  v.strictObject({
    role: v.picklist(["editor", "publisher"], "role must be editor or publisher"),
    token: v.optional(v.pipe(v.string(), v.minLength(MIN_TOKEN_LENGTH, `a token of at least ${MIN_TOKEN_LENGTH} characters`), v.maxLength(512))),
    sha256: v.optional(v.pipe(v.string(), v.regex(/^[0-9a-fA-F]{64}$/, "sha256 must be 64 hex digits"))),
  }),
  v.check((e) => (e.token === undefined) !== (e.sha256 === undefined), "give exactly one of token or sha256"),
);
const TokensSchema = v.pipe(
  v.record(Name, Entry),
  v.check((r) => Object.keys(r).length <= MAX_NAMED_TOKENS, `at most ${MAX_NAMED_TOKENS} named tokens`),
);

/** SHA-256 hex of a string (Node and workerd alike). */
export async function sha256Hex(s: string): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Every named token, ADMIN_TOKEN first (as the publisher `admin`). Throws CONFIG_INVALID naming
 * the entry and field that is wrong.
 */
export function parseAdminTokens(json: string | undefined, adminToken: string | undefined): NamedToken[] {
  const out: NamedToken[] = [];
  if (adminToken) out.push({ name: ADMIN_TOKEN_NAME, role: "publisher", secret: { token: adminToken } });
  if (!json) return out;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new P13nError("CONFIG_INVALID", 'ADMIN_TOKENS: not JSON; write {"name": {"role": "editor", "sha256": "<hex>"}}');
  }
  const parsed = v.safeParse(TokensSchema, raw);
  if (!parsed.success) {
    const i = parsed.issues[0];
    const where = i?.path?.map((p) => String(p.key)).join(".") ?? "";
    throw new P13nError("CONFIG_INVALID", `ADMIN_TOKENS${where ? `.${where}` : ""}: ${i?.message ?? "invalid"}`);
  }
  for (const [name, e] of Object.entries(parsed.output)) {
    if (name === ADMIN_TOKEN_NAME && adminToken) throw new P13nError("CONFIG_INVALID", `ADMIN_TOKENS.${name}: the name '${ADMIN_TOKEN_NAME}' is ADMIN_TOKEN's; pick another`);
    out.push({ name, role: e.role, secret: e.sha256 !== undefined ? { sha256: e.sha256.toLowerCase() } : { token: e.token! } });
  }
  return out;
}

// Per token list (parsed once per env, so stable for an isolate's life): the hashes, computed once.
const hashes = new WeakMap<readonly NamedToken[], Promise<string[]>>();

/**
 * The SHA-256 (hex) of each token, in order: what a presented token's own hash is compared with.
 *
 * @example
 * const [admin] = await tokenHashes(config.admin.tokens);
 */
export function tokenHashes(tokens: readonly NamedToken[]): Promise<string[]> {
  let held = hashes.get(tokens);
  if (!held) {
    held = Promise.all(tokens.map((t) => ("sha256" in t.secret ? t.secret.sha256 : sha256Hex(t.secret.token))));
    hashes.set(tokens, held);
  }
  return held;
}
