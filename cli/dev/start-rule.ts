/**
 * Whether `npm run dev` publishes content/ when it starts. It publishes when content/
 * changed since its own last publish, when nothing is published yet, or with --republish;
 * it never publishes over content that was published another way (`p13n publish --local`
 * of other files, the console, the admin API): it leaves that version and says so.
 *
 * "Its own last publish" is a small record beside the local state
 * (`.wrangler/state/p13n-dev-publish.json`, or under --persist-to): the version it wrote
 * and the compiled content's hash.
 *
 * @example
 * const d = startDecision({ republish: false, live: "20261129T…-ab12cd34", last, content: { version, hash } });
 * if (d.action === "publish") …; else io.printErr(d.reason);
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { hashOfVersion } from "../content/version.ts";

export interface DevPublishRecord {
  version: string;
  /** manifestContentHash of what was published (everything but the version id and time). */
  contentHash: string;
  publishedAt: string;
}

export type StartDecision =
  | { action: "publish"; reason: string }
  | { action: "skip"; reason: string }
  | { action: "leave"; reason: string };

export interface StartInput {
  republish: boolean;
  /** The version the local KV pointer names, or null when nothing is published. */
  live: string | null;
  /** npm run dev's own last publish, or null. */
  last: DevPublishRecord | null;
  /** content/ as compiled now. */
  content: { version: string; hash: string };
}

export function startDecision(i: StartInput): StartDecision {
  if (i.republish) return { action: "publish", reason: "--republish: publishing content/" };
  if (i.live === null) return { action: "publish", reason: "nothing is published in local KV yet: publishing content/" };
  const ours = i.last !== null && i.last.version === i.live;
  if (ours) {
    return i.last!.contentHash === i.content.hash
      ? { action: "skip", reason: `content/ unchanged since the last publish: local KV serves version ${i.live}` }
      : { action: "publish", reason: `content/ changed since version ${i.live}: publishing it` };
  }
  // Not published by npm run dev: content/'s own build of the same files is still ours to keep serving.
  if (hashOfVersion(i.live) !== undefined && hashOfVersion(i.live) === hashOfVersion(i.content.version)) {
    return { action: "skip", reason: `local KV serves version ${i.live}, which has content/'s content` };
  }
  return {
    action: "leave",
    reason: `local KV serves version ${i.live}, which content/ did not produce (published another way): leaving it. To serve content/ instead: npm run dev -- --republish`,
  };
}

/** Where the record lives: beside wrangler dev's local state. */
export function recordPath(cwd: string, persistTo?: string): string {
  return persistTo ? join(persistTo, "p13n-dev-publish.json") : join(cwd, ".wrangler", "state", "p13n-dev-publish.json");
}

export async function readRecord(path: string): Promise<DevPublishRecord | null> {
  try {
    const r = JSON.parse(await readFile(path, "utf8")) as Partial<DevPublishRecord>;
    return typeof r.version === "string" && typeof r.contentHash === "string" ? { version: r.version, contentHash: r.contentHash, publishedAt: String(r.publishedAt ?? "") } : null;
  } catch {
    return null;
  }
}

export async function writeRecord(path: string, record: DevPublishRecord): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(record, null, 2)}\n`);
}
