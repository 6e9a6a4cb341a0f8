/**
 * `npm run bench`: the real worker and reference workers, each in raw workerd, in front
 * of a local origin serving real pages with slots added; fixed-concurrency load,
 * scenarios interleaved within each round, medians over rounds. See bench/README.md.
 *
 * Steps (each in its own module under bench/lib/):
 *   1. options (args.ts), wrangler.toml through wrangler's own reader (repo-config.ts)
 *   2. manifest and KV maps (content.ts); pages with slots (pages.ts)
 *   3. origin (servers.ts); builds and processes (targets.ts: topology.ts → capnp.ts → workerd.ts):
 *      the real worker as an edge process and an objects process joined by a delaying link
 *   4. per scenario: visitors and headers (visitors.ts), a sanity pass (sanity.ts)
 *   5. rounds: warm-up, measured load with both processes' CPU, TTFB sampler (measure.ts, load.ts)
 *      — or, with --profile, CPU profiles instead (profile-run.ts)
 *   6. decide micro-bench (decide.ts); medians (report.ts); table or --json (output.ts)
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { Agent } from "node:http";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseBenchArgs, USAGE, type BenchOptions } from "./lib/args.ts";
import { chooseManifest, writeKvFiles } from "./lib/content.ts";
import { decideLine, runDecideBench } from "./lib/decide.ts";
import { findWrk, nodeTool, wrkTool, type LoadTool } from "./lib/load.ts";
import { slotIdsFor } from "./lib/manifest.ts";
import { clockTicks, measureOnce, type MeasureDeps } from "./lib/measure.ts";
import { jsonReport, textReport } from "./lib/output.ts";
import { charsetWarnings, preparePages } from "./lib/pages.ts";
import { installCleanup, isInterrupted, killAll } from "./lib/procs.ts";
import { profileScenarios } from "./lib/profile-run.ts";
import { benchSecrets, readRepoConfig } from "./lib/repo-config.ts";
import { summarize, type RoundSample } from "./lib/report.ts";
import { get } from "./lib/sample.ts";
import { sanityPass, type SanityResult } from "./lib/sanity.ts";
import { startNodeServer } from "./lib/servers.ts";
import { removeStorage, startTargets, type Running } from "./lib/targets.ts";
import { prepareScenario, type Prepared } from "./lib/visitors.ts";
import { workerdBinary, type WorkerdProcess } from "./lib/workerd.ts";
import { pickScenarios, REFERENCE, TARGETS, type Scenario } from "./scenarios.ts";

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(BENCH_DIR, "..");
const OUT = join(BENCH_DIR, ".out");
const RUN = join(OUT, "run");
const PAGES = join(RUN, "pages");

/** Progress goes to stderr, so `--json` leaves stdout to the result. */
const log = (msg: string) => process.stderr.write(`${msg}\n`);
const warn = (msg: string) => process.stderr.write(`bench: warning: ${msg}\n`);

function loadTool(opts: BenchOptions): LoadTool {
  const wrk = opts.load === "node" ? null : findWrk();
  if (opts.load === "wrk" && !wrk) throw new Error("--load wrk: wrk is not on PATH");
  return wrk ? wrkTool(wrk) : nodeTool();
}

