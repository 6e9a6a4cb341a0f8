/**
 * npm run dev's loop in plain Node, on real files: the content watcher survives the ways
 * files really change (an atomic save's write-then-rename, a checkout that replaces the
 * folder, unlink then create) and keeps reporting edits afterwards, naming the files; and the
 * start rule publishes only what content/ should serve, never over a version published
 * another way.
 */
import { cp, mkdir, mkdtemp, rename, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readRecord, startDecision, writeRecord, type StartInput } from "../../../cli/dev/start-rule.ts";
import { watchFolder, type FolderWatcher } from "../../../cli/dev/watch-folder.ts";

let root: string;
let content: string;
let watcher: FolderWatcher | undefined;
let waiting: Array<(changed: string[]) => void> = [];
let seen: string[][] = [];

/** The next callback's list of changed files. */
const nextChange = () => new Promise<string[]>((ok) => waiting.push(ok));

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "p13n-watch-"));
  content = join(root, "content");
  await mkdir(join(content, "slots", "hero"), { recursive: true });
  await writeFile(join(content, "slots", "hero", "gold.html"), "<h1>Gold</h1>\n");
  await writeFile(join(content, "segments.yaml"), "gold: { attr: profile.tier, eq: gold }\n");
  seen = [];
  waiting = [];
  watcher = watchFolder(
    content,
    (changed) => {
      seen.push(changed);
      waiting.shift()?.(changed);
    },
    { debounceMs: 40 },
  );
});

afterEach(async () => {
  watcher?.close();
  await rm(root, { recursive: true, force: true });
});

/** How editors and sed -i save: a temporary beside the file, renamed over it. */
async function atomicSave(path: string, text: string, temp = `${path}.tmp-${process.pid}`): Promise<void> {
  await writeFile(temp, text);
  await rename(temp, path);
}

describe("the content watcher", () => {
  it("reports an atomic save, and the next one too (the watch survives the replaced inode)", async () => {
    const gold = join(content, "slots", "hero", "gold.html");
    let change = nextChange();
    await atomicSave(gold, "<h1>Gold 2</h1>\n");
    expect(await change).toEqual(["slots/hero/gold.html"]);
    change = nextChange();
    await atomicSave(gold, "<h1>Gold 3</h1>\n", join(content, "slots", "hero", ".gold.html.swp"));
    expect(await change).toEqual(["slots/hero/gold.html"]);
    change = nextChange();
    await writeFile(join(content, "segments.yaml"), "gold: { attr: profile.tier, in: [gold] }\n");
    expect(await change).toEqual(["segments.yaml"]);
  });

  it("survives a checkout that replaces the whole folder, and sees edits inside the new one", async () => {
    const next = join(root, "content-next");
    await cp(content, next, { recursive: true });
    await writeFile(join(next, "slots", "hero", "gold.html"), "<h1>From the other branch</h1>\n");
    let change = nextChange();
    await rm(content, { recursive: true });
    await rename(next, content);
    expect((await change).length).toBeGreaterThan(0);
    expect(watcher!.arms).toBeGreaterThan(1);
    change = nextChange();
    await writeFile(join(content, "slots", "hero", "gold.html"), "<h1>Edited after the checkout</h1>\n");
    expect(await change).toEqual(["slots/hero/gold.html"]);
  });

  it("reports an unlink then create, a new slot folder, and edits after both", async () => {
    const gold = join(content, "slots", "hero", "gold.html");
    let change = nextChange();
    await unlink(gold);
    await writeFile(gold, "<h1>Recreated</h1>\n");
    expect(await change).toEqual(["slots/hero/gold.html"]);
    change = nextChange();
    await mkdir(join(content, "slots", "promo"));
    await writeFile(join(content, "slots", "promo", "slot.yaml"), "description: Promo\n");
    expect(await change).toContain("slots/promo/slot.yaml");
    change = nextChange();
    await writeFile(join(content, "slots", "promo", "slot.yaml"), "description: Promo banner\n");
    expect(await change).toEqual(["slots/promo/slot.yaml"]);
  });

  it("names removed content files, and never an editor's temporaries", async () => {
    const change = nextChange();
    await writeFile(join(content, "slots", "hero", "gold.html~"), "backup");
    await writeFile(join(content, "slots", "hero", ".gold.html.swp"), "swap");
    await unlink(join(content, "slots", "hero", "gold.html"));
    expect(await change).toEqual(["slots/hero/gold.html"]);
  });
});

describe("the start rule", () => {
  const content = { version: "20261129T120000Z-aaaaaaaa", hash: "aaaaaaaa11" };
  const last = { version: "20261128T090000Z-bbbbbbbb", contentHash: "bbbbbbbb22", publishedAt: "2026-11-28T09:00:00Z" };
  const cases: Array<[string, StartInput, "publish" | "skip" | "leave"]> = [
    ["nothing published yet", { republish: false, live: null, last: null, content }, "publish"],
    ["content/ changed since npm run dev's own publish", { republish: false, live: last.version, last, content }, "publish"],
    ["content/ unchanged since that publish", { republish: false, live: last.version, last: { ...last, contentHash: content.hash }, content }, "skip"],
    ["a version published another way (the console, p13n publish of other files)", { republish: false, live: "20261129T110000Z-cccccccc", last, content }, "leave"],
    ["another way, no record at all", { republish: false, live: "console-42", last: null, content }, "leave"],
    ["another way, but the same content as content/", { republish: false, live: "20261129T100000Z-aaaaaaaa", last: null, content }, "skip"],
    ["--republish over anything", { republish: true, live: "console-42", last, content }, "publish"],
  ];
  it.each(cases)("%s", (_, input, action) => {
    const d = startDecision(input);
    expect(d.action).toBe(action);
    if (action === "leave") expect(d.reason).toContain("--republish");
  });

  it("keeps its record beside the local state", async () => {
    const file = join(root, "state", "p13n-dev-publish.json");
    expect(await readRecord(file)).toBeNull();
    await writeRecord(file, last);
    expect(await readRecord(file)).toEqual(last);
  });
});
