import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EventFlowError } from "@eventflow/protocol";
import { isRecordAlive, processStartTicks } from "./pid-files.js";

const lockPath = (dataDir: string) => join(dataDir, "controller.pid");

/**
 * Claims the data directory for this process: refused (DRIVER_UNAVAILABLE) while another live
 * controller holds it; a lock left by a dead one (kill -9) is taken over.
 */
export function acquireDataDirLock(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true });
  const file = lockPath(dataDir);
  if (existsSync(file)) {
    let owner: { pid: number; startTicks: number } | undefined;
    try {
      owner = JSON.parse(readFileSync(file, "utf8")) as { pid: number; startTicks: number };
    } catch {
      owner = undefined; // torn file: nobody holds it
    }
    if (
      owner &&
      owner.pid !== process.pid &&
      isRecordAlive({ ...owner, tenant: "", name: "", replica: "" })
    ) {
      throw new EventFlowError(
        "DRIVER_UNAVAILABLE",
        `data dir ${dataDir} is in use by controller pid ${owner.pid}`,
      );
    }
  }
  writeFileSync(
    file,
    JSON.stringify({ pid: process.pid, startTicks: processStartTicks(process.pid) ?? 0 }),
  );
}

/** Gives the data directory up (on close). */
export function releaseDataDirLock(dataDir: string): void {
  rmSync(lockPath(dataDir), { force: true });
}
