/**
 * `.dev.vars`: the local secrets `wrangler dev` reads (PROFILE_SECRET, VISITOR_SECRET,
 * ADMIN_TOKEN). Never committed; made from the committed `.dev.vars.example`.
 *
 * @example
 * await ensureDevVars(process.cwd()); // "created" the first time, then "exists"
 * (await readDevVars(process.cwd())).PROFILE_SECRET;
 */
import { copyFile, readFile, access } from "node:fs/promises";
import { join } from "node:path";

export const DEV_VARS = ".dev.vars";
export const DEV_VARS_EXAMPLE = ".dev.vars.example";

/** KEY=value lines; values may be "double" or 'single' quoted; # starts a comment line. */
export function parseDevVars(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2]!;
    const q = value[0];
    if ((q === '"' || q === "'") && value.endsWith(q) && value.length >= 2) value = value.slice(1, -1);
    out[m[1]!] = value;
  }
  return out;
}

export async function readDevVars(cwd: string): Promise<Record<string, string>> {
  try {
    return parseDevVars(await readFile(join(cwd, DEV_VARS), "utf8"));
  } catch {
    return {};
  }
}

/** Copies `.dev.vars.example` to `.dev.vars` unless it exists; never overwrites. */
export async function ensureDevVars(cwd: string): Promise<"created" | "exists"> {
  const target = join(cwd, DEV_VARS);
  try {
    await access(target);
    return "exists";
  } catch {
    // COPYFILE_EXCL (1): fail rather than overwrite if it appeared meanwhile.
    await copyFile(join(cwd, DEV_VARS_EXAMPLE), target, 1);
    return "created";
  }
}
