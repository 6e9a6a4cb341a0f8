/**
 * `npm run bench`: the real worker and reference workers, each in raw workerd, in front
 * of a local origin serving real pages with slots added; fixed-concurrency load,
 * scenarios interleaved within each round, medians over rounds. See bench/README.md.
 *
 * Steps:
 *   1. options, wrangler.toml (through wrangler's own reader)
 *   2. pages: fixtures + 5 `data-p13n-slot` attributes → bench/.out/run/pages/
 *   3. manifest: `node cli/p13n.ts build --out`, else a bench manifest; into a static KV map
 *   4. origin process; builds (`wrangler deploy --dry-run`); one workerd per target
 *   5. sanity pass: every scenario × page once (status, size, slots filled)
 *   6. rounds: per scenario warm-up, measured load (+ workerd CPU from /proc), TTFB sampler
 *   7. decide micro-bench (bench/decide-bench.ts, when present), table or --json
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { Agent } from "node:http";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { SignJWT } from "jose";
import { parseBenchArgs, USAGE, type BenchOptions } from "./lib/args.ts";
import { addSlots, declaredCharset, isUtf8 } from "./lib/slots.ts";
import { benchManifest, DEFAULT_SLOTS, kvEntries, slotIdsFor } from "./lib/manifest.ts";
import { renderConfig, type BindingSpec, type ModuleSpec, type ServiceSpec } from "./lib/capnp.ts";
import { buildBenchWorker, wranglerBuild, type ModuleRule } from "./lib/build.ts";
import { installCleanup, isInterrupted, killAll, processCpuMs, runBounded, spawnTracked } from "./lib/procs.ts";
import { startWorkerd, workerdBinary, type WorkerdProcess } from "./lib/workerd.ts";
import { findWrk, nodeTool, wrkTool, type LoadTool } from "./lib/load.ts";
import { countVariants, get, sampleTtfb } from "./lib/sample.ts";
import { formatTable, summarize, type RoundSample } from "./lib/report.ts";
import { formatProfile, openProfiler, summarizeProfile } from "./lib/profile.ts";
import { createServer } from "node:net";
import { REFERENCE, SCENARIOS, TARGETS, type Scenario, type TargetName } from "./scenarios.ts";

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(BENCH_DIR, "..");
const PAGES_SRC = resolve(REPO, "test/fixtures/real-pages");
const OUT = join(BENCH_DIR, ".out");
const RUN = join(OUT, "run");
const UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36";

/** Progress goes to stderr, so `--json` leaves stdout to the result. */
const log = (msg: string) => process.stderr.write(`${msg}\n`);
const warn = (msg: string) => process.stderr.write(`bench: warning: ${msg}\n`);

interface RepoConfig {
  compatibility_date?: string;
  compatibility_flags?: string[];
  vars?: Record<string, unknown>;
  kv_namespaces?: { binding: string }[];
  durable_objects?: { bindings?: { name: string; class_name: string; script_name?: string }[] };
  migrations?: { new_sqlite_classes?: string[]; new_classes?: string[] }[];
  secrets?: { required?: string[] };
  assets?: { binding?: string };
  main?: string;
  [key: string]: unknown;
}

interface PageInfo {
  name: string;
  file: string;
  bytes: number;
  utf8: boolean;
  charset: string | null;
  slots: string[];
}

// ---------------------------------------------------------------------------------------------
// 1–3. Configuration, pages, manifest

async function readRepoConfig(): Promise<RepoConfig> {
  const { unstable_readConfig } = (await import("wrangler")) as unknown as {
    unstable_readConfig(args: { config: string }): RepoConfig;
  };
  return unstable_readConfig({ config: join(REPO, "wrangler.toml") });
}

