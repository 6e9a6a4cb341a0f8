/**
 * What wrangler 4 prints, read back: the JSON of `kv namespace list`, `d1 list --json`,
 * `secret list` and `whoami --json`, and the lines of `deploy` that name the version and
 * the targets. Wrangler may print warnings around its JSON; each reader takes the JSON
 * value that starts at the first `[` or `{` of a line.
 *
 * @example
 * kvNamespaces(r.stdout).find((n) => n.title === "p13n-content")?.id;
 */
function jsonIn(text: string, open: "[" | "{"): unknown {
  const m = new RegExp(`^\\s*\\${open}`, "m").exec(text);
  if (!m) throw new Error(`no JSON in wrangler's output: ${text.trim().slice(0, 200)}`);
  const start = m.index + m[0].indexOf(open);
  const close = open === "[" ? "]" : "}";
  const end = text.lastIndexOf(close);
  return JSON.parse(text.slice(start, end + 1));
}

/** `wrangler kv namespace list`: `[{ "id": "…", "title": "…", "supports_url_encoding": true }]`. */
export function kvNamespaces(stdout: string): Array<{ id: string; title: string }> {
  return (jsonIn(stdout, "[") as Array<{ id: string; title: string }>).filter((n) => typeof n.id === "string" && typeof n.title === "string");
}

/** `wrangler d1 list --json`: `[{ "uuid": "…", "name": "…", "created_at": "…", … }]`. */
export function d1Databases(stdout: string): Array<{ uuid: string; name: string }> {
  return (jsonIn(stdout, "[") as Array<{ uuid: string; name: string }>).filter((d) => typeof d.uuid === "string" && typeof d.name === "string");
}

/** `wrangler secret list` (JSON by default): `[{ "name": "…", "type": "secret_text" }]`. */
export function secretNames(stdout: string): string[] {
  return (jsonIn(stdout, "[") as Array<{ name: string }>).map((s) => s.name);
}

/** `wrangler whoami --json`: `{ "loggedIn": true, "email": …, "accounts": [{ "name", "id" }] }`. */
export function whoami(stdout: string): { loggedIn: boolean; email?: string; accounts: Array<{ id: string; name: string }> } {
  const w = jsonIn(stdout, "{") as { loggedIn?: boolean; email?: string; accounts?: Array<{ id: string; name: string }> };
  return { loggedIn: w.loggedIn === true, ...(w.email ? { email: w.email } : {}), accounts: w.accounts ?? [] };
}

/** `wrangler deploy`: "Current Version ID: <uuid>" and the indented targets under "Deployed <name> triggers". */
export function deployed(stdout: string): { versionId: string | null; targets: string[] } {
  const versionId = /Current Version ID:\s*([0-9a-f-]{36})/.exec(stdout)?.[1] ?? null;
  const block = /Deployed \S+ triggers[^\n]*\n((?:[ \t]+\S[^\n]*\n?)*)/.exec(stdout)?.[1] ?? "";
  const targets = block.split("\n").map((l) => l.trim()).filter(Boolean);
  return { versionId, targets };
}
