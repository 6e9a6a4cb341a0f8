/**
 * Every outside effect of the CLI except reading the content files: running
 * wrangler, HTTP (the admin API, later), and the terminal. Commands take an `Io`,
 * so tests pass a fake one and assert on what would have been run or printed.
 *
 * @example
 * const io = createIo();
 * const r = await io.wrangler(["kv", "key", "get", "manifest/current", "--binding", "CONTENT", "--local", "--text"]);
 * io.print(r.stdout);
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface StartedProcess {
  child: ChildProcess;
  /** Exit code (128 + signal number when killed by a signal). */
  exited: Promise<number>;
}

export interface WranglerOptions {
  cwd?: string;
  /** Written to wrangler's standard input, then closed (`secret put` reads the value there). */
  input?: string;
  /** Talks to Cloudflare (init, deploy): no offline switches, the account's credentials apply. */
  online?: boolean;
}

export interface Io {
  /** Runs the project's pinned wrangler on this Node (offline unless `online`), and collects its output. */
  wrangler(args: readonly string[], opts?: WranglerOptions): Promise<RunResult>;
  /** Starts wrangler with the terminal attached (for `wrangler dev`). */
  startWrangler(args: readonly string[], opts?: { cwd?: string }): StartedProcess;
  /** HTTP for the admin API (publishing to a deployed Worker). */
  fetch: typeof fetch;
  /** Standard output, one call per block of text. */
  print(text: string): void;
  /** Standard error: progress and problems. */
  printErr(text: string): void;
  /**
   * Asks the person at the terminal; absent (or resolving to the default) when nobody is
   * there to answer: commands then take their flags and defaults.
   */
  ask?(question: string, defaultValue: string): Promise<string>;
}

/**
 * `wrangler dev` and `wrangler kv --local` reach for the network at start (update
 * check, metrics, cf object); these keep them offline and quiet.
 */
export const OFFLINE_ENV: Readonly<Record<string, string>> = {
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_SEND_ERROR_REPORTS: "false",
};

/** The wrangler entry point of this project's node_modules (the pinned version). */
export function wranglerBin(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("wrangler/package.json")), "bin", "wrangler.js");
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15, SIGKILL: 9 };

export function createIo(): Io {
  return {
    wrangler(args, opts = {}) {
      return new Promise((resolve, reject) => {
        // process.execPath: the Node running the CLI (22, from the `node` devDependency), not whatever is first on PATH.
        const child = spawn(process.execPath, [wranglerBin(), ...args], {
          cwd: opts.cwd,
          env: { ...process.env, ...(opts.online ? { WRANGLER_SEND_METRICS: "false" } : OFFLINE_ENV), WRANGLER_HIDE_BANNER: "true" },
          stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
        });
        if (opts.input !== undefined) child.stdin?.end(opts.input);
        let stdout = "";
        let stderr = "";
        child.stdout?.setEncoding("utf8").on("data", (d: string) => (stdout += d));
        child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code, signal) => resolve({ code: code ?? 128 + (SIGNALS[signal ?? ""] ?? 0), stdout, stderr }));
      });
    },
    startWrangler(args, opts = {}) {
      const child = spawn(process.execPath, [wranglerBin(), ...args], {
        cwd: opts.cwd,
        env: { ...process.env, ...OFFLINE_ENV },
        stdio: "inherit",
      });
      const exited = new Promise<number>((resolve) => {
        child.on("error", () => resolve(1));
        child.on("exit", (code, signal) => resolve(code ?? 128 + (SIGNALS[signal ?? ""] ?? 0)));
      });
      return { child, exited };
    },
    fetch: (input, init) => fetch(input, init),
    print: (text) => void process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
    printErr: (text) => void process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
    ...(process.stdin.isTTY && process.stdout.isTTY
      ? {
          async ask(question: string, defaultValue: string) {
            const rl = createInterface({ input: process.stdin, output: process.stdout });
            try {
              const answer = (await rl.question(defaultValue ? `${question} [${defaultValue}] ` : `${question} `)).trim();
              return answer || defaultValue;
            } finally {
              rl.close();
            }
          },
        }
      : {}),
  };
}