function preparePages(names: string[], slotIds: readonly string[]): PageInfo[] {
  const available = readdirSync(PAGES_SRC)
    .filter((f) => f.endsWith(".html"))
    .map((f) => f.slice(0, -5))
    .sort();
  const wanted = names.length === 1 && names[0] === "all" ? available : names;
  const missing = wanted.filter((n) => !available.includes(n));
  if (missing.length > 0) throw new Error(`no such page(s): ${missing.join(", ")}; available: ${available.join(", ")}`);
  const dir = join(RUN, "pages");
  mkdirSync(dir, { recursive: true });
  return wanted.map((name) => {
    const raw = readFileSync(join(PAGES_SRC, `${name}.html`));
    const { html, placed } = addSlots(raw, slotIds);
    writeFileSync(join(dir, `${name}.html`), html);
    return {
      name,
      file: `${name}.html`,
      bytes: html.length,
      utf8: isUtf8(raw),
      charset: declaredCharset(raw),
      slots: placed.map((p) => `${p.slot}:${p.tag}`),
    };
  });
}

interface ManifestChoice {
  manifest: { version: string; slots: Record<string, unknown> };
  source: string;
}

async function validateManifest(m: unknown): Promise<string | null> {
  try {
    const v = await import("valibot");
    const { ManifestSchema } = await import(pathToFileURL(join(REPO, "src/engine/schema.ts")).href);
    const r = v.safeParse(ManifestSchema, m);
    return r.success ? null : JSON.stringify(v.flatten(r.issues)).slice(0, 600);
  } catch (e) {
    warn(`could not load src/engine/schema.ts to validate the manifest (${(e as Error).message}); serving it unvalidated`);
    return null;
  }
}

async function chooseManifest(opts: BenchOptions): Promise<ManifestChoice> {
  if (opts.manifest) {
    const m = JSON.parse(readFileSync(resolve(opts.manifest), "utf8"));
    const problem = await validateManifest(m);
    if (problem) throw new Error(`--manifest ${opts.manifest} fails ManifestSchema: ${problem}`);
    return { manifest: m, source: opts.manifest };
  }
  const cli = ["cli/p13n.ts", "cli/p13n.mjs"].map((f) => join(REPO, f)).find((f) => existsSync(f));
  if (cli) {
    const out = join(RUN, "manifest.cli.json");
    try {
      await runBounded(process.execPath, [cli, "build", "--out", out], { cwd: REPO, timeoutMs: 60_000 });
      const m = JSON.parse(readFileSync(out, "utf8"));
      const problem = await validateManifest(m);
      if (!problem) return { manifest: m, source: `${cli.slice(REPO.length + 1)} build` };
      warn(`the CLI's manifest fails ManifestSchema (${problem}); using the bench manifest`);
    } catch (e) {
      warn(`\`node ${cli.slice(REPO.length + 1)} build --out\` failed (${(e as Error).message.split("\n")[0]}); using the bench manifest`);
    }
  }
  const m = benchManifest(DEFAULT_SLOTS, new Date().toISOString().replace(/\.\d+Z$/, "Z")) as ManifestChoice["manifest"];
  const problem = await validateManifest(m);
  if (problem) warn(`the bench manifest fails ManifestSchema: ${problem}`);
  return { manifest: m, source: "bench (bench/lib/manifest.ts)" };
}

// ---------------------------------------------------------------------------------------------
// 4. Origin, builds, workerd

async function startOrigin(): Promise<number> {
  const child = spawnTracked(process.execPath, [join(BENCH_DIR, "origin.ts"), "--dir", join(RUN, "pages")], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  return new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error("origin did not start within 15 s")), 15_000);
    let buf = "";
    child.stdout!.on("data", (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf("\n");
      if (nl >= 0) {
        clearTimeout(timer);
        resolvePort((JSON.parse(buf.slice(0, nl)) as { port: number }).port);
      }
    });
    child.once("exit", (code) => reject(new Error(`origin exited (${code})`)));
  });
}

interface Secrets {
  [name: string]: string;
}

