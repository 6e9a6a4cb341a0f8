/**
 * What `npm run deploy` refuses before anything is published, each with the fix: the
 * demo shop's assets in production, placeholder KV and D1 ids, an empty ORIGIN_URL with no
 * route (the zone's origin needs one), an ORIGIN_URL that names the Worker's own route.
 * Reads wrangler.toml through wrangler's own reader, the production (top-level) config.
 *
 * @example
 * const { problems, warnings } = productionChecks(readProductionConfig("wrangler.toml"));
 */
import { unstable_readConfig } from "wrangler";

export interface Finding {
  code: "DEMO_ASSETS" | "PLACEHOLDER_KV" | "PLACEHOLDER_D1" | "NO_ROUTE" | "ORIGIN_IS_SELF" | "ORIGIN_URL_INVALID" | "DEMO_ISSUER" | "NO_METRICS_READER";
  message: string;
  fix: string;
}

/** The parts of the production config the checks read. */
export interface ProductionConfig {
  name: string | undefined;
  assets: unknown;
  kv: Array<{ binding: string; id?: string | undefined }>;
  d1: Array<{ binding: string; database_id?: string | undefined; database_name?: string | undefined }>;
  routes: Array<string | { pattern: string; zone_name?: string; custom_domain?: boolean }>;
  vars: Record<string, unknown>;
}

export function readProductionConfig(path: string): ProductionConfig {
  const c = unstable_readConfig({ config: path });
  const routes = [...(c.routes ?? []), ...(c.route ? [c.route] : [])] as ProductionConfig["routes"];
  return { name: c.name, assets: c.assets, kv: c.kv_namespaces, d1: c.d1_databases, routes, vars: c.vars as Record<string, unknown> };
}

const KV_ID = /^[0-9a-f]{32}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const DEMO_ISSUER = "https://demo-shop.example";

/** The host part of a route pattern: `*.example.com/*` → `*.example.com`. */
const routeHost = (r: ProductionConfig["routes"][number]): string => (typeof r === "string" ? r : r.pattern).split("/")[0]!.split(":")[0]!.toLowerCase();

function coveredBy(host: string, pattern: string): boolean {
  if (pattern.startsWith("*")) {
    const suffix = pattern.slice(1).replace(/^\./, "");
    return host === suffix || host.endsWith(`.${suffix}`);
  }
  return host === pattern;
}

export function productionChecks(c: ProductionConfig): { problems: Finding[]; warnings: Finding[] } {
  const problems: Finding[] = [];
  const warnings: Finding[] = [];
  if (c.assets) {
    problems.push({
      code: "DEMO_ASSETS",
      message: "the production config carries static assets (the demo shop)",
      fix: "move the [assets] table into [env.dev.assets] in wrangler.toml: the demo shop is for local development only",
    });
  }
  const kv = c.kv.find((k) => k.binding === "CONTENT");
  if (!kv?.id || !KV_ID.test(kv.id)) {
    problems.push({ code: "PLACEHOLDER_KV", message: `KV binding CONTENT has the placeholder id "${kv?.id ?? ""}"`, fix: "run `npx p13n init`: it finds or creates the namespace and writes its id" });
  }
  const d1 = c.d1.find((d) => d.binding === "RESULTS");
  if (!d1?.database_id || !UUID.test(d1.database_id)) {
    problems.push({ code: "PLACEHOLDER_D1", message: `D1 binding RESULTS has the placeholder id "${d1?.database_id ?? ""}"`, fix: "run `npx p13n init`: it finds or creates the database and writes its id" });
  }
  const origin = String(c.vars.ORIGIN_URL ?? "").trim();
  if (origin === "") {
    if (c.routes.length === 0) {
      problems.push({
        code: "NO_ROUTE",
        message: "ORIGIN_URL is empty (the zone's own origin) but the Worker has no route on a zone",
        fix: "run `npx p13n init --route \"www.example.com/*\"` (or add routes to wrangler.toml), or set ORIGIN_URL to your origin",
      });
    }
  } else if (!URL.canParse(origin) || !/^https?:$/.test(new URL(origin).protocol)) {
    problems.push({ code: "ORIGIN_URL_INVALID", message: `ORIGIN_URL "${origin}" is not an http(s) URL`, fix: "set it to your origin, e.g. https://origin.example.net, or leave it empty for the zone's own origin" });
  } else {
    const host = new URL(origin).hostname.toLowerCase();
    const self = c.routes.map(routeHost).find((p) => coveredBy(host, p));
    if (self) {
      problems.push({
        code: "ORIGIN_IS_SELF",
        message: `ORIGIN_URL (${host}) is covered by the Worker's own route ${self}: every request would come back to the Worker`,
        fix: "leave ORIGIN_URL empty to use the zone's own origin, or set it to the origin server's own host",
      });
    }
  }
  if (String(c.vars.PROFILE_ISSUER ?? "") === DEMO_ISSUER) {
    warnings.push({
      code: "DEMO_ISSUER",
      message: `PROFILE_ISSUER is still the demo's (${DEMO_ISSUER})`,
      fix: "set it to what your backend puts in `iss` (`npx p13n init --issuer https://www.example.com`); tokens with another issuer are refused",
    });
  }
  if (String(c.vars.METRICS_STORE ?? "analytics-engine") !== "local" && !String(c.vars.METRICS_ACCOUNT_ID ?? "")) {
    warnings.push({
      code: "NO_METRICS_READER",
      message: "the console's Activity view cannot read Analytics Engine yet (METRICS_ACCOUNT_ID is empty)",
      fix: "`npx p13n init --account-id …` and the METRICS_API_TOKEN secret; meanwhile `npx p13n stats --account-id …` reads it with CLOUDFLARE_API_TOKEN",
    });
  }
  return { problems, warnings };
}
