// CPU time of a process from /proc/<pid>/stat (utime + stime of the whole thread group).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

let ticksPerSecond;

/** The kernel's USER_HZ (`getconf CLK_TCK`), 100 on every Linux this runs on. */
export function clockTicks() {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    } catch {
      ticksPerSecond = 100;
    }
    if (!Number.isFinite(ticksPerSecond) || ticksPerSecond <= 0) ticksPerSecond = 100;
  }
  return ticksPerSecond;
}

/** Parses utime and stime (in ticks) from the text of /proc/<pid>/stat. */
export function parseProcStat(text) {
  // The command name (field 2) may hold spaces and parentheses: split after the last ")".
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
  return { utime: Number(rest[11]), stime: Number(rest[12]) };
}

/** CPU seconds (user + system) the process has used so far. */
export function cpuSeconds(pid) {
  const { utime, stime } = parseProcStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
  return (utime + stime) / clockTicks();
}

/** Sum of `cpuSeconds` over several pids (a SUT made of more than one process). */
export function cpuSecondsOf(pids) {
  return pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
}
