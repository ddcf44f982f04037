/**
 * Watches a project tree for `eventflow dev`: one non-recursive watch per directory. A
 * directory's watch survives saves made by rename (vim, JetBrains' safe write, `sed -i`: a new
 * file renamed over the old one), where a recursive `fs.watch` keeps watching the replaced
 * file and misses every save after the first. New directories get a watch of their own; removed
 * ones drop theirs. Events are debounced into one call per burst.
 */
import { watch, type FSWatcher } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";

/** Options of {@link createTreeWatcher}. */
export interface TreeWatcherOptions {
  /** The project directory. */
  readonly dir: string;
  /** Paths relative to `dir` (with `/` or the platform's separator) that never count. */
  readonly ignore: RegExp;
  /** Called once per burst of changes with the `performance.now()` of its first event. */
  readonly onChange: (firstEventAt: number) => void;
  /** Quiet time that ends a burst (default 15 ms). */
  readonly debounceMs?: number;
}

/** A started tree watcher. */
export interface TreeWatcher {
  /** Resolves once every directory present at start is watched. */
  readonly ready: Promise<void>;
  /** How many directories are watched (tests). */
  watchedDirectories(): number;
  close(): void;
}

/** Starts watching `dir` and everything under it that `ignore` does not match. */
export function createTreeWatcher(options: TreeWatcherOptions): TreeWatcher {
  // Each watched directory with its inode: a directory replaced by another of the same name
  // (renamed over, or removed and made again) is watched anew.
  const watchers = new Map<string, { watcher: FSWatcher; ino: number }>();
  const debounceMs = options.debounceMs ?? 15;
  let closed = false;
  let firstAt: number | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const ignored = (path: string): boolean => {
    const rel = relative(options.dir, path);
    return rel !== "" && options.ignore.test(rel.split(sep).join("/"));
  };
  const changed = (): void => {
    firstAt ??= performance.now();
    clearTimeout(timer);
    timer = setTimeout(() => {
      const at = firstAt ?? performance.now();
      firstAt = undefined;
      if (!closed) options.onChange(at);
    }, debounceMs);
  };
  const unwatch = (dir: string): void => {
    for (const [path, w] of watchers)
      if (path === dir || path.startsWith(dir + sep)) {
        w.watcher.close();
        watchers.delete(path);
      }
  };
  // Watches `dir` and the directories under it; a directory that vanished meanwhile is skipped.
  const add = async (dir: string): Promise<void> => {
    if (closed || ignored(dir)) return;
    const info = await stat(dir).catch(() => undefined);
    if (info === undefined) return unwatch(dir);
    if (!info.isDirectory() || closed || watchers.get(dir)?.ino === info.ino) return;
    unwatch(dir);
    let w: FSWatcher;
    try {
      w = watch(dir, (_event, name) => {
        // No name: something changed that the OS could not say; a rebuild finds out.
        if (name === null) return changed();
        const path = join(dir, name.toString());
        if (ignored(path)) return;
        changed();
        // A directory created (or renamed) here gets its own watch; one removed loses its.
        void add(path).catch(() => unwatch(path));
      });
    } catch {
      return; // gone already
    }
    w.on("error", () => (watchers.get(dir)?.watcher === w ? unwatch(dir) : w.close()));
    watchers.set(dir, { watcher: w, ino: info.ino });
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      unwatch(dir);
      return;
    }
    await Promise.all(entries.filter((e) => e.isDirectory()).map((e) => add(join(dir, e.name))));
  };

  const ready = add(options.dir);
  return {
    ready,
    watchedDirectories: () => watchers.size,
    close() {
      closed = true;
      clearTimeout(timer);
      for (const w of watchers.values()) w.watcher.close();
      watchers.clear();
    },
  };
}
