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
  try {
    for (let i = 0; i < warmup + samples; i++) {
      const p = await get(agent, port, paths[i % paths.length]!, headers);
      if (i >= warmup) {
        ttfb.push(p.headersMs);
        ttlb.push(p.totalMs);
      }
    }
  } finally {
    agent.destroy();
  }
  return { ttfbMs: median(ttfb), ttlbMs: median(ttlb) };
}

/** How many slots a response filled (elements carrying data-p13n-variant). */
export function countVariants(body: Buffer): number {
  return body.toString("latin1").match(/\sdata-p13n-variant=/g)?.length ?? 0;
}
