// Starting and stopping a system under test as a pinned child process.
import { spawn } from "node:child_process";
import { waitFor200 } from "./http-probe.mjs";
import { pinned } from "./pin.mjs";

const STDERR_TAIL = 4096;

// Children still running when the harness exits (a crash, an uncaught error) are killed, so a
// failed run never leaves servers behind on the benchmark core.
const live = new Set();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/**
 * Spawns `cmd args` pinned to `cpu` (stdout discarded, the tail of stderr kept for error
 * messages) and waits until `readyUrl` answers 200. Resolves `{ pid, child, stop, stderrTail }`.
 */
export async function startSut({ name, cmd, args, env, cpu, readyUrl, cwd, timeoutMs = 20000 }) {
  const [file, fileArgs] = pinned(cpu, cmd, args);
  const child = spawn(file, fileArgs, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let tail = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => {
    tail = (tail + chunk).slice(-STDERR_TAIL);
  });
  live.add(child);
  let exited = false;
  const exit = new Promise((resolve) =>
    child.once("exit", (code, signal) => {
      live.delete(child);
      exited = true;
      resolve({ code, signal });
    }),
  );
  const sut = {
    name,
    child,
    pid: child.pid,
    stderrTail: () => tail,
    isAlive: () => !exited,
    /** Resolves the exit `{ code, signal }`, or undefined after `ms` if still running. */
    waitExit: (ms) => Promise.race([exit, new Promise((r) => setTimeout(r, ms).unref())]),
    async stop(graceMs = 3000) {
      if (exited) return exit;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const result = await exit;
      clearTimeout(timer);
      return result;
    },
  };
  try {
    await waitFor200(readyUrl, { timeoutMs, isAlive: sut.isAlive });
  } catch (err) {
    await sut.stop(500);
    throw new Error(`${name} did not start: ${err.message}\n--- stderr ---\n${tail}`, {
      cause: err,
    });
  }
  return sut;
}
