/**
 * Builds each target and starts its processes: one workerd per reference worker; for the
 * real worker, the objects' workerd, the object link in front of it, and the edge workerd
 * (bench/lib/topology.ts says what each holds). Every child goes through bench/lib/procs.ts,
 * so all end with the run.
 *
 * @example
 * const running = await startTargets(["passthrough", "p13n"], ctx, log);
 * await running.link?.ask("rtt 50");
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderConfig, type ConfigSpec, type ModuleSpec } from "./capnp.ts";
import { buildBenchWorker, wranglerBuild, type ModuleRule } from "./build.ts";
import { compatOf, type RepoConfig, type Secrets } from "./repo-config.ts";
import { startNodeServer, type NodeServer } from "./servers.ts";
import { edgeConfig, objectsConfig, referenceConfig, type RepoInputs } from "./topology.ts";
import { freePort, startWorkerd, type WorkerdProcess } from "./workerd.ts";
import { TARGETS, type TargetName } from "../scenarios.ts";

export interface TargetContext {
  repo: string;
  benchDir: string;
  /** bench/.out: builds. */
  out: string;
  /** bench/.out/run: this run's configs, logs, pages. */
  run: string;
  cfg: RepoConfig;
  originPort: number;
  secrets: Secrets;
  kvFiles: Record<string, string>;
  /** Open workerd's inspector on the edge and objects processes (for --profile). */
  inspect: boolean;
}

export interface Running {
  /** The process serving each target's requests (for the real worker: the edge). */
  procs: Map<TargetName, WorkerdProcess>;
  /** The real worker's Durable Objects, when it runs. */
  objects: WorkerdProcess | null;
  /** The delaying link between the edge and the objects (`ask("rtt 50")`). */
  link: NodeServer | null;
  inspectors: { edge?: number; objects?: number };
}

async function buildTarget(name: TargetName, ctx: TargetContext): Promise<ModuleSpec[]> {
  const t = TARGETS[name];
  if (t.entry === "repo") {
    const rules = (ctx.cfg.rules ?? []) as ModuleRule[];
    return wranglerBuild(ctx.repo, join(ctx.repo, "wrangler.toml"), join(ctx.out, name), String(ctx.cfg.main ?? "index.ts"), rules);
  }
  return buildBenchWorker(ctx.repo, name, join(ctx.repo, t.entry), ctx.out, compatOf(ctx.cfg));
}

async function launch(dir: string, spec: ConfigSpec, inspectorPort?: number): Promise<WorkerdProcess> {
  mkdirSync(dir, { recursive: true });
  const configPath = join(dir, "config.capnp");
  writeFileSync(configPath, renderConfig(spec));
  return startWorkerd(configPath, dir, 30_000, inspectorPort ? [`--inspector-addr=127.0.0.1:${inspectorPort}`] : []);
}

const SHM_DIR = join("/dev/shm", `p13n-bench-${process.pid}`);

/** Removes this run's Durable Object storage from /dev/shm (it is memory). */
export function removeStorage(): void {
  rmSync(SHM_DIR, { recursive: true, force: true });
}

/**
 * Durable Object storage in memory-backed /dev/shm when there is one: on this box's disk,
 * SQLite's fsyncs would measure the disk, not the code (production storage is not a local disk).
 */
function storageDir(ctx: TargetContext): string {
  const dir = existsSync("/dev/shm") ? join(SHM_DIR, "objects") : join(ctx.run, "objects", "do");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The real worker: objects process, then the link to it, then the edge that reaches it through the link. */
async function startRepoWorker(modules: ModuleSpec[], ctx: TargetContext, running: Running, warn: (m: string) => void): Promise<WorkerdProcess> {
  const repoInputs: RepoInputs = { cfg: ctx.cfg, originPort: ctx.originPort, secrets: ctx.secrets, kvFiles: ctx.kvFiles, workersDir: join(ctx.benchDir, "workers") };
  const objectsDir = join(ctx.run, "objects");
  const o = objectsConfig({ ...repoInputs, modules, dir: objectsDir, storageDir: storageDir(ctx) });
  for (const w of o.warnings) warn(w);
  if (ctx.inspect) running.inspectors.objects = await freePort();
  running.objects = await launch(objectsDir, o.spec, running.inspectors.objects);
  running.link = await startNodeServer(join(ctx.benchDir, "object-link.ts"), ["--target", `127.0.0.1:${running.objects.port}`]);
  const edgeDir = join(ctx.run, "p13n");
  const e = edgeConfig({ ...repoInputs, modules, dir: edgeDir, linkPort: running.link.port });
  if (ctx.inspect) running.inspectors.edge = await freePort();
  return launch(edgeDir, e.spec, running.inspectors.edge);
}

export async function startTargets(targets: readonly TargetName[], ctx: TargetContext, log: (m: string) => void, warn: (m: string) => void): Promise<Running> {
  const running: Running = { procs: new Map(), objects: null, link: null, inspectors: {} };
  for (const t of targets) {
    log(`build: ${t} (${TARGETS[t].entry}) …`);
    const modules = await buildTarget(t, ctx).catch((e: Error) => {
      throw new Error(`could not build ${t} (${TARGETS[t].entry}): ${e.message}`);
    });
    const dir = join(ctx.run, t);
    const proc =
      TARGETS[t].bindings === "repo"
        ? await startRepoWorker(modules, ctx, running, warn)
        : await launch(dir, referenceConfig({ modules, compat: compatOf(ctx.cfg), originPort: ctx.originPort, dir }));
    running.procs.set(t, proc);
    log(`workerd: ${t} on 127.0.0.1:${proc.port} (pid ${proc.pid})`);
    if (TARGETS[t].bindings === "repo") log(`workerd: ${t}'s objects on 127.0.0.1:${running.objects!.port} (pid ${running.objects!.pid}), via link :${running.link!.port}`);
  }
  return running;
}
