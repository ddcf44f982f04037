// Closed-loop HTTP load with wrk, pinned to the load generator's core.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { pinned } from "./pin.mjs";

const reportScript = fileURLToPath(new URL("./wrk-report.lua", import.meta.url));

/** Parses the `WRK_JSON {...}` line that wrk-report.lua prints. */
export function parseWrkOutput(stdout) {
  const line = stdout.split("\n").find((l) => l.startsWith("WRK_JSON "));
  if (!line) throw new Error(`wrk printed no report line:\n${stdout}`);
  const raw = JSON.parse(line.slice("WRK_JSON ".length));
  const seconds = raw.duration_us / 1e6;
  const errors = Object.values(raw.errors).reduce((a, b) => a + b, 0);
  return { ...raw, seconds, rps: raw.requests / seconds, errorCount: errors };
}

/**
 * Runs `wrk -t<threads> -c<connections> -d<seconds>s --latency` against `url`, pinned to `cpu`.
 * Resolves with `{ requests, seconds, rps, errors, errorCount, latency_us }`.
 */
export function runWrk({
  url,
  seconds,
  connections = 64,
  threads = 1,
  cpu = 0,
  timeoutSeconds = 5,
}) {
  const args = [
    `-t${threads}`,
    `-c${connections}`,
    // wrk takes whole seconds only.
    `-d${Math.max(1, Math.round(seconds))}s`,
    `--timeout`,
    `${timeoutSeconds}s`,
    "--latency",
    "-s",
    reportScript,
    url,
  ];
  const [cmd, cmdArgs] = pinned(cpu, "wrk", args);
  return new Promise((resolve, reject) => {
    execFile(cmd, cmdArgs, { timeout: (seconds + 30) * 1000 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`wrk failed: ${err.message}\n${stderr}`));
        return;
      }
      try {
        resolve(parseWrkOutput(stdout));
      } catch (parseErr) {
        reject(parseErr);
      }
    });
  });
}
