// Deterministic companion of the invoke bench (performance.md 3.0, "Instruction counts"): each
// proxy runs under `setarch -R valgrind --tool=callgrind` (Node with --single-threaded and fixed
// seeds), a concurrency-1 client sends N1 and then, in a fresh process, N2 sequential requests
// through it, and instructions per request = (I(N2) - I(N1)) / (N2 - N1). Start-up and shutdown
// cancel out in the difference. Other load on the machine does not change these counts.
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Pool } from "undici";
import { freePort, waitFor200 } from "../lib/http-probe.mjs";
import { pinned } from "../lib/pin.mjs";

const NODE_FLAGS = ["--single-threaded", "--hash-seed=1", "--random-seed=1"];

/** Total instructions (`summary:` / `totals:` line) of a callgrind output file. */
export function parseCallgrindTotal(text) {
  const m = /^(?:summary|totals):\s+(\d+)/m.exec(text);
  if (!m) throw new Error("no summary line in the callgrind output");
  return Number(m[1]);
}

async function sequential({ url, headers, n }) {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: 1, pipelining: 1 });
  try {
    for (let i = 0; i < n; i++) {
      const res = await pool.request({
        path: `${target.pathname}${target.search}`,
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: "{}",
      });
      await res.body.dump();
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode} on request ${i}`);
    }
  } finally {
    await pool.close();
  }
}

/**
 * Runs one SUT under callgrind for `n` requests and resolves its instruction total.
 * `sut(port)` returns `{ cmd, args, env, readyPath, prepare?(base) }`; `node: true` adds the
 * deterministic Node flags (the SUT's `cmd` is then the node binary).
 */
async function countOnce({ sut, n, cpu }) {
  const port = await freePort();
  const out = join(tmpdir(), `eventflow-callgrind-invoke-${process.pid}-${port}.out`);
  const spec = sut(port);
  const args = [
    "-R",
    "valgrind",
    "--tool=callgrind",
    `--callgrind-out-file=${out}`,
    "--dump-instr=no",
    "--dump-line=no",
    spec.cmd,
    ...(spec.node ? NODE_FLAGS : []),
    ...spec.args,
  ];
  const [cmd, cmdArgs] = pinned(cpu, "setarch", [
    process.arch === "x64" ? "x86_64" : process.arch,
    ...args,
  ]);
  const child = spawn(cmd, cmdArgs, {
    env: { ...process.env, ...spec.env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (c) => (stderr = (stderr + c).slice(-4000)));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitFor200(`${base}${spec.readyPath}`, {
      timeoutMs: 180_000,
      intervalMs: 200,
      isAlive: () => child.exitCode === null,
    });
    const { url, headers } = (await spec.prepare?.(base)) ?? { url: `${base}/`, headers: {} };
    await sequential({ url, headers, n });
    child.kill(spec.stopSignal ?? "SIGTERM");
    await exited;
    return parseCallgrindTotal(readFileSync(out, "utf8"));
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`${error.message}\n${stderr}`, { cause: error });
  } finally {
    rmSync(out, { force: true });
  }
}

/** Instructions per request of one SUT: `{ n1, n2, i1, i2, perRequest }`. */
export async function instructionsPerRequest({ sut, n1, n2, cpu = 1 }) {
  try {
    execFileSync("valgrind", ["--version"], { stdio: "ignore" });
  } catch {
    throw new Error(
      "--instructions needs valgrind (Debian package valgrind: scripts/lib/apt-ensure.sh valgrind)",
    );
  }
  const i1 = await countOnce({ sut, n: n1, cpu });
  const i2 = await countOnce({ sut, n: n2, cpu });
  return { n1, n2, i1, i2, perRequest: (i2 - i1) / (n2 - n1) };
}
