/**
 * Runs raw workerd (`workerd serve config.capnp`) and learns its port through
 * `--control-fd` (workerd writes `{"event":"listen","socket":"http","port":N}` there),
 * so sockets can bind 127.0.0.1:0 without guessing free ports.
 */
import type { ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { spawnTracked } from "./procs.ts";

export interface WorkerdProcess {
  pid: number;
  port: number;
  child: ChildProcess;
  /** Last lines workerd wrote to stdout/stderr (worker console output and runtime warnings). */
  log(): string;
}

/** Path of the native workerd binary (the `workerd` package's main export). */
export function workerdBinary(): string {
  const require = createRequire(import.meta.url);
  return require("workerd").default as string;
}

export function startWorkerd(configPath: string, cwd: string, timeoutMs = 30_000, extraArgs: string[] = []): Promise<WorkerdProcess> {
  const child = spawnTracked(workerdBinary(), ["serve", configPath, "--control-fd=3", ...extraArgs], {
    cwd,
    stdio: ["ignore", "pipe", "pipe", "pipe"],
  });
  let log = "";
  const keep = (d: Buffer) => {
    log = (log + d.toString()).slice(-64 * 1024);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`workerd did not listen within ${timeoutMs} ms\n${log}`));
    }, timeoutMs);
    let buf = "";
    const control = child.stdio[3] as NodeJS.ReadableStream;
    control.on("data", (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const msg = JSON.parse(line) as { event?: string; socket?: string; port?: number };
          if (msg.event === "listen" && msg.socket === "http" && msg.port) {
            clearTimeout(timer);
            resolve({ pid: child.pid!, port: msg.port, child, log: () => log });
          }
        } catch {
          // not a control message
        }
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`workerd exited (${code ?? signal}) before listening\n${log}`));
    });
  });
}

/** A port free on 127.0.0.1 right now (for workerd's inspector, which cannot report its own). */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => ok(port));
    });
  });
}