/** Sets the object link's round trip to what the scenario asks for (0 unless it says). */
function linkFor(running: Running): (s: Scenario) => Promise<void> {
  let current = 0;
  return async (s) => {
    const rtt = s.objectRttMs ?? 0;
    if (!running.link || TARGETS[s.target].bindings !== "repo" || rtt === current) return;
    await running.link.ask(`rtt ${rtt}`);
    current = rtt;
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

/** Keeps each workerd's log beside its config and warns about a crash or logged errors. */
function checkLogs(running: Running): void {
  const all: [string, WorkerdProcess][] = [...running.procs];
  if (running.objects) all.push(["objects", running.objects]);
  for (const [name, p] of all) {
    const file = join(RUN, name, "workerd.log");
    writeFileSync(file, p.log());
    if (p.child.exitCode !== null) warn(`workerd ${name} exited during the run:\n${p.log().slice(-2000)}`);
    const errors = p.log().split("\n").filter((l) => /uncaught|error/i.test(l));
    if (errors.length) warn(`workerd ${name} logged ${errors.length} error line(s), e.g. ${errors.at(-1)!.slice(0, 300)} (tail: ${file.slice(REPO.length + 1)})`);
  }
}

async function rounds(prepared: readonly Prepared[], deps: MeasureDeps, opts: BenchOptions, useLink: (s: Scenario) => Promise<void>): Promise<RoundSample[]> {
  const samples: RoundSample[] = [];
  for (let round = 1; round <= opts.rounds; round++) {
    // Rotate the order each round so no scenario always runs first (or right after another).
    const order = prepared.map((_, i) => prepared[(i + round - 1) % prepared.length]!);
    for (const p of order) {
      await useLink(p.scenario);
      const objects = TARGETS[p.scenario.target].bindings === "repo" ? deps.objects : null;
      const s = await measureOnce(p, { ...deps, objects }, round);
      samples.push(s);
      log(
        `round ${round}/${opts.rounds} ${p.scenario.name.padEnd(26)} ${Math.round(s.rps)} req/s  p50 ${s.p50Ms.toFixed(2)} ms  ` +
          `TTFB ${s.ttfbMs?.toFixed(2)} ms  CPU ${s.cpuMs?.toFixed(3)}${s.doCpuMs != null ? ` + DO ${s.doCpuMs.toFixed(3)}` : ""} ms/req` +
          `${s.doCalls != null ? `  DO calls ${s.doCalls.toFixed(2)}/req` : ""}${s.errors ? `  errors ${s.errors}` : ""}`,
      );
    }
  }
  return samples;
}

/** Steps 1–2: what the run serves (wrangler.toml, manifest, KV maps, pages) and its secrets. */
async function setUp(opts: BenchOptions) {
  rmSync(RUN, { recursive: true, force: true });
  mkdirSync(RUN, { recursive: true });
  const cfg = await readRepoConfig(REPO);
  const choice = await chooseManifest(opts.manifest, { repo: REPO, run: RUN, warn });
  const slotIds = slotIdsFor(choice.manifest);
  const pages = preparePages(opts.pages, slotIds, join(REPO, "test/fixtures/real-pages"), PAGES);
  charsetWarnings(pages).forEach(warn);
  const kvFiles = await writeKvFiles(cfg, choice.manifest, { repo: REPO, run: RUN });
  return { cfg, choice, slotIds, pages, kvFiles, secrets: benchSecrets(cfg) };
}

type Run = Awaited<ReturnType<typeof setUp>>;

/** Step 4: each scenario's visitors and headers (at its own object round trip), then its sanity pass. */
async function prepareAll(scenarios: readonly Scenario[], running: Running, run: Run, useLink: (s: Scenario) => Promise<void>) {
  const prepared: Prepared[] = [];
  const sanity: Record<string, SanityResult> = {};
  for (const s of scenarios) {
    await useLink(s);
    const p = await prepareScenario(s, running.procs.get(s.target)!, run.pages, run);
    prepared.push(p);
    sanity[s.name] = await sanityPass(p, run.pages, PAGES, warn);
  }
  return { prepared, sanity };
}

async function main(): Promise<void> {
  const opts = parseBenchArgs(process.argv.slice(2));
  if (opts.help) return void process.stdout.write(USAGE);
  installCleanup();
  process.once("exit", removeStorage);
  const started = Date.now();
  const scenarios = pickScenarios(opts.scenarios);
  if (!scenarios.some((s) => s.name === REFERENCE)) warn(`${REFERENCE} is not among the scenarios: no ratios`);
  const run = await setUp(opts);
  const tool = loadTool(opts);

  const origin = await startNodeServer(join(BENCH_DIR, "origin.ts"), ["--dir", PAGES]);
  log(`origin: 127.0.0.1:${origin.port}, ${run.pages.length} page(s); manifest: ${run.choice.source}`);
  const targets = [...new Set(scenarios.map((s) => s.target))];
  const ctx = { repo: REPO, benchDir: BENCH_DIR, out: OUT, run: RUN, ...run, originPort: origin.port, inspect: opts.profile };
  const running = await startTargets(targets, ctx, log, warn);
  const useLink = linkFor(running);
  const { prepared, sanity } = await prepareAll(scenarios, running, run, useLink);
  if (opts.profile) {
    process.stdout.write(`${await profileScenarios(prepared, { tool, opts, scratch: RUN, inspectors: running.inspectors, useLink, log })}\n`);
    return;
  }

  const objects = running.objects ? { pid: running.objects.pid, port: running.objects.port } : null;
  const samples = await rounds(prepared, { tool, opts, clkTck: clockTicks(), scratch: RUN, objects }, opts, useLink);
  const slotsFilled = Object.fromEntries(Object.entries(sanity).map(([k, v]) => [k, v.slotsFilled]));
  const rows = summarize(samples, scenarios.map((s) => s.name), REFERENCE, slotsFilled);
  const held = await templatesHeld(running.procs.get("p13n"));
  const decide = await runDecideBench(join(BENCH_DIR, "decide-bench.ts"), REPO);
  checkLogs(running);

  if (opts.json) {
    process.stdout.write(jsonReport(rows, decide));
    if (decide) log(decideLine(decide));
    if (held) log(held);
    return;
  }
  process.stdout.write(
    textReport({
      workerdVersion: execFileSync(workerdBinary(), ["--version"], { encoding: "utf8" }).trim(),
      loadTool: tool.name,
      opts,
      manifestSource: run.choice.source,
      manifestSlots: Object.keys(run.choice.manifest.slots),
      slotIds: run.slotIds,
      reference: REFERENCE,
      rows,
      objectRtts: Object.fromEntries(scenarios.filter((s) => s.objectRttMs).map((s) => [s.name, s.objectRttMs!])),
      decide,
      held,
      pages: run.pages,
      sanity,
      tookS: Math.round((Date.now() - started) / 1000),
    }),
  );
}

try {
  await main();
} catch (e) {
  if (!isInterrupted()) process.stderr.write(`bench: ${process.argv.includes("--verbose") ? ((e as Error).stack ?? e) : ((e as Error).message ?? e)}\n`);
  process.exitCode = 1;
} finally {
  await killAll();
}
