/**
 * Every child process the bench starts goes through here, so all of them are ended
 * when the run ends, fails, or is interrupted (SIGINT/SIGTERM): by pid, TERM then KILL.
 *
 * @example
 * installCleanup();
 * const child = spawnTracked("wrk", ["-c10", url]);
 */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";

const children = new Set<ChildProcess>();
let installed = false;
let interrupted = false;

/** True once SIGINT/SIGTERM arrived (errors from children killed by it are expected then). */
export function isInterrupted(): boolean {
  return interrupted;
}

/** Spawns and remembers a child; it is forgotten when it exits. */
export function spawnTracked(cmd: string, args: readonly string[], opts: SpawnOptions = {}): ChildProcess {
  const child = spawn(cmd, args, opts);
  children.add(child);
  child.once("exit", () => children.delete(child));
  child.once("error", () => children.delete(child));
  return child;
}

/** Ends every child still running: SIGTERM, then SIGKILL after `graceMs`. */
export async function killAll(graceMs = 1500): Promise<void> {
  const alive = [...children].filter((c) => c.exitCode === null && c.signalCode === null);
  for (const c of alive) c.kill("SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && alive.some((c) => c.exitCode === null && c.signalCode === null)) {
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const c of alive) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
}

/** Kills children on SIGINT/SIGTERM and, synchronously, on process exit. */
export function installCleanup(): void {
  if (installed) return;
  installed = true;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupted = true;
    process.stderr.write(`\nbench: ${sig}, stopping children…\n`);
    void killAll(500).finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  process.once("exit", () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  });
}

/** Runs a command to completion with a time bound; resolves with its output, rejects on non-zero exit or timeout. */
export function runBounded(
  cmd: string,
  args: readonly string[],
  opts: SpawnOptions & { timeoutMs: number },
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnTracked(cmd, args, { ...opts, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${cmd} ${args.join(" ")}: timed out after ${opts.timeoutMs} ms\n${stderr.slice(-2000)}`));
    }, opts.timeoutMs);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${cmd} ${args.join(" ")}: exit ${code ?? signal}\n${(stderr || stdout).slice(-3000)}`));
    });
  });
}

/** utime+stime of a process (all its threads) in milliseconds, from /proc/<pid>/stat; null when unreadable. */
export async function processCpuMs(pid: number, clkTck: number): Promise<number | null> {
  const { readFile } = await import("node:fs/promises");
  try {
    return parseProcStatCpuMs(await readFile(`/proc/${pid}/stat`, "utf8"), clkTck);
  } catch {
    return null;
  }
}

/** utime+stime in ms from the text of /proc/<pid>/stat (the comm field may hold spaces and parens). */
export function parseProcStatCpuMs(stat: string, clkTck: number): number | null {
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return ((utime + stime) * 1000) / clkTck;
}
