import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** What a pid file records: enough to recognise the very process later (pids get reused). */
export interface PidRecord {
  readonly pid: number;
  /** Start time in clock ticks since boot (/proc/<pid>/stat field 22). */
  readonly startTicks: number;
  readonly tenant: string;
  readonly name: string;
  readonly replica: string;
}

/** Field 22 of /proc/<pid>/stat, or undefined when the process is gone. */
export function processStartTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the process in `record` still runs (same pid and same start time). */
export function isRecordAlive(record: PidRecord): boolean {
  return processStartTicks(record.pid) === record.startTicks;
}

/** Pid files of replica processes under `<dataDir>/run`, one per replica. */
export function createPidFiles(runDir: string) {
  const file = (tenant: string, replica: string) =>
    join(runDir, `${encodeURIComponent(tenant)}.${replica}.json`);
  return {
    write(record: PidRecord): void {
      // The controller's alone: they name every tenant's replicas and their pids.
      mkdirSync(runDir, { recursive: true, mode: 0o700 });
      writeFileSync(file(record.tenant, record.replica), JSON.stringify(record), { mode: 0o600 });
    },
    /**
     * Synchronous, like `write`: called as the replica's exit is seen, it is done before a stop,
     * a scale-down or the controller's close that waited for that exit returns (an async remove
     * was still pending when a cleanly stopped controller exited, leaving the file behind).
     */
    remove(tenant: string, replica: string): void {
      rmSync(file(tenant, replica), { force: true });
    },
    /**
     * Stops every process a previous controller left behind (after kill -9 its children live
     * on): SIGTERM, then SIGKILL after `graceMs`. Returns how many were still running.
     */
    async reapStale(graceMs: number): Promise<number> {
      let names: string[];
      try {
        names = (await readdir(runDir)).filter((n) => n.endsWith(".json"));
      } catch {
        return 0;
      }
      const alive: PidRecord[] = [];
      for (const n of names) {
        try {
          const record = JSON.parse(await readFile(join(runDir, n), "utf8")) as PidRecord;
          if (isRecordAlive(record)) {
            alive.push(record);
            process.kill(record.pid, "SIGTERM");
          }
        } catch {
          // A torn or foreign file: nothing to stop.
        }
        await rm(join(runDir, n), { force: true });
      }
      const deadline = Date.now() + graceMs;
      while (alive.some(isRecordAlive) && Date.now() < deadline) await sleep(20);
      for (const r of alive) if (isRecordAlive(r)) process.kill(r.pid, "SIGKILL");
      return alive.length;
    },
  };
}

/** The pid-file helper type. */
export type PidFiles = ReturnType<typeof createPidFiles>;
