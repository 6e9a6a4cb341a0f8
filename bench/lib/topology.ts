/**
 * Which workerd processes the bench runs and what each one's config holds. Pure: specs for
 * bench/lib/capnp.ts's renderConfig; tested in test/node/bench/.
 *
 * As in production, where a visitor's Durable Object runs on another machine than the colo
 * serving the page, the real worker runs in two processes:
 *   - the edge: the worker with every binding, except that each Durable Object namespace is a
 *     stand-in (bench/workers/do-forward.js) forwarding stub calls as JS RPC over a socket;
 *   - the objects: the same bundle behind a gate entrypoint (bench/workers/do-gate.js) that
 *     calls the real objects, with their SQLite storage.
 * Between them, the object link (bench/object-link.ts) delays each direction. Reference
 * workers (pass-through, rewrite, cached) run alone with ORIGIN_URL only.
 *
 * @example
 * const { spec } = edgeConfig({ ...repo, modules, dir, linkPort });
 * writeFileSync(join(dir, "config.capnp"), renderConfig(spec));
 */
import { join } from "node:path";
import type { BindingSpec, ConfigSpec, ModuleSpec, ServiceSpec } from "./capnp.ts";
import { compatOf, type RepoConfig, type Secrets } from "./repo-config.ts";

/** The host a CONNECT names to open a Cap'n Proto RPC session with the objects' gate. */
export const OBJECTS_CAPNP_HOST = "p13n-bench-objects";
/** The internal module that makes the edge's stand-in namespaces. */
export const FORWARD_MODULE = "p13n-bench:do-forward";
/** The rate-limit stand-in's internal module (bench/workers/rate-limit-open.js): every call succeeds. */
export const RATE_LIMIT_MODULE = "p13n-bench:rate-limit-open";
/** wrangler names the bundle of src/index.ts so; the gate imports it by that name. */
export const BUNDLE_ENTRY = "index.js";

export interface RepoInputs {
  cfg: RepoConfig;
  originPort: number;
  secrets: Secrets;
  /** Per KV binding, the JSON file of its static map. */
  kvFiles: Record<string, string>;
  /** bench/workers (kv-static.js, cache-memory.js, do-forward.js, do-gate.js). */
  workersDir: string;
}

export interface RepoBindings {
  bindings: BindingSpec[];
  services: ServiceSpec[];
  durableObjects: { className: string; uniqueKey: string; enableSql: boolean }[];
  warnings: string[];
}

const UNBOUND = ["r2_buckets", "d1_databases", "queues", "services", "analytics_engine_datasets", "hyperdrive", "vectorize", "ai", "workflows", "send_email", "browser", "version_metadata"];

const hasEntries = (v: unknown): boolean =>
  Array.isArray(v) ? v.length > 0 : v !== null && typeof v === "object" ? Object.values(v).some(hasEntries) : v !== undefined;

/** The worker's bindings from wrangler.toml: vars, secrets, KV (static maps), Durable Objects, assets. */
export function repoBindings(inp: RepoInputs): RepoBindings {
  const { cfg, secrets, kvFiles, workersDir } = inp;
  const bindings: BindingSpec[] = [];
  const services: ServiceSpec[] = [];
  const warnings: string[] = [];
  for (const [name, value] of Object.entries(cfg.vars ?? {})) {
    if (name === "ORIGIN_URL") continue;
    bindings.push(typeof value === "string" ? { name, text: value } : { name, json: JSON.stringify(value) });
  }
  bindings.push({ name: "ORIGIN_URL", text: `http://127.0.0.1:${inp.originPort}` });
  for (const [name, value] of Object.entries(secrets)) bindings.push({ name, text: value });
  for (const kv of cfg.kv_namespaces ?? []) {
    const service = `kv-${kv.binding}`;
    bindings.push({ name: kv.binding, kvNamespace: service });
    const modules: ModuleSpec[] = [
      { name: "kv-static.js", type: "esModule", path: join(workersDir, "kv-static.js") },
      { name: "kv-data.json", type: "json", path: kvFiles[kv.binding]! },
    ];
    services.push({ name: service, worker: { modules, compatibilityDate: "2024-01-01", compatibilityFlags: [], bindings: [] } });
  }
  const sqlite = new Set((cfg.migrations ?? []).flatMap((m) => m.new_sqlite_classes ?? []));
  const classes = new Map<string, boolean>();
  for (const d of cfg.durable_objects?.bindings ?? []) {
    if (d.script_name) {
      warnings.push(`Durable Object binding ${d.name} points at another script (${d.script_name}); not bound in the bench`);
      continue;
    }
    bindings.push({ name: d.name, durableObjectNamespace: d.class_name });
    classes.set(d.class_name, sqlite.has(d.class_name));
  }
  if (cfg.assets?.binding) bindings.push({ name: cfg.assets.binding, service: "origin" });
  // Rate limits (NEW_VISITORS): a stand-in that always allows (bench/workers/rate-limit-open.js).
  for (const r of cfg.ratelimits ?? []) bindings.push({ name: r.name, wrapped: { moduleName: RATE_LIMIT_MODULE, innerBindings: [] } });
  for (const key of UNBOUND) {
    if (hasEntries(cfg[key])) warnings.push(`wrangler.toml has ${key}; the bench does not bind those yet (bench/lib/topology.ts)`);
  }
  const durableObjects = [...classes].map(([className, enableSql]) => ({ className, uniqueKey: `bench-${className}`, enableSql }));
  return { bindings, services, durableObjects, warnings };
}

