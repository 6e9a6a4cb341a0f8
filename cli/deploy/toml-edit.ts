/**
 * Targeted edits of wrangler.toml's production part (everything above the first
 * `[env.…]` table): one value at a time, comments and layout kept, so `p13n init` can
 * write ids, the route and the origin into the file a site owner reads and commits.
 * Each edit is idempotent: applying it twice gives the same text.
 *
 * @example
 * text = setBindingValue(text, "kv_namespaces", "CONTENT", "id", "0f2a…");
 * text = setVar(text, "ORIGIN_URL", "");
 * text = setRoutes(text, [{ pattern: "www.example.com/*", zone_name: "example.com" }]);
 */

/** The production part and the rest (the environments), split at the first `[env.` table header. */
function split(text: string): [string, string] {
  const m = /^\[\[?env\./m.exec(text);
  return m ? [text.slice(0, m.index), text.slice(m.index)] : [text, ""];
}

const tomlString = (s: string): string => JSON.stringify(s);

/**
 * Sets `key = "value"` in the production `[[table]]` whose binding is `binding`.
 * Throws when there is no such table (the file was changed by hand beyond recognition).
 */
export function setBindingValue(text: string, table: string, binding: string, key: string, value: string): string {
  const [prod, envs] = split(text);
  const header = new RegExp(`^\\[\\[${table.replace(/\./g, "\\.")}\\]\\]\\s*$`, "gm");
  let m: RegExpExecArray | null;
  while ((m = header.exec(prod))) {
    const start = m.index + m[0].length;
    const next = /^\[/m.exec(prod.slice(start));
    const end = next ? start + next.index : prod.length;
    const block = prod.slice(start, end);
    if (!new RegExp(`^binding\\s*=\\s*"${binding}"\\s*$`, "m").test(block)) continue;
    const line = new RegExp(`^${key}\\s*=.*$`, "m");
    const updated = line.test(block) ? block.replace(line, `${key} = ${tomlString(value)}`) : block.replace(/(^binding\s*=.*$)/m, `$1\n${key} = ${tomlString(value)}`);
    return prod.slice(0, start) + updated + prod.slice(end) + envs;
  }
  throw new Error(`wrangler.toml has no [[${table}]] with binding = "${binding}" above its environments`);
}

/** Sets `NAME = "value"` in the production `[vars]` table (adding it at the table's end when missing). */
export function setVar(text: string, name: string, value: string): string {
  const [prod, envs] = split(text);
  const m = /^\[vars\]\s*$/m.exec(prod);
  if (!m) throw new Error("wrangler.toml has no [vars] table above its environments");
  const start = m.index + m[0].length;
  const next = /^\[/m.exec(prod.slice(start));
  const end = next ? start + next.index : prod.length;
  const block = prod.slice(start, end);
  const line = new RegExp(`^${name}\\s*=.*$`, "m");
  const updated = line.test(block) ? block.replace(line, `${name} = ${tomlString(value)}`) : `${block.replace(/\n*$/, "")}\n${name} = ${tomlString(value)}\n\n`;
  return prod.slice(0, start) + updated + prod.slice(end) + envs;
}

/** Sets a top-level `key = "value"` (before any table), e.g. `account_id`. */
export function setTopLevel(text: string, key: string, value: string): string {
  const firstTable = /^\[/m.exec(text);
  const head = firstTable ? text.slice(0, firstTable.index) : text;
  const rest = firstTable ? text.slice(firstTable.index) : "";
  const line = new RegExp(`^${key}\\s*=.*$`, "m");
  if (line.test(head)) return head.replace(line, `${key} = ${tomlString(value)}`) + rest;
  // After `name = …`, where a reader looks for it.
  return head.replace(/^(name\s*=.*)$/m, `$1\n${key} = ${tomlString(value)}`) + rest;
}

export interface Route {
  pattern: string;
  zone_name: string;
}

/** Sets the production `routes = [...]` line (replacing the commented example's place when there is none yet). */
export function setRoutes(text: string, routes: readonly Route[]): string {
  const value = `routes = [${routes.map((r) => `{ pattern = ${tomlString(r.pattern)}, zone_name = ${tomlString(r.zone_name)} }`).join(", ")}]`;
  const firstTable = /^\[/m.exec(text);
  const head = firstTable ? text.slice(0, firstTable.index) : text;
  const rest = firstTable ? text.slice(firstTable.index) : "";
  const line = /^routes\s*=.*$/m;
  if (line.test(head)) return head.replace(line, value) + rest;
  const example = /^# routes = \[.*$/m;
  if (example.test(head)) return head.replace(example, (l) => `${l}\n${value}`) + rest;
  return `${head.replace(/\n*$/, "")}\n${value}\n\n${rest}`;
}

/** `www.example.com/*` → `example.com` (the last two labels; pass --zone for zones like example.co.uk). */
export function zoneOf(pattern: string): string {
  const host = pattern.replace(/^\*\.?/, "").split("/")[0]!.split(":")[0]!;
  return host.split(".").slice(-2).join(".");
}
