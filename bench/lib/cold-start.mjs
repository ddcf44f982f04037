// Cold start: process spawn -> first 200 on GET, polled every millisecond (performance.md 3.0 (c)).
import { spawn } from "node:child_process";
import { httpGet } from "./http-probe.mjs";
import { pinned } from "./pin.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Spawns the SUT (stdio ignored, pinned to `cpu`), polls `url` from just before the spawn until
 * it answers 200, SIGKILLs it and waits for its exit. Resolves the milliseconds to the first 200.
 */
export async function measureColdStart({ cmd, args, env, cpu, url, cwd, timeoutMs = 20000 }) {
  const [file, fileArgs] = pinned(cpu, cmd, args);
  const t0 = performance.now();
  const child = spawn(file, fileArgs, { cwd, env: { ...process.env, ...env }, stdio: "ignore" });
  let exited = false;
  const exit = new Promise((resolve) =>
    child.once("exit", (code, signal) => {
      exited = true;
      resolve({ code, signal });
    }),
  );
  try {
    while (performance.now() - t0 < timeoutMs) {
      if (exited) throw new Error(`exited before answering ${url}`);
      try {
        const res = await httpGet(url, { timeoutMs: 5000 });
        if (res.status === 200) return performance.now() - t0;
      } catch {
        // Not listening yet (ECONNREFUSED): poll again.
      }
      await sleep(1);
    }
    throw new Error(`no 200 from ${url} within ${timeoutMs} ms`);
  } finally {
    if (!exited) child.kill("SIGKILL");
    await exit;
  }
}