/** The rate-limit stand-in's module, when the worker has rate-limit bindings. */
function rateLimitModules(inp: RepoInputs): { name: string; path: string; internal: true }[] {
  return (inp.cfg.ratelimits ?? []).length > 0 ? [{ name: RATE_LIMIT_MODULE, path: join(inp.workersDir, "rate-limit-open.js"), internal: true }] : [];
}

/** What every process may reach: the origin, and loopback for global fetch() (nothing else exists here). */
function baseServices(originPort: number): ServiceSpec[] {
  return [
    { name: "origin", external: { address: `127.0.0.1:${originPort}` } },
    { name: "loopback", network: { allow: ["local"] } },
  ];
}

/** A Durable Object namespace binding of the edge becomes its forwarding stand-in. */
export function forwarded(b: BindingSpec, linkService: string): BindingSpec {
  if (!("durableObjectNamespace" in b)) return b;
  return {
    name: b.name,
    wrapped: { moduleName: FORWARD_MODULE, innerBindings: [{ name: "link", service: linkService }, { name: "binding", text: b.name }] },
  };
}

/** The edge process: the real worker, its object namespaces forwarded to `linkPort`. */
export function edgeConfig(inp: RepoInputs & { modules: ModuleSpec[]; dir: string; linkPort: number }): { spec: ConfigSpec; warnings: string[] } {
  const r = repoBindings(inp);
  const { date, flags } = compatOf(inp.cfg);
  const services: ServiceSpec[] = [
    ...baseServices(inp.originPort),
    ...r.services,
    // The colo's Cache API (page templates are shared through it): an in-memory cache service.
    { name: "cache", worker: { modules: [{ name: "cache-memory.js", type: "esModule", path: join(inp.workersDir, "cache-memory.js") }], compatibilityDate: "2024-01-01", compatibilityFlags: [], bindings: [] } },
    // The objects' process, through the delaying link; JS RPC travels as Cap'n Proto.
    { name: "objects", external: { address: `127.0.0.1:${inp.linkPort}`, capnpConnectHost: OBJECTS_CAPNP_HOST } },
  ];
  const main: ServiceSpec = {
    name: "main",
    worker: {
      modules: inp.modules,
      compatibilityDate: date,
      compatibilityFlags: flags,
      bindings: r.bindings.map((b) => forwarded(b, "objects")),
      globalOutbound: "loopback",
      cacheApiOutbound: "cache",
    },
  };
  return {
    spec: {
      services: [main, ...services],
      socketService: "main",
      baseDir: inp.dir,
      extensions: [{ name: FORWARD_MODULE, path: join(inp.workersDir, "do-forward.js"), internal: true }, ...rateLimitModules(inp)],
    },
    warnings: r.warnings,
  };
}

/**
 * The objects' process: the bundle behind the gate, the real namespaces and their SQLite
 * storage in `storageDir`; its socket takes Cap'n Proto RPC for the gate.
 */
export function objectsConfig(inp: RepoInputs & { modules: ModuleSpec[]; dir: string; storageDir: string }): { spec: ConfigSpec; warnings: string[] } {
  if (inp.modules[0]?.name !== BUNDLE_ENTRY) {
    throw new Error(`the worker's bundle entry is ${inp.modules[0]?.name}; bench/workers/do-gate.js imports ./${BUNDLE_ENTRY}`);
  }
  const r = repoBindings(inp);
  const gate: ModuleSpec = { name: "do-gate.js", type: "esModule", path: join(inp.workersDir, "do-gate.js") };
  const main: ServiceSpec = {
    name: "objects",
    worker: {
      modules: [gate, ...inp.modules],
      compatibilityDate: compatOf(inp.cfg).date,
      compatibilityFlags: compatOf(inp.cfg).flags,
      bindings: r.bindings,
      durableObjects: r.durableObjects,
      // SQLite-backed classes need disk storage: workerd's in-memory storage has no SQL API.
      durableObjectStorage: { localDisk: "do-disk" },
      globalOutbound: "loopback",
    },
  };
  const services: ServiceSpec[] = [...baseServices(inp.originPort), ...r.services, { name: "do-disk", disk: { path: inp.storageDir, writable: true } }];
  return {
    spec: {
      services: [main, ...services],
      socketService: "objects",
      socketCapnpHost: OBJECTS_CAPNP_HOST,
      baseDir: inp.dir,
      ...(rateLimitModules(inp).length > 0 ? { extensions: rateLimitModules(inp) } : {}),
    },
    warnings: r.warnings,
  };
}

/** A reference worker (pass-through, rewrite, cached): ORIGIN_URL and loopback only. */
export function referenceConfig(inp: { modules: ModuleSpec[]; compat: { date: string; flags: string[] }; originPort: number; dir: string }): ConfigSpec {
  const main: ServiceSpec = {
    name: "main",
    worker: {
      modules: inp.modules,
      compatibilityDate: inp.compat.date,
      compatibilityFlags: inp.compat.flags,
      bindings: [{ name: "ORIGIN_URL", text: `http://127.0.0.1:${inp.originPort}` }],
      globalOutbound: "loopback",
    },
  };
  return { services: [main, ...baseServices(inp.originPort)], socketService: "main", baseDir: inp.dir };
}
