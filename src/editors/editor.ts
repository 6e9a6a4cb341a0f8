/**
 * Who is at the console: the signed-in editor as every admin route sees it (set by the admin
 * guard, src/routes/admin/guard.ts, from src/routes/admin-auth.ts's check). The audit record
 * names them; their role decides what they may do.
 *
 * @example
 * const editor = c.get("editor"); // { who: "alice@example.com", role: "publisher", via: "access", ambient: false }
 */
import type { Role } from "../config/admin-tokens.ts";

export type { Role } from "../config/admin-tokens.ts";

export interface Editor {
  /** The token's name, or the Access identity's email. */
  who: string;
  role: Role;
  via: "token" | "access";
  /** Authenticated by the Access cookie alone, which every request to the host carries. */
  ambient: boolean;
}

/** What each role may do, beyond reading (README "Who did what, and who may"). */
export const MAY: Readonly<Record<"publish" | "rollback" | "trusted" | "draft" | "upload" | "preview", readonly Role[]>> = {
  publish: ["publisher"],
  rollback: ["publisher"],
  trusted: ["publisher"],
  draft: ["editor", "publisher"],
  upload: ["editor", "publisher"],
  preview: ["editor", "publisher"],
};
