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
