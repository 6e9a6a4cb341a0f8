/**
 * `--profile`: instead of rounds, one warm-up and one profiled load per real-worker
 * scenario; a V8 CPU profile of the edge process through workerd's inspector (and, for a
 * scenario that reads or writes visitor memory, of the objects' process too), reduced to the
 * functions with the most self time. Raw profiles go to bench/.out/run/<scenario>[.objects].cpuprofile.
 *
 * @example
 * process.stdout.write(await profileScenarios(prepared, deps, running.inspectors, useLink));
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadSpec, type MeasureDeps } from "./measure.ts";
import { formatProfile, openProfiler, summarizeProfile, type ProfilerSession } from "./profile.ts";
import type { Prepared } from "./visitors.ts";
import { TARGETS, usesMemory, type Scenario } from "../scenarios.ts";

export interface ProfileDeps extends Pick<MeasureDeps, "tool" | "opts" | "scratch"> {
  inspectors: { edge?: number; objects?: number };
  /** Sets the object round trip the scenario asks for. */
  useLink(s: Scenario): Promise<void>;
  log(msg: string): void;
}

async function profiled(p: Prepared, deps: ProfileDeps): Promise<string[]> {
  const spec = loadSpec(p, deps.opts);
  await deps.useLink(p.scenario);
  if (deps.opts.warmup > 0) await deps.tool.run({ ...spec, seconds: deps.opts.warmup }, deps.scratch);
  const sessions: { label: string; session: ProfilerSession }[] = [];
  try {
    sessions.push({ label: "", session: await openProfiler(deps.inspectors.edge!) });
    if (usesMemory(p.scenario) && deps.inspectors.objects) sessions.push({ label: ".objects", session: await openProfiler(deps.inspectors.objects) });
    for (const s of sessions) await s.session.start();
    const r = await deps.tool.run(spec, deps.scratch);
    const out = [`${p.scenario.name}: ${Math.round(r.rps)} req/s while profiled`];
    for (const s of sessions) {
      const profile = await s.session.stop();
      const file = join(deps.scratch, `${p.scenario.name}${s.label}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      out.push(`${s.label ? "objects' process" : "edge process"} (${file}):`, formatProfile(summarizeProfile(profile, 25)));
    }
    return out;
  } finally {
    for (const s of sessions) s.session.close();
  }
}

export async function profileScenarios(prepared: readonly Prepared[], deps: ProfileDeps): Promise<string> {
  if (!deps.inspectors.edge) throw new Error("--profile: the edge process has no inspector");
  const out: string[] = [];
  for (const p of prepared.filter((x) => TARGETS[x.scenario.target].bindings === "repo")) {
    out.push(...(await profiled(p, deps)), "");
    deps.log(`profiled ${p.scenario.name}`);
  }
  return out.join("\n");
}
