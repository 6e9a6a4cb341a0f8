/** Temp content repositories for the content tests, and a fake Io that records what the CLI would do. */
import { mkdtemp, mkdir, writeFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Io, RunResult } from "../../../cli/io.ts";

/** A small valid repository: one segment, one experiment, two slots. Override or delete (null) files per test. */
export const BASE_FILES: Record<string, string> = {
  "site.yaml": "holdout:\n  share: 0.05\n  salt: s1\npages:\n  - pattern: /products/*\n    category: product\n",
  "segments.yaml": "gold:\n  attr: profile.tier\n  eq: gold\n",
  "experiments.yaml": [
    "pitch:",
    "  slots: [news]",
    "  salt: pitch-v1",
    "  arms:",
    "    - id: control",
    "      weight: 1",
    "      variants: { news: null }",
    "    - id: b",
    "      weight: 1",
    "      variants: { news: b }",
    "",
  ].join("\n"),
  "slots/hero/slot.yaml": "description: Home hero\n",
  "slots/hero/gold.yaml": "priority: 10\naudience: { segment: gold }\n",
  "slots/hero/gold.html": "<h1>Gold</h1>\n",
  "slots/news/slot.yaml": "description: Newsletter\n",
  "slots/news/b.yaml": "experimentOnly: true\n",
  "slots/news/b.html": "<p>B</p>\n",
};

export interface TempRepo {
  /** The project root (cwd); content lives in `content/` below it. */
  root: string;
  cleanup(): Promise<void>;
}

export async function makeRepo(overrides: Record<string, string | null> = {}): Promise<TempRepo> {
  const root = await mkdtemp(join(tmpdir(), "p13n-content-test-"));
  const files = { ...BASE_FILES, ...overrides };
  for (const [path, text] of Object.entries(files)) {
    if (text === null) continue;
    const abs = join(root, "content", path);
    await mkdir(dirname(abs), { recursive: true });
    await writeFile(abs, text);
  }
  return { root, cleanup: () => rm(root, { recursive: true, force: true }) };
}

export interface FakeIo extends Io {
  out: string[];
  err: string[];
  calls: string[][];
}

/** An Io that never spawns: `wrangler` answers from `respond`. */
export function fakeIo(respond: (args: readonly string[]) => RunResult | Promise<RunResult> = () => ({ code: 0, stdout: "", stderr: "" })): FakeIo {
  const io: FakeIo = {
    out: [],
    err: [],
    calls: [],
    async wrangler(args) {
      io.calls.push([...args]);
      return respond(args);
    },
    startWrangler() {
      throw new Error("not in tests");
    },
    fetch: () => Promise.reject(new Error("no network in tests")),
    print: (t) => void io.out.push(t),
    printErr: (t) => void io.err.push(t),
  };
  return io;
}
