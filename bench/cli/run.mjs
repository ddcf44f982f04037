#!/usr/bin/env node
// bench:cli — how fast the `eventflow` CLI starts (`--version`, `list` against a local
// controller) next to a bare `node -e 0`, in interleaved rounds; and how long `eventflow dev`
// takes from saving a handler to serving the new version. Timings are printed, never asserted.
// The last stdout line is the JSON result (bench/README.md, "Reading the JSON").
import { spawn } from "node:child_process";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createProgress, emitResult, machineInfo } from "../lib/report.mjs";
import { perRoundRatio, runInterleavedRounds } from "../lib/rounds.mjs";
import { round, summarize } from "../lib/stats.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI = join(ROOT, "packages/cli/dist/bin.js");
const CONTROLLER = join(ROOT, "packages/controller/dist/bin.js");
const { values: opts } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    rounds: { type: "string" },
    edits: { type: "string" },
    seed: { type: "string", default: "20261126" },
  },
});
const rounds = Number(opts.rounds ?? (opts.quick ? 5 : 30));
const edits = Number(opts.edits ?? (opts.quick ? 3 : 15));
const log = createProgress("cli");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Wall time of one process run, spawn to exit. */
function timeRun(args, env) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c) => (stderr += c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ ms: performance.now() - started, code, stderr }));
  });
}

async function waitFor(probe, what, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen`);
    await sleep(5);
  }
}

const work = await mkdtemp(join(tmpdir(), "eventflow-bench-cli-"));
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const controller = spawn(process.execPath, [CONTROLLER], {
  env: {
    PATH: process.env.PATH,
    JWT_SECRET: "bench-cli-secret-of-at-least-thirty-two-chars",
    EVENTFLOW_DEV_AUTH: "true",
    EVENTFLOW_DRIVER: "local",
    EVENTFLOW_DATA_DIR: join(work, "data"),
    PORT: String(port),
    METRICS_PORT: "0",
    LOG_LEVEL: "warn",
  },
  stdio: "ignore",
});
let dev;
try {
  await waitFor(
    async () => ((await fetch(`${url}/readyz`)).ok ? true : undefined),
    "controller start",
  );
  const token = (await (await fetch(`${url}/auth/token`, { method: "POST" })).json()).token;
  const env = {
    PATH: process.env.PATH,
    HOME: work,
    EVENTFLOW_URL: url,
    EVENTFLOW_TOKEN: token,
    NO_COLOR: "1",
  };
  const commands = {
    node: ["-e", "0"],
    version: [CLI, "--version"],
    list: [CLI, "list", "-o", "json"],
  };
  // Warm the compile cache and the controller once.
  for (const args of Object.values(commands)) await timeRun(args, env);
  log(`${rounds} interleaved rounds of ${Object.keys(commands).join(", ")}`);
  const { accepted } = await runInterleavedRounds({
    arms: Object.keys(commands),
    rounds,
    seed: Number(opts.seed),
    measure: (arm) => timeRun(commands[arm], env),
    reject: (s) => (s.code === 0 ? undefined : `exit ${s.code}: ${s.stderr.slice(0, 200)}`),
  });
  const results = Object.keys(commands).map((arm) => {
    const s = summarize(accepted.map((r) => r.samples[arm].ms));
    return {
      name: arm,
      unit: "ms",
      median: round(s.median, 1),
      p90: round(s.p90, 1),
      min: round(s.min, 1),
      max: round(s.max, 1),
      n: s.n,
    };
  });
  const pick = (s) => s.ms;
  const ratios = {
    version_vs_node: round(perRoundRatio(accepted, { num: "version", den: "node", pick }).median),
    list_vs_node: round(perRoundRatio(accepted, { num: "list", den: "node", pick }).median),
  };

  log(`eventflow dev: ${edits} edits`);
  const project = join(work, "devfn");
  await mkdir(join(project, "src"), { recursive: true });
  await writeFile(join(project, "package.json"), '{"name":"devfn"}');
  const handler = (n) => `export default function handle() {\n  return "v${n}";\n}\n`;
  await writeFile(join(project, "src/index.ts"), handler(0));
  const devPort = await freePort();
  dev = spawn(process.execPath, [CLI, "dev", project, "--port", String(devPort)], {
    env,
    stdio: "ignore",
  });
  const served = async (n) => {
    const res = await fetch(`http://127.0.0.1:${devPort}/`);
    return (await res.text()) === `v${n}` ? true : undefined;
  };
  await waitFor(() => served(0), "dev first serve");
  const editMs = [];
  for (let n = 1; n <= edits; n++) {
    await sleep(100);
    const saved = performance.now();
    await writeFile(join(project, "src/index.ts"), handler(n));
    await waitFor(() => served(n), `dev serving v${n}`);
    editMs.push(performance.now() - saved);
  }
  const e = summarize(editMs);
  results.push({
    name: "dev_edit_to_served",
    unit: "ms",
    median: round(e.median, 1),
    p90: round(e.p90, 1),
    min: round(e.min, 1),
    max: round(e.max, 1),
    n: e.n,
  });
  for (const r of results) log(`${r.name}: median ${r.median} ms (p90 ${r.p90}, n ${r.n})`);
  emitResult({ bench: "cli", machine: machineInfo(), results, ratios });
} finally {
  dev?.kill("SIGINT");
  controller.kill("SIGTERM");
  await new Promise((r) => (controller.exitCode === null ? controller.once("exit", r) : r()));
  await rm(work, { recursive: true, force: true });
}
