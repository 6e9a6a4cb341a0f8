/**
 * The fallback load generator (when wrk is absent), run as its own process:
 * `connections` keep-alive loops over node:http for `seconds`, rotating through `paths`.
 * Prints one JSON LoadResult line. Argument: the LoadSpec as JSON.
 */
import { Agent, request } from "node:http";
import type { LoadResult, LoadSpec } from "./load.ts";
import { stateStatus } from "./sample.ts";
import { percentile } from "./stats.ts";

const spec = JSON.parse(process.argv[2] ?? "{}") as LoadSpec;
const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
const latencies: number[] = [];
const MAX_SAMPLES = 2_000_000;
let requests = 0;
let bytes = 0;
let errors = 0;
let next = 0;
const states: Record<string, number> = {};
const start = performance.now();
const end = start + spec.seconds * 1000;

function one(): Promise<void> {
  const n = next++;
  const path = spec.paths[n % spec.paths.length]! + (spec.bust ? `?bust=${process.pid}-${n}` : "");
  const t0 = performance.now();
  return new Promise((resolve) => {
    const pool = spec.cookies ?? [];
    const headers = pool.length ? { ...spec.headers, Cookie: pool[n % pool.length]! } : spec.headers;
    const req = request({ host: "127.0.0.1", port: spec.port, path, agent, headers, timeout: 10_000 }, (res) => {
      const state = spec.countStates ? stateStatus(res.headers["server-timing"]) : null;
      if (state !== null) states[state] = (states[state] ?? 0) + 1;
      res.on("data", (d: Buffer) => (bytes += d.length));
      res.on("end", () => {
        requests++;
        if ((res.statusCode ?? 0) >= 400) errors++;
        if (latencies.length < MAX_SAMPLES) latencies.push(performance.now() - t0);
        resolve();
      });
      res.on("error", () => {
        errors++;
        resolve();
      });
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => {
      errors++;
      resolve();
    });
    req.end();
  });
}

async function loop(): Promise<void> {
  while (performance.now() < end) await one();
}

await Promise.all(Array.from({ length: spec.connections }, loop));
const durationS = (performance.now() - start) / 1000;
agent.destroy();
const result: LoadResult = {
  requests,
  durationS,
  rps: requests / durationS,
  bytes,
  p50Ms: percentile(latencies, 0.5) ?? NaN,
  p99Ms: percentile(latencies, 0.99) ?? NaN,
  errors,
  ...(spec.countStates ? { states } : {}),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
