// Load for the invoke bench: closed-loop throughput (wrk) and fixed-rate latency (h2load --rps),
// both pinned to the load generator's core and both sending `POST {}` with the same headers.
import { execFile } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { pinned } from "../lib/pin.mjs";
import { quantile } from "../lib/stats.mjs";
import { parseWrkOutput } from "../lib/wrk.mjs";

const WRK_SCRIPT = fileURLToPath(new URL("./wrk-post.lua", import.meta.url));

function run(cmd, args, timeoutMs) {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${cmd} failed: ${err.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

/** `wrk -t1 -cN -dS --latency` POSTing `{}` with `headers`; resolves wrk's parsed totals. */
export async function wrkPost({ url, seconds, connections, headers = {}, cpu = 0 }) {
  const args = [
    `-t1`,
    `-c${connections}`,
    `-d${seconds}s`,
    "--timeout",
    "5s",
    "--latency",
    "-s",
    WRK_SCRIPT,
  ];
  for (const [k, v] of Object.entries(headers)) args.push("-H", `${k}: ${v}`);
  args.push(url);
  const [cmd, cmdArgs] = pinned(cpu, "wrk", args);
  return parseWrkOutput(await run(cmd, cmdArgs, (seconds + 30) * 1000));
}

let bodyFile;
function body() {
  if (!bodyFile) {
    bodyFile = join(tmpdir(), `eventflow-bench-invoke-body-${process.pid}.json`);
    writeFileSync(bodyFile, "{}");
    process.once("exit", () => rmSync(bodyFile, { force: true }));
  }
  return bodyFile;
}

/**
 * Fixed-rate latency: `h2load --h1 -c<clients> --rps=<rate/clients> -D <seconds>` with a
 * per-request log; requests started in the first `skipSeconds` (connection set-up, JIT) are
 * dropped. Resolves `{ requests, failed, non2xx, achievedRps, p50_ms, p99_ms, max_ms }`.
 */
export async function h2loadFixedRate({
  url,
  rate,
  seconds,
  clients = 20,
  headers = {},
  cpu = 0,
  skipSeconds = 1,
}) {
  const log = join(tmpdir(), `eventflow-bench-invoke-h2load-${process.pid}-${Date.now()}.log`);
  const args = [
    "--h1",
    "-t1",
    `-c${clients}`,
    `--rps=${rate / clients}`,
    "-D",
    String(seconds),
    "-d",
    body(),
    "-H",
    "content-type: application/json",
  ];
  for (const [k, v] of Object.entries(headers)) args.push("-H", `${k}: ${v}`);
  args.push(`--log-file=${log}`, url);
  const [cmd, cmdArgs] = pinned(cpu, "h2load", args);
  try {
    const stdout = await run(cmd, cmdArgs, (seconds + 30) * 1000);
    const failed =
      Number(/(\d+) failed/.exec(stdout)?.[1] ?? 0) +
      Number(/(\d+) errored/.exec(stdout)?.[1] ?? 0);
    const rows = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split("\t").map(Number))
      .filter((r) => r.length === 3);
    const t0 = Math.min(...rows.map((r) => r[0]));
    const kept = rows.filter((r) => r[0] - t0 >= skipSeconds * 1e6);
    const durations = kept.map((r) => r[2] / 1000);
    const span = (Math.max(...kept.map((r) => r[0])) - Math.min(...kept.map((r) => r[0]))) / 1e6;
    return {
      requests: kept.length,
      failed,
      non2xx: kept.filter((r) => r[1] < 200 || r[1] > 299).length,
      achievedRps: span > 0 ? kept.length / span : Number.NaN,
      p50_ms: quantile(durations, 0.5),
      p99_ms: quantile(durations, 0.99),
      max_ms: Math.max(...durations),
    };
  } finally {
    rmSync(log, { force: true });
  }
}
