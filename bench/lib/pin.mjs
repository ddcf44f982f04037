// CPU pinning with taskset: servers on one core, the load generator and the harness on the other,
// so that they never compete for the same core (a CPU quota would throttle instead).
import { execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";

let tasksetAvailable;

/** True when `taskset` runs and the machine has at least two cores to split. */
export function canPin() {
  if (tasksetAvailable === undefined) {
    try {
      execFileSync("taskset", ["-V"], { stdio: "ignore" });
      tasksetAvailable = availableParallelism() >= 2;
    } catch {
      tasksetAvailable = false;
    }
  }
  return tasksetAvailable;
}

/** `[cmd, args]` prefixed with `taskset -c <cpu>` when pinning is possible. */
export function pinned(cpu, cmd, args) {
  if (cpu === undefined || !canPin()) return [cmd, args];
  return ["taskset", ["-c", String(cpu), cmd, ...args]];
}

/** Pins every thread of this process (the harness) to `cpu`; returns whether it did. */
export function pinSelf(cpu) {
  if (!canPin()) return false;
  // `-a` walks the thread list; a worker thread that exits meanwhile makes taskset fail: retry.
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      execFileSync("taskset", ["-a", "-p", "-c", String(cpu), String(process.pid)], {
        stdio: "ignore",
      });
      return true;
    } catch {
      // try again
    }
  }
  return false;
}
