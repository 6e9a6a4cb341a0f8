/**
 * `p13n init`: from an empty Cloudflare account to a config `npm run deploy` accepts.
 *   1. who is logged in (`wrangler whoami --json`), and which account;
 *   2. the KV namespace for content: found by title, else created; its id into wrangler.toml;
 *   3. the D1 database for results: found by name, else created; its id into wrangler.toml;
 *   4. the route, the origin, the profile issuer and audience into wrangler.toml;
 *   5. migrations/ applied to the D1 database (D1 skips what is applied already);
 *   6. the secrets: any already set are kept (unless --rotate-secrets); a missing one comes
 *      from $P13N_<NAME>, or the answer at the prompt, or 32 random bytes; generated values
 *      are written to p13n-secrets.local (mode 600, git-ignored) for your backend and editors.
 * Safe to re-run: it finds what exists and changes nothing that is already right. Every
 * Cloudflare call goes through `io.wrangler` (cli/io.ts); `--dry-run` prints the plan and
 * calls nothing, writes nothing.
 */
import { randomBytes } from "node:crypto";
import { appendFile, chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Io, RunResult } from "../io.ts";
import { setBindingValue, setRoutes, setTopLevel, setVar, zoneOf, type Route } from "../deploy/toml-edit.ts";
import { d1Databases, kvNamespaces, secretNames, whoami } from "../deploy/wrangler-output.ts";
import { UsageError, type Command } from "./context.ts";

export const initUsage = `p13n init [--route "www.example.com/*"] [--zone example.com] [--origin https://origin.example.net]
          [--issuer https://www.example.com] [--audience p13n-edge] [--account-id ID]
          [--kv-name p13n-content] [--d1-name p13n-results] [--rotate-secrets] [--yes] [--dry-run]
   creates or finds the KV namespace and D1 database, writes their ids, the route and the origin into
   wrangler.toml, applies the migrations and sets the secrets. Safe to re-run. --yes: no questions (CI);
   secrets from $P13N_PROFILE_SECRET, $P13N_VISITOR_SECRET, $P13N_ADMIN_TOKEN, $P13N_METRICS_API_TOKEN, else generated`;

export const REQUIRED_SECRETS = ["PROFILE_SECRET", "VISITOR_SECRET", "ADMIN_TOKEN"] as const;
export const SECRETS_FILE = "p13n-secrets.local";

/** 32 random bytes, base64url: 256 bits, well past what HS256 and an HMAC id need. */
export const generateSecret = (): string => randomBytes(32).toString("base64url");

interface Plan {
  accountId: string | undefined;
  route: Route | undefined;
  origin: string;
  issuer: string;
  audience: string;
  kvName: string;
  d1Name: string;
  rotate: boolean;
}

const shell = (args: readonly string[]): string => `npx wrangler ${args.map((a) => (/^[\w@%+=:,./*-]+$/.test(a) ? a : JSON.stringify(a))).join(" ")}`;

function failed(what: string, r: RunResult): Error {
  return new Error(`${what} failed (wrangler exit ${r.code}): ${(r.stderr || r.stdout).trim().split("\n").slice(-6).join("\n")}`);
}

async function decide(values: Record<string, string | boolean | undefined>, io: Io, toml: string, interactive: boolean): Promise<Plan> {
  const str = (k: string) => (typeof values[k] === "string" ? (values[k] as string) : undefined);
  const existingRoute = /^routes\s*=\s*\[\{\s*pattern\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  let pattern = str("route") ?? existingRoute;
  if (interactive && io.ask) pattern = (await io.ask("Route the Worker runs on (your site's host and /*):", pattern ?? "www.example.com/*")) || undefined;
  if (pattern !== undefined && !/^(\*\.)?[a-z0-9.-]+\.[a-z]{2,}(:\d+)?\/.*$/i.test(pattern)) throw new UsageError(`--route must look like www.example.com/*, got '${pattern}'`);
  const route = pattern ? { pattern, zone_name: str("zone") ?? zoneOf(pattern) } : undefined;
  let origin = str("origin") ?? /^ORIGIN_URL\s*=\s*"([^"]*)"/m.exec(toml)?.[1] ?? "";
  if (interactive && io.ask) origin = await io.ask("Origin URL (empty: the zone's own origin, what the route's DNS names):", origin);
  if (origin !== "" && (!URL.canParse(origin) || !/^https?:$/.test(new URL(origin).protocol))) throw new UsageError(`--origin must be an http(s) URL or empty, got '${origin}'`);
  const host = route ? route.pattern.split("/")[0]!.replace(/^\*\./, "") : undefined;
  const currentIssuer = /^PROFILE_ISSUER\s*=\s*"([^"]*)"/m.exec(toml)?.[1];
  let issuer = str("issuer") ?? (currentIssuer && currentIssuer !== "https://demo-shop.example" ? currentIssuer : host ? `https://${host}` : (currentIssuer ?? ""));
  if (interactive && io.ask) issuer = await io.ask("Issuer your backend puts in the profile token's iss:", issuer);
  let audience = str("audience") ?? /^PROFILE_AUDIENCE\s*=\s*"([^"]*)"/m.exec(toml)?.[1] ?? "p13n-edge";
  if (interactive && io.ask) audience = await io.ask("Audience (aud) of the profile token:", audience);
  return {
    accountId: str("account-id"),
    route,
    origin,
    issuer,
    audience,
    kvName: str("kv-name") ?? "p13n-content",
    d1Name: str("d1-name") ?? "p13n-results",
    rotate: values["rotate-secrets"] === true,
  };
}

