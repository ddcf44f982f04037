// Load for the invoke bench: closed-loop throughput (wrk) and fixed-rate latency (open-loop.mjs),
// both pinned to the load generator's core and both sending `POST {}` with the same headers.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { pinned } from "../lib/pin.mjs";
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

const OPEN_LOOP = fileURLToPath(new URL("./open-loop.mjs", import.meta.url));

/**
 * Fixed-rate latency with the open-loop generator (open-loop.mjs, pinned to the load core):
 * evenly spaced POSTs at `rate` req/s for `seconds`, latency from each request's scheduled
 * time, the first `skipSeconds` dropped. Resolves `{ requests, errors, non2xx, achievedRps,
 * p50_ms, p99_ms, max_ms }`.
 */
export async function openLoopFixedRate({
  url,
  rate,
  seconds,
  headers = {},
  cpu = 0,
  skipSeconds = 1,
  recordFile,
}) {
  const [cmd, cmdArgs] = pinned(cpu, process.execPath, [
    OPEN_LOOP,
    JSON.stringify({ url, rate, seconds, skipSeconds, headers, recordFile }),
  ]);
  const stdout = await run(cmd, cmdArgs, (seconds + 60) * 1000);
  const out = JSON.parse(stdout.trim().split("\n").at(-1));
  return { ...out, failed: out.errors };
}
