// The admin API's answers as the console reads them (src/client/console*.browser.js, through
// JSDoc `import("./admin-api.js")`): the server's own types wherever a pure module defines
// them, so a field renamed on one side and not the other fails `npm run typecheck`.
import type { ManifestSummary } from "../../routes/admin/summary.ts";
import type { ExperimentListItem } from "../../results/report.ts";

export type { ManifestSummary, VariantSummary, ExperimentSummary } from "../../routes/admin/summary.ts";
export type { ExperimentReport, ExperimentListItem, DailyPoint } from "../../results/report.ts";
export type { StatsReport } from "../../observability/stats.ts";

/** GET /current (src/routes/admin/content.ts). */
export interface CurrentAnswer {
  version: string | null;
  previous: string | null;
  updatedAt: string | null;
  manifest: Record<string, unknown> | null;
  summary: ManifestSummary | null;
}

/** One row of GET /versions (src/content/versions.ts VersionInfo). */
export interface VersionRow {
  version: string;
  publishedAt: string | null;
  slots: number | null;
  variants: number | null;
  current: boolean;
  previous: boolean;
  draftPreview: boolean;
}

/** GET /versions. */
export interface VersionsAnswer {
  current: string | null;
  previous: string | null;
  versions: VersionRow[];
}

/** POST /rollback. */
export interface RollbackAnswer {
  version: string;
}

/** POST /preview-link. */
export interface PreviewLinkAnswer {
  url: string;
  expiresAt: string;
}

/** GET /experiments. */
export interface ExperimentsAnswer {
  experiments: ExperimentListItem[];
}

export type { PerformanceReport, VariantPerformance } from "../../observability/performance-report.ts";
export type { AuditEntry } from "../../editors/audit-entry.ts";
export type { StoredImage } from "../../assets/stored-image.ts";
export type { AttributeDef } from "../../engine/attributes.ts";

/** GET /current's manifest document, and a draft's (the manifest as published: no defaults filled in). */
export type ManifestDoc = Record<string, unknown>;

/** The draft in GET/PUT /draft (src/routes/admin/draft.ts). */
export interface DraftInfo {
  manifest: ManifestDoc;
  etag: string;
  base: string | null;
  baseIsLive: boolean;
  updatedAt: string;
  updatedBy: string;
  summary: ManifestSummary | null;
}

/** GET /draft. */
export interface DraftAnswer {
  draft: DraftInfo | null;
  live: string | null;
}

/** PUT /draft. */
export interface SaveDraftAnswer {
  draft: DraftInfo;
  sanitized: Array<{ slot: string; variant: string; what: string; message: string }>;
  warnings: Array<{ path: Array<string | number>; message: string }>;
}

/** 409 DRAFT_CHANGED's extra fields. */
export interface DraftConflict {
  error: { code: string; message: string };
  current: { etag: string; updatedBy: string; updatedAt: string; exists: boolean } | null;
  changes: string[] | null;
}

/** GET /draft/diff, GET /versions/:id/diff. */
export interface DiffAnswer {
  against: string | null;
  changes: string[];
}

/** POST /draft/publish. */
export interface PublishDraftAnswer {
  version: string;
  previous: string | null;
  changes: string[];
}

/** GET /whoami. */
export interface WhoamiAnswer {
  who: string;
  role: "editor" | "publisher";
  via: "token" | "access";
  may: Record<"publish" | "rollback" | "trusted" | "draft" | "upload" | "preview", boolean>;
}

/** GET /audit. */
export interface AuditAnswer {
  entries: import("../../editors/audit-entry.ts").AuditEntry[];
  cursor: string | null;
}

/** GET /attributes. */
export interface AttributesAnswer {
  attributes: import("../../engine/attributes.ts").AttributeDef[];
  operators: string[];
}

/** POST /sanitize. */
export interface SanitizeAnswer {
  html: string;
  removed: Array<{ what: string; message: string; line: number; column: number }>;
}