function repoBindings(
  cfg: RepoConfig,
  originUrl: string,
  secrets: Secrets,
  kvFiles: Record<string, string>,
): { bindings: BindingSpec[]; services: ServiceSpec[]; durableObjects: { className: string; uniqueKey: string; enableSql: boolean }[] } {
  const bindings: BindingSpec[] = [];
  const services: ServiceSpec[] = [];
  for (const [name, value] of Object.entries(cfg.vars ?? {})) {
    if (name === "ORIGIN_URL") continue;
    bindings.push(typeof value === "string" ? { name, text: value } : { name, json: JSON.stringify(value) });
  }
  bindings.push({ name: "ORIGIN_URL", text: originUrl });
  for (const [name, value] of Object.entries(secrets)) bindings.push({ name, text: value });
  const kvWorker = join(BENCH_DIR, "workers/kv-static.js");
  for (const kv of cfg.kv_namespaces ?? []) {
    const service = `kv-${kv.binding}`;
    bindings.push({ name: kv.binding, kvNamespace: service });
    const modules: ModuleSpec[] = [
      { name: "kv-static.js", type: "esModule", path: kvWorker },
      { name: "kv-data.json", type: "json", path: kvFiles[kv.binding]! },
    ];
    services.push({ name: service, worker: { modules, compatibilityDate: "2024-01-01", compatibilityFlags: [], bindings: [] } });
  }
  const sqlite = new Set((cfg.migrations ?? []).flatMap((m) => m.new_sqlite_classes ?? []));
  const classes = new Map<string, boolean>();
  for (const d of cfg.durable_objects?.bindings ?? []) {
    if (d.script_name) {
      warn(`Durable Object binding ${d.name} points at another script (${d.script_name}); not bound in the bench`);
      continue;
    }
    bindings.push({ name: d.name, durableObjectNamespace: d.class_name });
    classes.set(d.class_name, sqlite.has(d.class_name));
  }
  if (cfg.assets?.binding) bindings.push({ name: cfg.assets.binding, service: "origin" });
  const durableObjects = [...classes].map(([className, enableSql]) => ({ className, uniqueKey: `bench-${className}`, enableSql }));
  const hasEntries = (v: unknown): boolean =>
    Array.isArray(v) ? v.length > 0 : v !== null && typeof v === "object" ? Object.values(v).some(hasEntries) : v !== undefined;
  for (const key of ["r2_buckets", "d1_databases", "queues", "services", "analytics_engine_datasets", "hyperdrive", "vectorize", "ai", "workflows", "send_email", "browser", "ratelimits", "version_metadata"]) {
    if (hasEntries(cfg[key])) warn(`wrangler.toml has ${key}; the bench does not bind those yet (bench/run.ts repoBindings)`);
  }
  return { bindings, services, durableObjects };
}

async function buildTarget(name: TargetName, cfg: RepoConfig): Promise<ModuleSpec[]> {
  const t = TARGETS[name];
  const compat = { date: cfg.compatibility_date ?? "2026-01-01", flags: cfg.compatibility_flags ?? [] };
  if (t.entry === "repo") {
    const rules = (cfg.rules ?? []) as ModuleRule[];
    return wranglerBuild(REPO, join(REPO, "wrangler.toml"), join(OUT, name), String(cfg.main ?? "index.ts"), rules);
  }
  return buildBenchWorker(REPO, name, join(REPO, t.entry), OUT, compat);
}

