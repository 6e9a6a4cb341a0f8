/**
 * Watches a folder tree for edits the way editors and tools really make them, and calls
 * back once per burst with the files that changed:
 * - the folder is watched, not the files: an atomic save (write a temporary file, rename it
 *   over the old one: most editors' safe-write, `sed -i`) replaces a file's inode, which a
 *   per-file watch would silently lose;
 * - events are debounced: a save or a `git checkout` is many events, one callback;
 * - after any rename or removal the watch is re-armed on the tree as it now is (new folders,
 *   a replaced folder, the folder itself removed and put back: it waits until it exists).
 * Editors' temporary and hidden files are left out of the list; callbacks never overlap.
 *
 * @example
 * const w = watchFolder("content", async (changed) => republish(changed), { debounceMs: 300 });
 * // … w.close();
 */
import { existsSync, statSync, watch, type FSWatcher } from "node:fs";
import { join } from "node:path";

export interface FolderWatcher {
  close(): void;
  /** How many times the watch was (re)armed: 1 after start. */
  readonly arms: number;
}

export interface WatchOptions {
  debounceMs?: number;
  /** Problems (a watch that could not be armed), never thrown. */
  onError?: (message: string) => void;
}

/** What content is made of: reported even once removed. */
const CONTENT_FILE = /\.(ya?ml|html?|json|md)$/;

/** Swap files, backups, temporaries and hidden files: never content. */
const NOISE = /(^|\/)(\.[^/]*|[^/]*~|[^/]*\.(sw[px]|tmp|bak)|4913|#[^/]*#)$/;

export function watchFolder(dir: string, onSettled: (changed: string[]) => void | Promise<void>, opts: WatchOptions = {}): FolderWatcher {
  const debounceMs = opts.debounceMs ?? 300;
  let watcher: FSWatcher | null = null;
  let inode: number | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pending = new Set<string>();
  let renamed = false;
  let closed = false;
  let arms = 0;
  let running: Promise<void> = Promise.resolve();

  const inodeOf = (): number | null => {
    try {
      return statSync(dir).ino;
    } catch {
      return null;
    }
  };

  function arm(): void {
    watcher?.close();
    watcher = null;
    if (closed) return;
    if (!existsSync(dir)) {
      // Gone (a checkout that replaces the folder): look again after the next interval.
      schedule();
      return;
    }
    try {
      watcher = watch(dir, { recursive: true }, (event, filename) => {
        if (event === "rename") renamed = true;
        if (filename) pending.add(String(filename).replaceAll("\\", "/"));
        schedule();
      });
      watcher.on("error", () => {
        renamed = true;
        schedule();
      });
      inode = inodeOf();
      arms++;
    } catch (err) {
      opts.onError?.(`cannot watch ${dir}: ${(err as Error).message}`);
      schedule();
    }
  }

  function schedule(): void {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(settle, debounceMs);
  }

  function settle(): void {
    if (closed) return;
    const now = inodeOf();
    if (now === null) {
      // Still gone: keep waiting for it.
      renamed = true;
      watcher?.close();
      watcher = null;
      schedule();
      return;
    }
    const replaced = inode !== null && now !== inode;
    // A rename anywhere, or the folder itself replaced: watch the tree as it is now.
    if (renamed || watcher === null || replaced) arm();
    renamed = false;
    const raw = [...pending].filter((f) => f !== "" && !NOISE.test(f));
    pending = new Set();
    // Named: what exists now, and removed content files; a tool's vanished temporary (sed's) is not.
    const changed = raw.filter((f) => CONTENT_FILE.test(f) || existsSync(join(dir, f))).sort();
    if (raw.length === 0 && !replaced) return; // only an editor's temporaries: nothing to do
    const list = changed.length ? changed : [replaced ? "(the folder was replaced)" : "(files removed)"];
    running = running.then(() => onSettled(list)).catch((err: unknown) => opts.onError?.(`after a change: ${(err as Error).message}`));
  }

  arm();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      watcher?.close();
      watcher = null;
    },
    get arms() {
      return arms;
    },
  };
}
