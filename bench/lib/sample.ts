/**
 * Sequential probes, one request at a time on one keep-alive connection (never under load):
 * time to response headers (TTFB as the browser sees the status line and headers),
 * time to the last byte, and what came back (status, size, slots filled).
 */
import { Agent, request } from "node:http";
import { median } from "./stats.ts";

export interface Probe {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  headersMs: number;
  totalMs: number;
}

export function get(agent: Agent, port: number, path: string, headers: Record<string, string>, timeoutMs = 10_000): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let headersMs = 0;
    const req = request({ host: "127.0.0.1", port, path, agent, headers, timeout: timeoutMs }, (res) => {
      headersMs = performance.now() - t0;
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks),
          headersMs,
          totalMs: performance.now() - t0,
        }),
      );
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${path}`)));
    req.on("error", reject);
    req.end();
  });
}

export interface TtfbResult {
  ttfbMs: number | null;
  ttlbMs: number | null;
  /** How the sampled responses' visitor-state reads went (Server-Timing `state`), counted by status. */
  states: Record<string, number>;
}

/**
 * The status of the visitor-state read a response reports in its Server-Timing header
 * (`state;dur=1.2;desc="hit"`), or null when it reports none (a reference worker).
 *
 * @example
 * stateStatus('manifest;dur=0.1;desc="hit", state;dur=25.0;desc="timeout"'); // "timeout"
 */
export function stateStatus(serverTiming: string | string[] | undefined): string | null {
  const text = Array.isArray(serverTiming) ? serverTiming.join(", ") : (serverTiming ?? "");
  for (const entry of text.split(",")) {
    const [name, ...params] = entry.trim().split(";");
    if (name?.trim() !== "state") continue;
    const desc = params.map((p) => p.trim()).find((p) => p.startsWith("desc="));
    return desc ? desc.slice(5).replace(/^"|"$/g, "") : "";
  }
  return null;
}

/** Median headers-received and last-byte times over `samples` sequential requests (after `warmup` unmeasured ones). */
export async function sampleTtfb(
  port: number,
  paths: readonly string[],
  headers: Record<string, string>,
  samples: number,
  warmup = 3,
): Promise<TtfbResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const ttfb: number[] = [];
  const ttlb: number[] = [];
  const states: Record<string, number> = {};
  try {
    for (let i = 0; i < warmup + samples; i++) {
      const p = await get(agent, port, paths[i % paths.length]!, headers);
      if (i >= warmup) {
        ttfb.push(p.headersMs);
        ttlb.push(p.totalMs);
        const state = stateStatus(p.headers["server-timing"]);
        if (state !== null) states[state] = (states[state] ?? 0) + 1;
      }
    }
  } finally {
    agent.destroy();
  }
  return { ttfbMs: median(ttfb), ttlbMs: median(ttlb), states };
}

/** How many slots a response filled (elements carrying data-p13n-variant). */
export function countVariants(body: Buffer): number {
  return body.toString("latin1").match(/\sdata-p13n-variant=/g)?.length ?? 0;
}
