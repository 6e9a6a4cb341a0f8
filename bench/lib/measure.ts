/**
 * One scenario's figures in one round: unmeasured warm-up, the measured load (with the CPU
 * the edge process and the objects' process spent on it, from /proc), then the sequential
 * TTFB sampler.
 *
 * @example
 * const sample = await measureOnce(p, { tool, opts, clkTck, scratch, objectsPid }, round);
 */
import { execFileSync } from "node:child_process";
import type { BenchOptions } from "./args.ts";
import type { LoadSpec, LoadTool } from "./load.ts";
import { processCpuMs } from "./procs.ts";
import type { RoundSample } from "./report.ts";
import { sampleTtfb } from "./sample.ts";
import type { Prepared } from "./visitors.ts";
import { usesMemory } from "../scenarios.ts";

export interface MeasureDeps {
  tool: LoadTool;
  opts: Pick<BenchOptions, "connections" | "seconds" | "warmup" | "ttfbSamples">;
  clkTck: number;
  /** Where the load generator may write its scripts. */
  scratch: string;
  /** The objects' process, for scenarios of the real worker; null for reference workers. */
  objects: { pid: number; port: number } | null;
}

/** How many stub calls the objects' gate has answered (bench/workers/do-gate.js), or null. */
export async function gateCalls(port: number): Promise<number | null> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/__bench/calls`, { signal: AbortSignal.timeout(5_000) });
    const j = (await r.json()) as { calls?: unknown };
    return typeof j.calls === "number" ? j.calls : null;
  } catch {
    return null;
  }
}

/** The kernel's clock ticks per second (/proc CPU times count in them). */
export function clockTicks(): number {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** The load for a scenario; state reads are counted under load only where there is memory to read. */
export function loadSpec(p: Prepared, opts: MeasureDeps["opts"]): LoadSpec {
  return {
    port: p.port,
    paths: p.paths,
    headers: p.headers,
    connections: opts.connections,
    seconds: opts.seconds,
    bust: p.scenario.bust,
    ...(p.pool ? { cookies: p.pool } : {}),
    ...(usesMemory(p.scenario) ? { countStates: true } : {}),
  };
}

const perRequest = (a: number | null, b: number | null, requests: number): number | null =>
  a !== null && b !== null && requests > 0 ? (b - a) / requests : null;

export async function measureOnce(p: Prepared, deps: MeasureDeps, round: number): Promise<RoundSample> {
  const spec = loadSpec(p, deps.opts);
  if (deps.opts.warmup > 0) await deps.tool.run({ ...spec, seconds: deps.opts.warmup }, deps.scratch);
  const { objects } = deps;
  const cpu = async () => ({
    edge: await processCpuMs(p.pid, deps.clkTck),
    objects: objects === null ? null : await processCpuMs(objects.pid, deps.clkTck),
    calls: objects === null ? null : await gateCalls(objects.port),
  });
  const before = await cpu();
  const r = await deps.tool.run(spec, deps.scratch);
  const after = await cpu();
  const t = await sampleTtfb(p.port, p.paths, p.headers, deps.opts.ttfbSamples);
  return {
    round,
    scenario: p.scenario.name,
    rps: r.rps,
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    ttfbMs: t.ttfbMs,
    ttlbMs: t.ttlbMs,
    cpuMs: perRequest(before.edge, after.edge, r.requests),
    doCpuMs: perRequest(before.objects, after.objects, r.requests),
    doCalls: perRequest(before.calls, after.calls, r.requests),
    states: t.states,
    ...(r.states ? { loadStates: r.states } : {}),
    bytesPerReq: r.requests > 0 ? r.bytes / r.requests : 0,
    errors: r.errors,
    requests: r.requests,
  };
}
