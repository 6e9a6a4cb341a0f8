/**
 * The bench's own Node servers (the origin, the object link), each in its own process:
 * started, their port read from the first line they print (`{"port":N}`), and spoken to
 * by a line on stdin answered by a JSON line on stdout. They exit when their stdin closes.
 *
 * @example
 * const origin = await startNodeServer(join(BENCH_DIR, "origin.ts"), ["--dir", pagesDir]);
 * const link = await startNodeServer(join(BENCH_DIR, "object-link.ts"), ["--target", "127.0.0.1:4000"]);
 * await link.ask("rtt 50"); // {"rttMs":50}
 */
import type { ChildProcess } from "node:child_process";
import { basename } from "node:path";
import { createInterface } from "node:readline";
import { spawnTracked } from "./procs.ts";

export interface NodeServer {
  port: number;
  pid: number;
  child: ChildProcess;
  /** Sends one command line; resolves with the next JSON line the server prints. */
  ask(line: string, timeoutMs?: number): Promise<Record<string, unknown>>;
}

export function startNodeServer(script: string, args: readonly string[], timeoutMs = 15_000): Promise<NodeServer> {
  const child = spawnTracked(process.execPath, [script, ...args], { stdio: ["pipe", "pipe", "inherit"] });
  const name = basename(script);
  const waiting: ((msg: Record<string, unknown>) => void)[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    try {
      waiting.shift()?.(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // not a JSON line: ignore
    }
  });
  const next = (what: string, ms: number) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: no answer to ${what} within ${ms} ms`)), ms);
      waiting.push((msg) => {
        clearTimeout(timer);
        resolve(msg);
      });
    });
  const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`${name} exited (${code})`))));
  exited.catch(() => {});
  return Promise.race([next("start", timeoutMs), exited]).then((first) => ({
    port: Number(first.port),
    pid: child.pid!,
    child,
    ask: async (line, ms = 5_000) => {
      const answer = next(line, ms);
      child.stdin!.write(`${line}\n`);
      const msg = await Promise.race([answer, exited]);
      if (typeof msg.error === "string") throw new Error(`${name}: ${msg.error}`);
      return msg;
    },
  }));
}
