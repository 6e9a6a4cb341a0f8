/** One entry of the audit record (src/editors/audit.ts writes it; the console reads it). */
import type { Editor } from "./editor.ts";

export type AuditAction = "publish" | "rollback" | "upload" | "draft.publish" | "draft.discard";

export interface AuditEntry {
  /** ISO time. */
  at: string;
  who: string;
  via: Editor["via"];
  role: Editor["role"];
  action: AuditAction;
  /** The version published or rolled back to, or the image's hash. */
  target: string;
  /** The version that was live before, for publish and rollback. */
  previous?: string | null;
  /** One line for people: what changed, the image's size… (at most 300 characters). */
  detail?: string;
  /** Absent: the change was made. "failed": it was recorded, then failed (a second entry). */
  outcome?: "failed";
}
