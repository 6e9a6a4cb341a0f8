/**
 * Command-line options of `npm run bench`. Pure; tested in test/node/bench/.
 *
 * @example
 * parseBenchArgs(["--rounds", "5", "--json"]).rounds; // 5
 */
import { parseArgs } from "node:util";

export interface BenchOptions {
  rounds: number;
  seconds: number;
  warmup: number;
  connections: number;
  /** Page file names (without .html), or ["all"]. */
  pages: string[];
  /** Scenario names; empty means the defaults. */
  scenarios: string[];
  ttfbSamples: number;
  load: "auto" | "wrk" | "node";
  json: boolean;
  manifest: string | null;
  verbose: boolean;
  /** Instead of rounds: one CPU profile of each real-worker scenario, top functions by self time. */
  profile: boolean;
  help: boolean;
}

/** A mid-size mix of real pages (62–205 KB, all UTF-8); `--pages all` takes every fixture. */
export const DEFAULT_PAGES = ["liberation-1", "heise", "wapo-1", "aclu", "ietf-1", "mathjax"];

export const USAGE = `npm run bench -- [options]
  --rounds N          rounds; scenarios interleave within each (default 3, min 1)
  --seconds S         measured load per scenario per round (default 10)
  --warmup S          unmeasured load before each measurement (default 2)
  --connections C     concurrent keep-alive connections (default 10)
  --pages a,b|all     real pages to rotate through (default ${DEFAULT_PAGES.join(",")})
  --scenarios a,b|all scenarios to run (default: those marked default in bench/scenarios.ts)
  --ttfb-samples N    sequential requests per TTFB sample (default 30)
  --load auto|wrk|node  load generator (default auto: wrk when on PATH)
  --manifest FILE     published manifest JSON to serve from KV (default: cli build, else a bench manifest)
  --json              print the result rows as a JSON array on stdout (progress goes to stderr)
  --verbose           full stack traces on failure
  --profile           instead of rounds, a CPU profile of each real-worker scenario (workerd inspector):
                      the functions with the most self time, and bench/.out/run/<scenario>.cpuprofile
`;

function positiveNumber(name: string, raw: string | undefined, fallback: number, integer: boolean): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new Error(`--${name} wants a positive ${integer ? "integer" : "number"}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

const list = (raw: string | undefined): string[] =>
  (raw ?? "")
    .split(",")
    .map((s) => s.trim().replace(/\.html$/, ""))
    .filter(Boolean);

export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      rounds: { type: "string" },
      seconds: { type: "string" },
      warmup: { type: "string" },
      connections: { type: "string" },
      pages: { type: "string" },
      scenarios: { type: "string" },
      "ttfb-samples": { type: "string" },
      load: { type: "string" },
      manifest: { type: "string" },
      json: { type: "boolean", default: false },
      verbose: { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const load = values.load ?? "auto";
  if (load !== "auto" && load !== "wrk" && load !== "node") throw new Error(`--load wants auto, wrk or node, got ${load}`);
  const pages = list(values.pages);
  return {
    rounds: positiveNumber("rounds", values.rounds, 3, true),
    seconds: positiveNumber("seconds", values.seconds, 10, false),
    warmup: values.warmup === "0" ? 0 : positiveNumber("warmup", values.warmup, 2, false),
    connections: positiveNumber("connections", values.connections, 10, true),
    pages: pages.length > 0 ? pages : DEFAULT_PAGES,
    scenarios: list(values.scenarios),
    ttfbSamples: positiveNumber("ttfb-samples", values["ttfb-samples"], 30, true),
    load,
    json: values.json,
    manifest: values.manifest ?? null,
    verbose: values.verbose,
    profile: values.profile,
    help: values.help,
  };
}