function printPlan(io: Io, p: Plan): void {
  const lines = [
    "p13n init --dry-run: the plan (nothing is called, created, written or uploaded)",
    "",
    "1. Who is logged in, and to which account:",
    `     ${shell(["whoami", "--json"])}`,
    ...(p.accountId ? [`     account ${p.accountId} (--account-id) → wrangler.toml account_id, METRICS_ACCOUNT_ID`] : ["     a single account is used; several need --account-id"]),
    `2. Find the KV namespace "${p.kvName}", create it if missing:`,
    `     ${shell(["kv", "namespace", "list"])}`,
    `     ${shell(["kv", "namespace", "create", p.kvName])}   (only if missing)`,
    "     → wrangler.toml [[kv_namespaces]] CONTENT id",
    `3. Find the D1 database "${p.d1Name}", create it if missing:`,
    `     ${shell(["d1", "list", "--json"])}`,
    `     ${shell(["d1", "create", p.d1Name])}   (only if missing)`,
    "     → wrangler.toml [[d1_databases]] RESULTS database_id",
    "4. Write into wrangler.toml (production, above [env.dev]):",
    p.route ? `     routes = [{ pattern = "${p.route.pattern}", zone_name = "${p.route.zone_name}" }]` : "     (no route: pass --route, or the Worker has no zone origin to go to)",
    `     ORIGIN_URL = "${p.origin}"${p.origin === "" ? "   (the zone's own origin)" : ""}`,
    `     PROFILE_ISSUER = "${p.issuer}"`,
    `     PROFILE_AUDIENCE = "${p.audience}"`,
    "5. Apply migrations/ to the D1 database:",
    `     ${shell(["d1", "migrations", "apply", "RESULTS", "--remote", "--env="])}`,
    `6. Secrets (${p.rotate ? "all replaced: --rotate-secrets" : "those already set are kept"}):`,
    `     ${shell(["secret", "list", "--env="])}`,
    ...REQUIRED_SECRETS.map((n) => `     ${shell(["secret", "put", n, "--env="])}   ← $P13N_${n}${process.env[`P13N_${n}`] ? " (set)" : " (not set: 32 random bytes, saved to " + SECRETS_FILE + ")"}`),
    `     ${shell(["secret", "put", "METRICS_API_TOKEN", "--env="])}   ← $P13N_METRICS_API_TOKEN${process.env.P13N_METRICS_API_TOKEN ? " (set)" : " (not set: skipped)"}`,
    "",
    "Then: npm run deploy",
  ];
  io.print(lines.join("\n"));
}

async function findOrCreate<T extends { id: string }>(
  io: Io,
  cwd: string,
  what: string,
  list: () => Promise<T | undefined>,
  create: readonly string[],
): Promise<{ item: T; created: boolean }> {
  const found = await list();
  if (found) return { item: found, created: false };
  const r = await io.wrangler(create, { cwd, online: true });
  if (r.code !== 0) throw failed(`creating the ${what}`, r);
  const made = await list();
  if (!made) throw new Error(`wrangler created the ${what} but it is not in the list: run p13n init again`);
  return { item: made, created: true };
}