async function startTarget(
  name: TargetName,
  modules: ModuleSpec[],
  cfg: RepoConfig,
  originPort: number,
  secrets: Secrets,
  kvFiles: Record<string, string>,
  inspectorPort?: number,
): Promise<WorkerdProcess> {
  const dir = join(RUN, name);
  mkdirSync(dir, { recursive: true });
  const originUrl = `http://127.0.0.1:${originPort}`;
  const compatibilityDate = cfg.compatibility_date ?? "2026-01-01";
  const compatibilityFlags = cfg.compatibility_flags ?? [];
  const services: ServiceSpec[] = [
    { name: "origin", external: { address: `127.0.0.1:${originPort}` } },
    // global fetch() may reach loopback only (the origin); nothing else exists here anyway.
    { name: "loopback", network: { allow: ["local"] } },
  ];
  let main: ServiceSpec;
  if (TARGETS[name].bindings === "repo") {
    const r = repoBindings(cfg, originUrl, secrets, kvFiles);
    services.push(...r.services);
    // The colo's Cache API (page templates are shared through it): an in-memory cache service.
    services.push({
      name: "cache",
      worker: {
        modules: [{ name: "cache-memory.js", type: "esModule", path: join(BENCH_DIR, "workers/cache-memory.js") }],
        compatibilityDate: "2024-01-01",
        compatibilityFlags: [],
        bindings: [],
      },
    });
    // Durable Object storage in memory-backed /dev/shm when there is one: on this box's disk,
    // SQLite's fsyncs would measure the disk, not the code (production storage is not a local disk).
    const doDir = existsSync("/dev/shm") ? join("/dev/shm", `p13n-bench-${process.pid}`, name) : join(dir, "do");
    rmSync(doDir, { recursive: true, force: true });
    mkdirSync(doDir, { recursive: true });
    services.push({ name: "do-disk", disk: { path: doDir, writable: true } });
    main = {
      name: "main",
      worker: {
        modules,
        compatibilityDate,
        compatibilityFlags,
        bindings: r.bindings,
        durableObjects: r.durableObjects,
        // SQLite-backed classes need disk storage: workerd's in-memory storage has no SQL API.
        durableObjectStorage: { localDisk: "do-disk" },
        globalOutbound: "loopback",
        cacheApiOutbound: "cache",
      },
    };
  } else {
    main = {
      name: "main",
      worker: { modules, compatibilityDate, compatibilityFlags, bindings: [{ name: "ORIGIN_URL", text: originUrl }], globalOutbound: "loopback" },
    };
  }
  const configPath = join(dir, "config.capnp");
  writeFileSync(configPath, renderConfig({ services: [main, ...services], socketService: "main", baseDir: dir }));
  return startWorkerd(configPath, dir, 30_000, inspectorPort ? [`--inspector-addr=127.0.0.1:${inspectorPort}`] : []);
}

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => ok(port));
    });
  });
}

