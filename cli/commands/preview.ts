/**
 * `p13n preview --tier gold --stage new [--device mobile] [--country DE]
 *   [--at 2026-11-23T20:00:00Z] [--variant slot=variant …] [--version id] [--ttl 3600] [--path /]`:
 * prints a signed, expiring link that opens the site as that profile. Locally it
 * signs with PREVIEW_SECRET or ADMIN_TOKEN from .dev.vars (for http://localhost:8787);
 * with --url/--token (or P13N_URL/P13N_ADMIN_TOKEN) the deployed Worker signs it.
 */
import { parseArgs } from "node:util";
import { AdminApiError, adminClient } from "../admin-client.ts";
import { readDevVars } from "../dev-vars.ts";
import { targetFrom } from "../target.ts";
import { previewUrl } from "../../src/preview/link.ts";
import { signPreview } from "../../src/preview/token.ts";
import { UsageError, type Command } from "./context.ts";

export const previewUsage = `p13n preview [--tier gold] [--stage new] [--topics a,b] [--frequency fewer] [--attr k=v ...]
           [--device mobile] [--country DE] [--at 2026-11-23T20:00:00Z] [--variant slot=variant ...]
           [--version id] [--ttl 3600] [--path /] [--base http://localhost:8787] [--url https://site --token …]
   print a signed preview link (local: signed with .dev.vars; remote: by the Worker)`;

export const previewCommand: Command = async (argv, ctx) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      tier: { type: "string" },
      stage: { type: "string" },
      sub: { type: "string" },
      topics: { type: "string" },
      frequency: { type: "string" },
      attr: { type: "string", multiple: true },
      device: { type: "string" },
      country: { type: "string" },
      timezone: { type: "string" },
      at: { type: "string" },
      variant: { type: "string", multiple: true },
      version: { type: "string" },
      ttl: { type: "string", default: "3600" },
      path: { type: "string", default: "/" },
      base: { type: "string", default: "http://localhost:8787" },
      url: { type: "string" },
      token: { type: "string" },
      local: { type: "boolean" },
    },
  });
  const ttl = Number(values.ttl);
  if (!Number.isInteger(ttl)) throw new UsageError(`--ttl must be a whole number of seconds, got '${values.ttl}'`);
  const profile = {
    ...(values.sub ? { sub: values.sub } : {}),
    ...(values.tier ? { tier: values.tier } : {}),
    ...(values.stage ? { stage: values.stage } : {}),
    ...(values.topics ? { topics: values.topics.split(",").map((s) => s.trim()).filter(Boolean) } : {}),
    ...(values.frequency ? { frequency: values.frequency } : {}),
    ...(values.attr?.length ? { attrs: pairs(values.attr, "--attr", true) } : {}),
  };
  const context = {
    ...(values.device ? { device: values.device } : {}),
    ...(values.country ? { country: values.country.toUpperCase() } : {}),
    ...(values.timezone ? { timezone: values.timezone } : {}),
    ...(values.at ? { at: values.at } : {}),
  };
  const spec = {
    ...(Object.keys(profile).length ? { profile } : {}),
    ...(Object.keys(context).length ? { context } : {}),
    ...(values.variant?.length ? { variants: pairs(values.variant, "--variant", false) } : {}),
    ...(values.version ? { version: values.version } : {}),
  };
  const target = targetFrom(values, process.env, { defaultLocal: true });
  if (target.kind === "remote") {
    try {
      const r = await adminClient(ctx.io, target).previewLink({ ...spec, path: values.path, ttl });
      ctx.io.printErr(`preview link, valid until ${r.expiresAt}:`);
      ctx.io.print(r.url);
      return 0;
    } catch (err) {
      if (!(err instanceof AdminApiError)) throw err;
      ctx.io.printErr(`✗ ${err.code}: ${err.message}`);
      return 1;
    }
  }
  const vars = await readDevVars(ctx.cwd);
  const secret = process.env.PREVIEW_SECRET || vars.PREVIEW_SECRET || process.env.ADMIN_TOKEN || vars.ADMIN_TOKEN;
  if (!secret) {
    ctx.io.printErr("no PREVIEW_SECRET or ADMIN_TOKEN: run `npm run dev` once (it creates .dev.vars), or pass --url and --token");
    return 1;
  }
  let signed;
  try {
    signed = await signPreview(spec, secret, { ttlS: ttl });
  } catch (err) {
    if (err instanceof TypeError) throw new UsageError(err.message);
    throw err;
  }
  ctx.io.printErr(`preview link for ${values.base}, valid until ${new Date(signed.exp * 1000).toISOString()}:`);
  ctx.io.print(previewUrl(values.base, values.path, signed.token));
  return 0;
};

function pairs(list: string[], flag: string, typed: boolean): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const p of list) {
    const i = p.indexOf("=");
    if (i <= 0) throw new UsageError(`${flag} takes key=value, got '${p}'`);
    const raw = p.slice(i + 1);
    out[p.slice(0, i)] = !typed ? raw : raw === "true" ? true : raw === "false" ? false : raw !== "" && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  return out;
}
