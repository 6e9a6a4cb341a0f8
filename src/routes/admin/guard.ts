/**
 * What every admin request passes before a handler sees it:
 * 1. not cross-site (the one policy of every body route, src/routes/cross-site.ts):
 *    no other site's page can drive the API even if a credential were ambient;
 * 2. an editor's credential (bearer token or Access JWT, src/routes/admin-auth.ts), then
 *    the Worker's own config: refused, it answers 500 CONFIG_INVALID with the fix (only
 *    editors see the message);
 * 3. the host rule (README "A console the site cannot be turned against"): Access's cookie
 *    rides every request to the host it was issued for, so a script injected anywhere on the
 *    proxied site could send it. Off the console's own host (ADMIN_HOST) a request authenticated
 *    by that cookie alone is refused: when ADMIN_HOST is set, every such request (the site's
 *    host then takes header credentials only: the CLI, service tokens); without ADMIN_HOST,
 *    every such write, unless the site owner opts in (ADMIN_AMBIENT_WRITES = "allow");
 * 4. a body, when there is one, declared `application/json` (or, for an image upload, the
 *    image's own type): a plain HTML form (urlencoded, multipart, text/plain) is refused before
 *    it is read.
 * The editor is then on the context (`c.get("editor")`) for the roles and the audit record.
 *
 * @example
 * admin.use("*", adminGuard);
 * admin.post("/publish", requireRole("publish"), publishRoute);
 */
import type { Context, MiddlewareHandler, Next } from "hono";
import type { AppEnv } from "../../app-env.ts";
import type { AdminSettings } from "../../config/config.ts";
import { MAY, type Editor } from "../../editors/editor.ts";
import { P13nError } from "../../errors.ts";
import { IMAGE_TYPES } from "../../assets/image-check.ts";
import { checkEditor } from "../admin-auth.ts";
import { crossSiteReason, mediaType } from "../cross-site.ts";
import { adminError } from "./respond.ts";

const READS = new Set(["GET", "HEAD"]);

/** True when the request came in on the console's own host (or there is none: every host is). */
export function onAdminHost(request: Request, settings: AdminSettings): boolean {
  return settings.adminHost === undefined || new URL(request.url).host === settings.adminHost;
}

/** The host rule (3. above): why this editor's request is refused here, or undefined. */
function hostRefusal(request: Request, settings: AdminSettings, editor: Editor): P13nError | undefined {
  if (!editor.ambient || (settings.adminHost !== undefined && onAdminHost(request, settings))) return undefined;
  if (settings.adminHost !== undefined) {
    return new P13nError("ADMIN_HOST_ONLY", `on this host the admin API takes a header credential only; open the console at https://${settings.adminHost}/__p13n/console`);
  }
  if (READS.has(request.method) || settings.ambientWrites === "allow") return undefined;
  return new P13nError(
    "AMBIENT_CREDENTIAL",
    "this change came with the Access cookie alone, on the site's own host, where any script on the site could send it: serve the console on its own host (ADMIN_HOST), sign in with a token, or set ADMIN_AMBIENT_WRITES = \"allow\"",
  );
}

/** The body types a route takes: JSON everywhere; the image upload also takes the image's own type (no form can send those). */
function acceptsBody(c: Context<AppEnv>): boolean {
  const type = mediaType(c.req.raw);
  if (type === "application/json") return true;
  return c.req.method === "POST" && c.req.path.endsWith("/admin/assets") && IMAGE_TYPES.has(type);
}

export async function adminGuard(c: Context<AppEnv>, next: Next): Promise<Response | void> {
  try {
    const crossSite = crossSiteReason(c.req.raw);
    if (crossSite) throw new P13nError("CROSS_SITE", `cross-site requests are refused (${crossSite})`);
    const refusal = c.get("configRefusal");
    const settings = refusal ? refusal.admin : c.get("config").admin;
    const who = await checkEditor(c.req.raw, settings);
    if (!who.ok) throw new P13nError("UNAUTHORIZED", who.message);
    // The Worker refuses its config (pages pass through untouched): an editor is told why and how to fix it.
    if (refusal) throw refusal.problem;
    const editor: Editor = { who: who.who, role: who.role, via: who.via, ambient: who.ambient };
    const host = hostRefusal(c.req.raw, settings, editor);
    if (host) throw host;
    // A DELETE without a body has nothing to declare; every other change sends JSON (or the upload, its image).
    const bodiless = c.req.method === "DELETE" && c.req.raw.body === null;
    if (!READS.has(c.req.method) && !bodiless && !acceptsBody(c)) {
      throw new P13nError("UNSUPPORTED_MEDIA_TYPE", "send the body as JSON with Content-Type: application/json");
    }
    c.set("editor", editor);
  } catch (err) {
    return adminError(c, err);
  }
  await next();
}

/**
 * The signed-in editor (the guard ran before any handler).
 *
 * @example
 * const { who } = editorOf(c);
 */
export function editorOf(c: Context<AppEnv>): Editor {
  const editor = c.get("editor");
  if (!editor) throw new P13nError("UNAUTHORIZED", "no editor signed in");
  return editor;
}

/** Throws FORBIDDEN unless the editor's role may do `action`. */
export function mayDo(editor: Editor, action: keyof typeof MAY): void {
  if (!MAY[action].includes(editor.role)) {
    throw new P13nError("FORBIDDEN", `${editor.who} is ${editor.role === "editor" ? "an editor" : "a publisher"}: only ${MAY[action].join(" or ")}s may ${action === "trusted" ? "change trusted slots" : action}`);
  }
}

/**
 * A route only some roles may use.
 *
 * @example
 * admin.post("/rollback", requireRole("rollback"), rollbackRoute);
 */
export function requireRole(action: keyof typeof MAY): MiddlewareHandler<AppEnv> {
  return async function roleCheck(c, next) {
    try {
      mayDo(editorOf(c), action);
    } catch (err) {
      return adminError(c, err);
    }
    await next();
  };
}
