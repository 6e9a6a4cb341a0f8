/**
 * Who is signed in, what the rule builder may offer, and who did what:
 *
 * | method | path | answer |
 * |---|---|---|
 * | GET | /whoami | `{ who, role, via, may: { publish, rollback, trusted, draft, upload, preview } }` |
 * | GET | /attributes | `{ attributes: [{ name, kind, type, description, values? }], operators }`: what `npx p13n attributes` lists |
 * | GET | /audit?limit=50&cursor= | `{ entries: [{ at, who, via, role, action, target, previous?, detail?, outcome? }], cursor }`, newest first |
 * | POST | /sanitize | `{ html }` → `{ html, removed: [{ what, message, line, column }] }`: what publishing would keep of a fragment, as the editor types |
 *
 * @example
 * admin.get("/audit", auditRoute);
 */
import type { Context } from "hono";
import type { AppEnv } from "../../app-env.ts";
import { listAudit, MAX_AUDIT_PAGE } from "../../editors/audit.ts";
import { MAY } from "../../editors/editor.ts";
import { editorFiles } from "../../editors/files.ts";
import { ATTRIBUTES } from "../../engine/attributes.ts";
import { OPERATORS } from "../../engine/schema.ts";
import { P13nError } from "../../errors.ts";
import { lineColumn, sanitizeFragment } from "../../content/sanitize.ts";
import { MAX_FRAGMENT_BYTES } from "../../engine/schema.ts";
import { readJson } from "./body.ts";
import { editorOf } from "./guard.ts";
import { ADMIN_HEADERS, adminError } from "./respond.ts";

/** GET /whoami */
export function whoamiRoute(c: Context<AppEnv>): Response {
  try {
    const e = editorOf(c);
    const may = Object.fromEntries(Object.entries(MAY).map(([action, roles]) => [action, roles.includes(e.role)]));
    return c.json({ who: e.who, role: e.role, via: e.via, may }, 200, ADMIN_HEADERS);
  } catch (err) {
    return adminError(c, err);
  }
}

/** GET /attributes */
export function attributesRoute(c: Context<AppEnv>): Response {
  return c.json({ attributes: ATTRIBUTES, operators: OPERATORS }, 200, ADMIN_HEADERS);
}

/** GET /audit */
export async function auditRoute(c: Context<AppEnv>): Promise<Response> {
  try {
    const raw = c.req.query("limit") ?? "50";
    const limit = /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
    if (!(limit >= 1 && limit <= MAX_AUDIT_PAGE)) throw new P13nError("BAD_REQUEST", `limit must be a whole number from 1 to ${MAX_AUDIT_PAGE}`, { path: ["limit"] });
    const cursor = c.req.query("cursor");
    if (cursor !== undefined && !/^[A-Za-z0-9+/=_-]{1,1024}$/.test(cursor)) throw new P13nError("BAD_REQUEST", "not a cursor from an earlier page", { path: ["cursor"] });
    return c.json(await listAudit(editorFiles(c.env), { limit, ...(cursor ? { cursor } : {}) }), 200, ADMIN_HEADERS);
  } catch (err) {
    return adminError(c, err);
  }
}

/** POST /sanitize: the fragment sanitizer's verdict on one fragment (the console calls it as the editor types). */
export async function sanitizeRoute(c: Context<AppEnv>): Promise<Response> {
  try {
    const input = await readJson(c.req.raw, MAX_FRAGMENT_BYTES + 1024, "fragment");
    const html = typeof input === "object" && input !== null && typeof (input as { html?: unknown }).html === "string" ? (input as { html: string }).html : undefined;
    if (html === undefined) throw new P13nError("BAD_REQUEST", 'send { "html": "<p>…</p>" }', { path: ["html"] });
    const r = sanitizeFragment(html);
    return c.json({ html: r.html, removed: r.removed.map((x) => ({ what: x.what, message: x.message, ...lineColumn(html, x.offset) })) }, 200, ADMIN_HEADERS);
  } catch (err) {
    return adminError(c, err);
  }
}
