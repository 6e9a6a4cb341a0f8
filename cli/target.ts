/**
 * Where a command acts: wrangler dev's local KV (`--local`), or a deployed Worker's
 * admin API (`--url` and `--token`, or P13N_URL and P13N_ADMIN_TOKEN).
 *
 * @example
 * const target = targetFrom(values, process.env); // { kind: "remote", url, token } | { kind: "local" }
 */
import { UsageError } from "./commands/context.ts";
import { readDevVars } from "./dev-vars.ts";

export type Target = { kind: "local"; persistTo?: string } | { kind: "remote"; url: string; token: string };

/** Options every target-taking command accepts (for parseArgs). */
export const TARGET_OPTIONS = {
  local: { type: "boolean" },
  url: { type: "string" },
  token: { type: "string" },
  "persist-to": { type: "string" },
} as const;

export const TARGET_USAGE = "[--local [--persist-to dir] | --url https://site --token $P13N_ADMIN_TOKEN]";

export function targetFrom(
  values: { local?: boolean | undefined; url?: string | undefined; token?: string | undefined; "persist-to"?: string | undefined },
  env: Record<string, string | undefined>,
  opts: { defaultLocal: boolean },
): Target {
  const url = values.local ? undefined : (values.url ?? env.P13N_URL);
  if (url) {
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new UsageError(`--url must be an http(s) URL, got '${url}'`);
    const token = values.token ?? env.P13N_ADMIN_TOKEN;
    if (!token) throw new UsageError("a remote Worker needs its admin token: --token or P13N_ADMIN_TOKEN");
    return { kind: "remote", url, token };
  }
  if (!values.local && !opts.defaultLocal) throw new UsageError("say where: --local (wrangler dev's KV) or --url https://your-site (or set P13N_URL)");
  return values["persist-to"] ? { kind: "local", persistTo: values["persist-to"] } : { kind: "local" };
}

/**
 * The admin API a command reads: the deployed Worker the target names, else `npm run dev`'s worker
 * on localhost (`--port`, 8787), with its admin token from .dev.vars unless `--token` gives one.
 */
export async function adminApiFrom(
  values: { token?: string | undefined; port?: string | undefined },
  target: Target,
  cwd: string,
): Promise<{ url: string; token: string }> {
  if (target.kind === "remote") return target;
  const token = values.token ?? (await readDevVars(cwd)).ADMIN_TOKEN;
  if (!token) throw new UsageError("no ADMIN_TOKEN in .dev.vars: pass --token, or --url and --token for a deployed site");
  const port = values.port ?? "8787";
  if (!/^\d{1,5}$/.test(port)) throw new UsageError(`--port must be a number, got '${port}'`);
  return { url: `http://localhost:${port}`, token };
}