export const initCommand: Command = async (argv, ctx) => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      route: { type: "string" },
      zone: { type: "string" },
      origin: { type: "string" },
      issuer: { type: "string" },
      audience: { type: "string" },
      "account-id": { type: "string" },
      "kv-name": { type: "string" },
      "d1-name": { type: "string" },
      "rotate-secrets": { type: "boolean" },
      yes: { type: "boolean", short: "y" },
      "dry-run": { type: "boolean" },
    },
  });
  if (positionals.length) throw new UsageError(`unexpected '${positionals[0]}'`);
  const { io, cwd } = ctx;
  const tomlPath = join(cwd, "wrangler.toml");
  let toml = await readFile(tomlPath, "utf8");
  const interactive = !values.yes && !values["dry-run"] && io.ask !== undefined;
  const plan = await decide(values, io, toml, interactive);
  if (values["dry-run"]) {
    printPlan(io, plan);
    return 0;
  }
  const run = (args: readonly string[]) => io.wrangler(args, { cwd, online: true });
  const step = (n: number, text: string) => io.printErr(`${n}/6 ${text}`);

  step(1, "checking the Cloudflare login…");
  const who = await run(["whoami", "--json"]);
  const user = who.code === 0 ? whoami(who.stdout) : { loggedIn: false, accounts: [] };
  if (!user.loggedIn) {
    io.printErr("✗ not logged in to Cloudflare: run `npx wrangler login` (or set CLOUDFLARE_API_TOKEN in CI), then p13n init again");
    return 1;
  }
  let accountId = plan.accountId ?? /^account_id\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  if (!accountId) {
    if (user.accounts.length !== 1) {
      io.printErr(`✗ this login has ${user.accounts.length} accounts: name one with --account-id (${user.accounts.map((a) => `${a.id} ${a.name}`).join("; ")})`);
      return 1;
    }
    accountId = user.accounts[0]!.id;
  }
  // Written first: every later wrangler call then acts on this account.
  toml = setVar(setTopLevel(toml, "account_id", accountId), "METRICS_ACCOUNT_ID", accountId);
  await writeFile(tomlPath, toml);

  step(2, `KV namespace "${plan.kvName}"…`);
  const kv = await findOrCreate(
    io,
    cwd,
    `KV namespace ${plan.kvName}`,
    async () => {
      const r = await run(["kv", "namespace", "list"]);
      if (r.code !== 0) throw failed("listing KV namespaces", r);
      return kvNamespaces(r.stdout).find((n) => n.title === plan.kvName);
    },
    ["kv", "namespace", "create", plan.kvName],
  );
  io.printErr(`  ${kv.created ? "created" : "found"} ${kv.item.id}`);
  toml = setBindingValue(toml, "kv_namespaces", "CONTENT", "id", kv.item.id);

  step(3, `D1 database "${plan.d1Name}"…`);
  const d1 = await findOrCreate(
    io,
    cwd,
    `D1 database ${plan.d1Name}`,
    async () => {
      const r = await run(["d1", "list", "--json"]);
      if (r.code !== 0) throw failed("listing D1 databases", r);
      const db = d1Databases(r.stdout).find((d) => d.name === plan.d1Name);
      return db ? { id: db.uuid } : undefined;
    },
    ["d1", "create", plan.d1Name],
  );
  io.printErr(`  ${d1.created ? "created" : "found"} ${d1.item.id}`);
  toml = setBindingValue(setBindingValue(toml, "d1_databases", "RESULTS", "database_id", d1.item.id), "d1_databases", "RESULTS", "database_name", plan.d1Name);

  step(4, "route, origin, issuer and audience…");
  if (plan.route) toml = setRoutes(toml, [plan.route]);
  toml = setVar(setVar(setVar(toml, "ORIGIN_URL", plan.origin), "PROFILE_ISSUER", plan.issuer), "PROFILE_AUDIENCE", plan.audience);
  await writeFile(tomlPath, toml);
  io.printErr(`  wrangler.toml: ${plan.route ? `route ${plan.route.pattern}` : "no route"}, origin ${plan.origin || "the zone's own"}`);

  step(5, "applying migrations/ to the D1 database…");
  const migrated = await run(["d1", "migrations", "apply", "RESULTS", "--remote", "--env="]);
  if (migrated.code !== 0) throw failed("applying the migrations", migrated);

  step(6, "secrets…");
  const listed = await run(["secret", "list", "--env="]);
  // Before the first deploy the Worker does not exist yet: no secrets (secret put creates it).
  const present = new Set(listed.code === 0 ? secretNames(listed.stdout) : []);
  const generated: string[] = [];
  for (const name of REQUIRED_SECRETS) {
    if (present.has(name) && !plan.rotate) {
      io.printErr(`  ${name}: kept (already set)`);
      continue;
    }
    let value = process.env[`P13N_${name}`];
    let source = `$P13N_${name}`;
    if (!value && name === "PROFILE_SECRET" && interactive && io.ask) {
      value = await io.ask("Your backend's profile-signing key (HS256), or Enter to generate one:", "");
      source = "your answer";
    }
    if (!value) {
      value = generateSecret();
      source = "generated";
      generated.push(`${name}=${value}`);
    }
    const put = await io.wrangler(["secret", "put", name, "--env="], { cwd, online: true, input: value });
    if (put.code !== 0) throw failed(`setting ${name}`, put);
    io.printErr(`  ${name}: set (${source})`);
  }
  if (process.env.P13N_METRICS_API_TOKEN && (!present.has("METRICS_API_TOKEN") || plan.rotate)) {
    const put = await io.wrangler(["secret", "put", "METRICS_API_TOKEN", "--env="], { cwd, online: true, input: process.env.P13N_METRICS_API_TOKEN });
    if (put.code !== 0) throw failed("setting METRICS_API_TOKEN", put);
    io.printErr("  METRICS_API_TOKEN: set ($P13N_METRICS_API_TOKEN)");
  }
  if (generated.length) {
    const file = join(cwd, SECRETS_FILE);
    await appendFile(file, `# p13n init, ${new Date().toISOString()}: give PROFILE_SECRET to your backend (it signs the profile cookie)\n# and ADMIN_TOKEN to your editors; then delete this file.\n${generated.join("\n")}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
    io.printErr(`  generated values are in ${SECRETS_FILE} (mode 600, git-ignored): hand them over, then delete it`);
  }
  io.print(`✓ ready: npm run deploy${plan.route ? `, then https://${plan.route.pattern.split("/")[0]!.replace(/^\*\./, "")}/__p13n/healthz` : ""}`);
  return 0;
};
