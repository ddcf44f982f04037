// Progress on stderr; the result as the last stdout line (bench/README.md, "Reading the JSON").
import { readFileSync } from "node:fs";
import { cpus, release } from "node:os";

/** `{ cpu, cores, node, kernel }` of this machine. */
export function machineInfo() {
  let cpu = cpus()[0]?.model?.trim() ?? "unknown";
  if (cpu === "unknown") {
    const match = /model name\s*:\s*(.+)/.exec(safeRead("/proc/cpuinfo"));
    if (match) cpu = match[1].trim();
  }
  // cpus() lists every online core, whatever this process is pinned to.
  return { cpu, cores: cpus().length, node: process.version, kernel: release() };
}

function safeRead(path) {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/** One progress line on stderr, prefixed with the bench name and the elapsed seconds. */
export function createProgress(bench) {
  const started = performance.now();
  return (message) => {
    const secs = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
    process.stderr.write(`[${bench} ${secs}s] ${message}\n`);
  };
}

/** Writes the bench's JSON object as one line; call it last. */
export function emitResult({ bench, machine, results, ratios }) {
  process.stdout.write(`${JSON.stringify({ bench, machine, results, ratios })}\n`);
}