/** --profile: one warm-up, then one profiled load per real-worker scenario; the top functions by self time. */
async function profileScenarios(prepared: Prepared[], tool: LoadTool, opts: BenchOptions, inspectorPort: number): Promise<string> {
  const out: string[] = [];
  for (const p of prepared.filter((x) => TARGETS[x.scenario.target].bindings === "repo")) {
    const spec = { port: p.port, paths: p.paths, headers: p.headers, connections: opts.connections, seconds: opts.seconds, bust: p.scenario.bust, ...(p.pool ? { cookies: p.pool } : {}) };
    if (opts.warmup > 0) await tool.run({ ...spec, seconds: opts.warmup }, RUN);
    const session = await openProfiler(inspectorPort);
    try {
      await session.start();
      const r = await tool.run(spec, RUN);
      const profile = await session.stop();
      const file = join(RUN, `${p.scenario.name}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      out.push(`${p.scenario.name}: ${Math.round(r.rps)} req/s while profiled; ${file.slice(REPO.length + 1)}`, formatProfile(summarizeProfile(profile, 25)), "");
      log(`profiled ${p.scenario.name}`);
    } finally {
      session.close();
    }
  }
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------------
// 5–6. Requests, sanity pass, rounds

async function profileCookie(cfg: RepoConfig, secrets: Secrets, claims: NonNullable<Scenario["profile"]>): Promise<string> {
  const vars = (cfg.vars ?? {}) as Record<string, string>;
  const { sub, ...rest } = claims;
  const jwt = await new SignJWT(rest)
    .setProtectedHeader({ alg: "HS256", typ: vars.PROFILE_TYP || "p13n-profile+jwt" })
    .setSubject(sub)
    .setIssuer(vars.PROFILE_ISSUER || "https://demo-shop.example")
    .setAudience(vars.PROFILE_AUDIENCE || "p13n-edge")
    .setIssuedAt()
    .setExpirationTime("2h")
    .sign(new TextEncoder().encode(secrets.PROFILE_SECRET));
  return `${vars.PROFILE_COOKIE || "p13n_profile"}=${jwt}`;
}

interface Prepared {
  scenario: Scenario;
  port: number;
  pid: number;
  paths: string[];
  headers: Record<string, string>;
  /** Cookie header values of the scenario's visitors, rotated per request (absent: one visitor or none). */
  pool?: string[];
}

/** A browser's first navigation: the Worker creates a new visitor's memory only for one. */
const NAVIGATION = { "Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Site": "none" };

/** One visitor's Cookie header: their profile (sub suffixed with `i` in a pool) and the cookies a first visit set. */
async function visitorCookies(s: Scenario, i: number | null, proc: WorkerdProcess, path: string, headers: Record<string, string>, cfg: RepoConfig, secrets: Secrets): Promise<string> {
  const cookies: string[] = [];
  if (s.profile) cookies.push(await profileCookie(cfg, secrets, i === null ? s.profile : { ...s.profile, sub: `${s.profile.sub}-${i}` }));
  if (s.reuseSetCookie) {
    const agent = new Agent({ keepAlive: false });
    const first = await get(agent, proc.port, path, { ...headers, ...NAVIGATION, ...(cookies.length ? { Cookie: cookies.join("; ") } : {}) });
    agent.destroy();
    const set = first.headers["set-cookie"] ?? [];
    for (const c of Array.isArray(set) ? set : [set]) cookies.push(c.split(";")[0]!);
  }
  return cookies.join("; ");
}

async function prepareScenario(
  s: Scenario,
  proc: WorkerdProcess,
  pages: PageInfo[],
  cfg: RepoConfig,
  secrets: Secrets,
): Promise<Prepared> {
  const headers: Record<string, string> = {
    "User-Agent": UA,
    Accept: "text/html,application/xhtml+xml",
    "Accept-Language": "en-US,en;q=0.9",
    ...s.headers,
  };
  const paths = pages.map((p) => `/${s.origin}/${p.file}`);
  if (s.visitors && s.visitors > 1) {
    const pool: string[] = [];
    for (let i = 0; i < s.visitors; i++) pool.push(await visitorCookies(s, i, proc, paths[i % paths.length]!, headers, cfg, secrets));
    // The sanity pass and the TTFB sampler go as the pool's first visitor.
    if (pool[0]) headers.Cookie = pool[0];
    return { scenario: s, port: proc.port, pid: proc.pid, paths, headers, pool };
  }
  const cookie = await visitorCookies(s, null, proc, paths[0]!, headers, cfg, secrets);
  if (cookie) headers.Cookie = cookie;
  return { scenario: s, port: proc.port, pid: proc.pid, paths, headers };
}

interface SanityResult {
  /** Mean slots filled per page. */
  slotsFilled: number;
  perPage: { page: string; status: number; bytes: number; filled: number; identical: boolean }[];
}

async function sanityPass(p: Prepared, pages: PageInfo[]): Promise<SanityResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const perPage: SanityResult["perPage"] = [];
  try {
    for (let i = 0; i < pages.length; i++) {
      const r = await get(agent, p.port, p.paths[i]!, p.headers);
      const origin = readFileSync(join(RUN, "pages", pages[i]!.file));
      perPage.push({ page: pages[i]!.name, status: r.status, bytes: r.body.length, filled: countVariants(r.body), identical: origin.equals(r.body) });
      if (r.status !== 200) warn(`${p.scenario.name} ${p.paths[i]} answered ${r.status}: ${r.body.toString("utf8").slice(0, 200)}`);
    }
  } finally {
    agent.destroy();
  }
  return { slotsFilled: Math.round((perPage.reduce((a, x) => a + x.filled, 0) / perPage.length) * 10) / 10, perPage };
}

async function measure(p: Prepared, tool: LoadTool, opts: BenchOptions, clkTck: number, round: number): Promise<RoundSample> {
  const spec = { port: p.port, paths: p.paths, headers: p.headers, connections: opts.connections, seconds: opts.seconds, bust: p.scenario.bust, ...(p.pool ? { cookies: p.pool } : {}) };
  if (opts.warmup > 0) await tool.run({ ...spec, seconds: opts.warmup }, RUN);
  const cpu0 = await processCpuMs(p.pid, clkTck);
  const r = await tool.run(spec, RUN);
  const cpu1 = await processCpuMs(p.pid, clkTck);
  const t = await sampleTtfb(p.port, p.paths, p.headers, opts.ttfbSamples);
  return {
    round,
    scenario: p.scenario.name,
    rps: r.rps,
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    ttfbMs: t.ttfbMs,
    ttlbMs: t.ttlbMs,
    cpuMs: cpu0 !== null && cpu1 !== null && r.requests > 0 ? (cpu1 - cpu0) / r.requests : null,
    bytesPerReq: r.requests > 0 ? r.bytes / r.requests : 0,
    errors: r.errors,
    requests: r.requests,
  };
}

/** Memory the p13n worker's page templates hold after the rounds (its /__p13n/healthz). */
async function templatesHeld(proc: WorkerdProcess | undefined): Promise<string | null> {
  if (!proc) return null;
  try {
    const agent = new Agent({ keepAlive: false });
    const r = await get(agent, proc.port, "/__p13n/healthz", {});
    agent.destroy();
    const t = (JSON.parse(r.body.toString("utf8")) as { templates?: { entries: number; bytes: number; maxBytes: number } }).templates;
    if (!t) return null;
    return `templates held (p13n isolate, after the rounds): ${t.entries} entries, ${(t.bytes / 1024).toFixed(0)} KB of ${(t.maxBytes / 1024 / 1024).toFixed(0)} MB`;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// 7. Decide micro-bench

async function decideBench(): Promise<string | null> {
  const file = join(BENCH_DIR, "decide-bench.ts");
  if (!existsSync(file)) return null;
  const code = `const m = await import(${JSON.stringify(pathToFileURL(file).href)});
const r = await m.benchDecide();
console.log("BENCH_DECIDE " + JSON.stringify(r));`;
  try {
    const { stdout } = await runBounded(process.execPath, ["--input-type=module", "-e", code], { cwd: REPO, timeoutMs: 120_000 });
    const line = stdout.split("\n").find((l) => l.startsWith("BENCH_DECIDE "));
    if (!line) return `decide: bench/decide-bench.ts printed no result`;
    const r = JSON.parse(line.slice(13)) as { decisionsPerSecond: number; slots: number; variants: number; slotDecisionsPerSecond?: number };
    const perSlot = r.slotDecisionsPerSecond ? `, ${Math.round(r.slotDecisionsPerSecond).toLocaleString("en-US")} slot decisions/s` : "";
    return (
      `decide (bench/decide-bench.ts): ${Math.round(r.decisionsPerSecond).toLocaleString("en-US")} decisions/s ` +
      `(${r.slots} slots × ${r.variants} variants per decision${perSlot}; pure engine in Node, no I/O)`
    );
  } catch (e) {
    return `decide: bench/decide-bench.ts failed: ${(e as Error).message.split("\n")[0]}`;
  }
}

// ---------------------------------------------------------------------------------------------

function pickScenarios(names: string[]): Scenario[] {
  if (names.length === 0) return SCENARIOS.filter((s) => s.default);
  if (names.length === 1 && names[0] === "all") return [...SCENARIOS];
  const unknown = names.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(", ")}; known: ${SCENARIOS.map((s) => s.name).join(", ")}`);
  return SCENARIOS.filter((s) => names.includes(s.name));
}

function clockTicks(): number {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
}

async function main(): Promise<void> {
  const opts = parseBenchArgs(process.argv.slice(2));
  if (opts.help) {
    process.stdout.write(USAGE);
    return;
  }
  installCleanup();
  const started = Date.now();
  const scenarios = pickScenarios(opts.scenarios);
  if (!scenarios.some((s) => s.name === REFERENCE)) warn(`${REFERENCE} is not among the scenarios: no ratios`);

  rmSync(RUN, { recursive: true, force: true });
  mkdirSync(RUN, { recursive: true });
  const cfg = await readRepoConfig();
  const manifestChoice = await chooseManifest(opts);
  const slotIds = slotIdsFor(manifestChoice.manifest);
  const pages = preparePages(opts.pages, slotIds);
  const notUtf8 = pages.filter((p) => !p.utf8 || (p.charset && p.charset !== "utf-8" && p.charset !== "utf8"));
  for (const p of notUtf8) {
    warn(`${p.name}: ${p.utf8 ? "valid UTF-8 bytes" : "not UTF-8"}, declares charset ${p.charset}; served as-is with charset=utf-8`);
  }

  const { POINTER_KEY, versionKey } = (await import(pathToFileURL(join(REPO, "src/content/keys.ts")).href)) as {
    POINTER_KEY: string;
    versionKey(v: string): string;
  };
  const now = new Date().toISOString();
  const kvFiles: Record<string, string> = {};
  mkdirSync(join(RUN, "kv"), { recursive: true });
  for (const kv of cfg.kv_namespaces ?? []) {
    const data = kv.binding === "CONTENT" ? kvEntries(manifestChoice.manifest, POINTER_KEY, versionKey, now) : {};
    kvFiles[kv.binding] = join(RUN, "kv", `${kv.binding}.json`);
    writeFileSync(kvFiles[kv.binding]!, JSON.stringify(data));
  }
  const secrets: Secrets = {};
  for (const name of new Set(["PROFILE_SECRET", "VISITOR_SECRET", "ADMIN_TOKEN", ...(cfg.secrets?.required ?? [])])) {
    secrets[name] = randomBytes(32).toString("hex");
  }

  const wrk = opts.load === "node" ? null : findWrk();
  if (opts.load === "wrk" && !wrk) throw new Error("--load wrk: wrk is not on PATH");
  const tool = wrk ? wrkTool(wrk) : nodeTool();

  const originPort = await startOrigin();
  log(`origin: 127.0.0.1:${originPort}, ${pages.length} page(s); manifest: ${manifestChoice.source}`);

  const targets = [...new Set(scenarios.map((s) => s.target))];
  let inspectorPort = 0;
  const procs = new Map<TargetName, WorkerdProcess>();
  for (const t of targets) {
    log(`build: ${t} (${TARGETS[t].entry}) …`);
    const modules = await buildTarget(t, cfg).catch((e: Error) => {
      throw new Error(`could not build ${t} (${TARGETS[t].entry}): ${e.message}`);
    });
    const inspector = opts.profile && TARGETS[t].bindings === "repo" ? await freePort() : undefined;
    if (inspector) inspectorPort = inspector;
    const proc = await startTarget(t, modules, cfg, originPort, secrets, kvFiles, inspector);
    procs.set(t, proc);
    log(`workerd: ${t} on 127.0.0.1:${proc.port} (pid ${proc.pid})`);
  }

  const prepared: Prepared[] = [];
  const sanity: Record<string, SanityResult> = {};
  for (const s of scenarios) {
    const p = await prepareScenario(s, procs.get(s.target)!, pages, cfg, secrets);
    prepared.push(p);
    sanity[s.name] = await sanityPass(p, pages);
  }

  if (opts.profile) {
    process.stdout.write(`${await profileScenarios(prepared, tool, opts, inspectorPort)}\n`);
    return;
  }

  const clkTck = clockTicks();
  const samples: RoundSample[] = [];
  for (let round = 1; round <= opts.rounds; round++) {
    // Rotate the order each round so no scenario always runs first (or right after another).
    const order = prepared.map((_, i) => prepared[(i + round - 1) % prepared.length]!);
    for (const p of order) {
      const s = await measure(p, tool, opts, clkTck, round);
      samples.push(s);
      log(
        `round ${round}/${opts.rounds} ${p.scenario.name.padEnd(26)} ${Math.round(s.rps)} req/s  p50 ${s.p50Ms.toFixed(2)} ms  ` +
          `TTFB ${s.ttfbMs?.toFixed(2)} ms  CPU ${s.cpuMs?.toFixed(3)} ms/req${s.errors ? `  errors ${s.errors}` : ""}`,
      );
    }
  }
  const rows = summarize(
    samples,
    scenarios.map((s) => s.name),
    REFERENCE,
    Object.fromEntries(Object.entries(sanity).map(([k, v]) => [k, v.slotsFilled])),
  );

  const held = await templatesHeld(procs.get("p13n"));
  const decide = await decideBench();
  for (const [name, p] of procs) {
    const file = join(RUN, name, "workerd.log");
    writeFileSync(file, p.log());
    if (p.child.exitCode !== null) warn(`workerd ${name} exited during the run:\n${p.log().slice(-2000)}`);
    const errors = p.log().split("\n").filter((l) => /uncaught|error/i.test(l));
    if (errors.length) warn(`workerd ${name} logged ${errors.length} error line(s), e.g. ${errors.at(-1)!.slice(0, 300)} (tail: ${file.slice(REPO.length + 1)})`);
  }

  if (opts.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    if (decide) process.stderr.write(`${decide}\n`);
    if (held) process.stderr.write(`${held}\n`);
  } else {
    const wv = execFileSync(workerdBinary(), ["--version"], { encoding: "utf8" }).trim();
    const out: string[] = [];
    out.push(
      `p13n-edge bench: ${wv}, load ${tool.name}${tool.name === "wrk" ? " (1 thread)" : " (node:http fallback)"}, ` +
        `${opts.connections} connections, ${opts.rounds} rounds × ${opts.seconds} s (+${opts.warmup} s warm-up), ` +
        `${pages.length} page(s) rotated, manifest ${manifestChoice.source}`,
      "",
      formatTable(rows),
      "",
      `ratio = req/s ÷ ${REFERENCE} req/s in the same round (median of rounds); every figure is a median over rounds.`,
      `CPU = workerd process utime+stime ÷ requests served; TTFB/TTLB = sequential sampler, headers / last byte, median of ${opts.ttfbSamples}.`,
      `slots = data-p13n-variant attributes per page, mean over pages (of ${slotIds.length} added: ${slotIds.join(", ")}; ` +
        `${slotIds.filter((id) => !(id in manifestChoice.manifest.slots)).join(", ") || "none"} without content in the manifest).`,
    );
    if (decide) out.push(decide);
    if (held) out.push(held);
    out.push("", "pages:");
    for (const p of pages) {
      const filled = scenarios.map((s) => sanity[s.name]!.perPage.find((x) => x.page === p.name)!.filled);
      out.push(
        `  ${p.name.padEnd(32)} ${(p.bytes / 1024).toFixed(0).padStart(5)} KB  ${(p.charset ?? "-").padEnd(7)}${p.utf8 ? "" : " (not UTF-8)"}  ` +
          `slots on ${p.slots.map((x) => x.split(":")[1]).join(",")}  filled ${filled.join("/")}`,
      );
    }
    const ptSanity = sanity[REFERENCE];
    if (ptSanity && ptSanity.perPage.some((x) => !x.identical)) out.push(`  note: ${REFERENCE} did not return some pages byte for byte`);
    out.push(`  (filled = per scenario: ${scenarios.map((s) => s.name).join("/")})`, "", `took ${Math.round((Date.now() - started) / 1000)} s`);
    process.stdout.write(`${out.join("\n")}\n`);
  }
}

try {
  await main();
} catch (e) {
  if (!isInterrupted()) process.stderr.write(`bench: ${process.argv.includes("--verbose") ? ((e as Error).stack ?? e) : ((e as Error).message ?? e)}\n`);
  process.exitCode = 1;
} finally {
  await killAll();
}
