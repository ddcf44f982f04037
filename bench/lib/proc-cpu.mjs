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

/**
 * Ticks of one CPU from /proc/stat: `{ user, nice, system, idle, iowait, irq, softirq, steal }`,
 * or undefined when the machine has no such CPU (unpinned runs on one core).
 */
export function cpuTicks(cpu) {
  const line = readFileSync("/proc/stat", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`cpu${cpu} `));
  if (!line) return undefined;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return { user, nice, system, idle, iowait, irq, softirq, steal };
}

/**
 * Watches how much of a core other processes take while a pinned SUT runs: `start()` then
 * `stop()` resolves `{ foreignShare, stealShare }`, the fractions of the interval's ticks used by
 * processes other than `pids` (user + nice + system; interrupts are left out, they are mostly
 * the SUT's own network work) and stolen by the hypervisor.
 */
export function createCoreWatch({ cpu, pids }) {
  let t0;
  let own0;
  return {
    start() {
      t0 = cpuTicks(cpu);
      own0 = pids.reduce((s, pid) => s + ownTicks(pid), 0);
    },
    stop() {
      const t1 = cpuTicks(cpu);
      if (t0 === undefined || t1 === undefined) return { foreignShare: 0, stealShare: 0 };
      const own = pids.reduce((s, pid) => s + ownTicks(pid), 0) - own0;
      const d = Object.fromEntries(Object.keys(t1).map((k) => [k, t1[k] - t0[k]]));
      const all = Object.values(d).reduce((a, b) => a + b, 0) || 1;
      const foreign = Math.max(0, d.user + d.nice + d.system - own);
      return { foreignShare: foreign / all, stealShare: d.steal / all };
    },
  };
}

function ownTicks(pid) {
  const { utime, stime } = parseProcStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
  return utime + stime;
}

/**
 * Waits until other processes use at most `maxShare` of `cpu` over a `windowMs` window, or
 * `timeoutMs` passes. Resolves the last measured share.
 */
export async function waitForQuietCore({ cpu, maxShare = 0.05, windowMs = 250, timeoutMs = 2000 }) {
  const deadline = performance.now() + timeoutMs;
  let share;
  do {
    const a = cpuTicks(cpu);
    if (a === undefined) return 0;
    await new Promise((r) => setTimeout(r, windowMs));
    const b = cpuTicks(cpu);
    const busy = b.user + b.nice + b.system - (a.user + a.nice + a.system);
    const all = Object.keys(b).reduce((s, k) => s + b[k] - a[k], 0) || 1;
    share = busy / all;
  } while (share > maxShare && performance.now() < deadline);
  return share;
}
