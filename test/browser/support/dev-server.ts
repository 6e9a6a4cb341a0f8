/**
 * Starts the project the way a newcomer does (`npm run dev`: scripts/dev.ts
 * seeds content/ into local KV, then wrangler dev serves the demo shop), on a
 * free port with its own state directory, and stops it afterwards.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { readDevVars } from "../../../cli/dev-vars.ts";

export const ROOT = resolve(import.meta.dirname, "../../..");

export interface DevServer {
  url: string;
  /** The dev secrets the server runs with (from .dev.vars). */
  secrets: Record<string, string>;
  stop: () => Promise<void>;
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

async function waitUntilReady(url: string, child: ChildProcess, log: () => string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`npm run dev exited with ${child.exitCode}:\n${log()}`);
    try {
      const res = await fetch(`${url}/__p13n/healthz`);
      if (res.ok && ((await res.json()) as { contentVersion: string | null }).contentVersion) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`npm run dev was not ready within ${ms} ms:\n${log()}`);
}

/**
 * @example
 * const dev = await startDevServer();
 * await page.goto(`${dev.url}/`);
 * await dev.stop();
 */
export async function startDevServer(extraArgs: string[] = []): Promise<DevServer> {
  const port = await freePort();
  const state = await mkdtemp(join(tmpdir(), "p13n-dev-"));
  const url = `http://127.0.0.1:${port}`;
  // process.execPath is the pinned Node 22 when tests run through npm scripts.
  const child = spawn(
    process.execPath,
    ["scripts/dev.ts", "--no-watch", "--port", String(port), "--ip", "127.0.0.1", "--persist-to", state, ...extraArgs],
    {
      cwd: ROOT,
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      // The whole group: the dev script, wrangler and workerd.
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // Already gone.
      }
      await new Promise((r) => {
        const t = setTimeout(() => {
          try {
            process.kill(-child.pid!, "SIGKILL");
          } catch {
            // Already gone.
          }
          r(undefined);
        }, 5_000);
        child.once("exit", () => {
          clearTimeout(t);
          r(undefined);
        });
      });
    }
    await rm(state, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(url, child, () => output, 90_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, secrets: await readDevVars(ROOT), stop };
}
