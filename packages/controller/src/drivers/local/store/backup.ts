import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
} from "node:fs";
import { join } from "node:path";
import type { Store } from "./sqlite-store.js";

/** Name of one backup: sortable by time, so the newest is last. */
export function backupName(at: Date): string {
  return `eventflow-${at.toISOString().replace(/[:.]/g, "-")}.db`;
}

/** Flushes a file or directory to the disk (SQLite does not sync a `VACUUM INTO` target). */
function syncPath(path: string, flags: "r" | "r+"): void {
  const fd = openSync(path, flags);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes one backup of `store` into `dir` and keeps the newest `keep` of them. The copy is
 * `VACUUM INTO` a temporary name, synced to the disk, then renamed into place (and the
 * directory synced), so a crash, a power loss or a full disk leaves either a complete backup or
 * none (a failed attempt's temporary file is removed). Returns the backup's path.
 */
export function writeBackup(
  store: Store,
  dir: string,
  options: { keep: number; at: Date },
): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const name = backupName(options.at);
  const tmp = join(dir, `.${name}.tmp`);
  // Copies a killed controller left half written (the data dir lock means none is in progress).
  for (const f of readdirSync(dir).filter((f) => /^\.eventflow-.*\.db\.tmp$/.test(f)))
    rmSync(join(dir, f), { force: true });
  try {
    store.vacuumInto(tmp);
    // Without this a power loss after the rename can leave a backup of the right name whose
    // pages never reached the disk: the copy one restores from would be the damaged one.
    syncPath(tmp, "r+");
    renameSync(tmp, join(dir, name));
    syncPath(dir, "r");
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
  const all = readdirSync(dir)
    .filter((f) => /^eventflow-.*\.db$/.test(f))
    .sort();
  for (const old of all.slice(0, Math.max(0, all.length - options.keep))) {
    rmSync(join(dir, old), { force: true });
  }
  return join(dir, name);
}

/** What {@link scheduleBackups} needs. */
export interface BackupSchedule {
  /** The open store, or undefined once it is closed. */
  readonly store: () => Store | undefined;
  readonly dir: string;
  /** Between backups (0: none). */
  readonly intervalMs: number;
  /** The first backup, after start (capped at the interval). */
  readonly firstAfterMs: number;
  readonly keep: number;
  readonly clock: () => Date;
  readonly log: (level: "info" | "error", obj: Record<string, unknown>, msg: string) => void;
  readonly record?: (result: "ok" | "error", at: Date) => void;
}

/**
 * Backs the store up shortly after start (a database that just passed its check), then every
 * interval. A failure (a full disk, a damaged page) never stops anything: it is recorded every
 * time and logged once until a backup works again. Returns the function that stops it.
 */
export function scheduleBackups(o: BackupSchedule): () => void {
  if (o.intervalMs <= 0) return () => undefined;
  let failing = false;
  const run = () => {
    const store = o.store();
    if (!store) return;
    try {
      const path = writeBackup(store, o.dir, { keep: o.keep, at: o.clock() });
      o.log("info", { path }, "database backed up");
      o.record?.("ok", o.clock());
      failing = false;
    } catch (error) {
      o.record?.("error", o.clock());
      const err = error instanceof Error ? error.message : String(error);
      if (!failing) o.log("error", { err, dir: o.dir }, "database backup failed");
      failing = true;
    }
  };
  const first = setTimeout(run, Math.min(o.intervalMs, o.firstAfterMs));
  const timer = setInterval(run, o.intervalMs);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
