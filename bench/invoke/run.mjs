#!/usr/bin/env node
// `npm run bench:invoke [-- --quick]`: invokes through the EventFlow controller (auth on: an
// HS256 JWT verified per request) against the same function called directly, through nginx and
// through @fastify/http-proxy, side by side in interleaved rounds (performance.md 3.0 and (b)).
// Progress on stderr; the last stdout line is the JSON result. `--gc DIR` records every Node.js
// arm's garbage collections and each fixed-rate request (gc-observer.cjs, gc-tail.mjs) and
// reports how many slow requests were in flight during a collection.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { randomBytes } from "node:crypto";
import { freePort } from "../lib/http-probe.mjs";
import { canPin, pinSelf } from "../lib/pin.mjs";
import { cpuSecondsOf, createCoreWatch, waitForQuietCore } from "../lib/proc-cpu.mjs";
import { createProgress, emitResult, machineInfo } from "../lib/report.mjs";
import { runInterleavedRounds } from "../lib/rounds.mjs";
import { round, summarize } from "../lib/stats.mjs";
import { startSut } from "../lib/sut-process.mjs";
import { openLoopFixedRate, wrkPost } from "./load.mjs";
import { readGcRun } from "./gc-tail.mjs";
import { buildMarkdown } from "./markdown.mjs";
import { measureColdInvoke } from "./cold.mjs";
import { countInstructions } from "./instruction-suts.mjs";
import { REPLICA_KEY_HEADER } from "@eventflow/protocol";
import { nginxCommand, nginxWorkers } from "./nginx.mjs";
import { invokeRatios } from "./ratios.mjs";
import {
  extraControllerLabel,
  semiSpaceArms,
  startBenchController,
  startExtraController,
} from "./extra-controllers.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const { values: opts } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    rounds: { type: "string" },
    duration: { type: "string" },
    "latency-duration": { type: "string" },
    rate: { type: "string", default: "1000" },
    connections: { type: "string", default: "64" },
    seed: { type: "string", default: "20261126" },
    markdown: { type: "string" },
    "cpu-prof": { type: "string" },
    "cpu-prof-interval": { type: "string" },
    gc: { type: "string" },
    "max-foreign": { type: "string", default: "0.05" },
    instructions: { type: "boolean", default: false },
    "cold-iterations": { type: "string" },
    "instructions-n": { type: "string", default: "300,900" },
    arms: { type: "string" },
    tracing: { type: "boolean", default: false },
    "semi-space": { type: "string" },
    baseline: { type: "string" },
  },
});
const quick = opts.quick;
const cfg = {
  rounds: Number(opts.rounds ?? (quick ? 2 : 7)),
  seconds: Number(opts.duration ?? (quick ? 1 : 6)),
  latencySeconds: Number(opts["latency-duration"] ?? (quick ? 1.5 : 6)),
  warmupSeconds: quick ? 1 : 3,
  rate: Number(opts.rate),
  connections: Number(opts.connections),
  seed: Number(opts.seed),
  skipSeconds: quick ? 0.5 : 1,
  maxExtraRounds: quick ? 0 : 3,
  maxForeign: Number(opts["max-foreign"]),
};
const markdownFile = opts.markdown ?? (quick ? undefined : join(ROOT, "bench/invoke/RESULTS.md"));
const progress = createProgress("invoke");
const ALL_ARMS = [
  "direct",
  "nginx",
  "fastify_proxy",
  "controller",
  "router_only",
  "node_floor",
  ...(opts.tracing ? ["controller_tracing_on"] : []),
  ...semiSpaceArms(opts["semi-space"]),
  ...(opts.baseline ? ["controller_baseline"] : []),
];
const ARMS = opts.arms ? opts.arms.split(",").filter((a) => ALL_ARMS.includes(a)) : ALL_ARMS;
const LABELS = {
  direct: "direct to the function (EventFlow runtime, hello)",
  nginx: "nginx 1.22 (worker_processes 1, upstream keepalive 64)",
  fastify_proxy: "@fastify/http-proxy 11 (undici)",
  controller: "EventFlow controller (JWT verified per request, local driver, undici Pool)",
  router_only: "EventFlow invoke router alone (bare node:http + jose verify, no API layer)",
  node_floor: "Node.js floor (node:http + one undici dispatch, nothing else; not a usable proxy)",
  ...Object.fromEntries(
    ALL_ARMS.map((id) => [id, extraControllerLabel(id, opts.baseline)]).filter(([, l]) => l),
  ),
};

/**
 * Node flags of one Node.js arm's process: a CPU profile into `--cpu-prof DIR/<arm>`, and with
 * `--gc DIR` the GC observer (gc-observer.cjs, which writes DIR/<pid>.jsonl).
 */
function nodeFlags(arm) {
  const dir = opts["cpu-prof"];
  return [
    ...(dir ? ["--cpu-prof", `--cpu-prof-dir=${join(dir, arm)}`] : []),
    ...(dir && opts["cpu-prof-interval"]
      ? [`--cpu-prof-interval=${opts["cpu-prof-interval"]}`]
      : []),
    ...(opts.gc ? ["--require", join(ROOT, "bench/invoke/gc-observer.cjs")] : []),
  ];
}
if (opts.gc) {
  mkdirSync(opts.gc, { recursive: true });
  // Read by gc-observer.cjs in every arm's process (startSut passes the environment on).
  process.env.EVENTFLOW_BENCH_GC_DIR = opts.gc;
}

function need(path, what) {
  if (!existsSync(path))
    throw new Error(`${path} is missing (${what}): run \`npm run build\` first`);
}

async function main() {
  need(join(ROOT, "packages/cli/dist/bin.js"), "the CLI builds the function image");
  need(join(ROOT, "packages/controller/dist/index.js"), "the controller arm");
  const pinnedSelf = pinSelf(0);
  const work = mkdtempSync(join(tmpdir(), "eventflow-bench-invoke-"));
  const suts = [];
  const cleanup = async () => {
    for (const s of suts.splice(0).reverse()) await s.stop(10_000).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  };
  // An interrupted run still stops its servers (the controller drains its replica).
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.once(signal, () => {
      progress(`${signal}: stopping the servers`);
      void cleanup().then(() => process.exit(130));
    });
  }
  try {
    progress("building examples/hello with the CLI (base scratch, OCI layout)");
    const built = execFileSync(
      process.execPath,
      [
        join(ROOT, "packages/cli/dist/bin.js"),
        "build",
        "examples/hello",
        "--base",
        "scratch",
        "--output",
        `oci:${work}/layout:hello`,
        "--quiet",
      ],
      { cwd: ROOT, encoding: "utf8" },
    );
    const image = built.trim().split("\n").at(-1);

    // Every controller of the run (this one and the extra arms') is configured alike.
    const controllerEnv = {
      METRICS_PORT: "0",
      EVENTFLOW_DRIVER: "local",
      EVENTFLOW_DEV_AUTH: "true",
      JWT_SECRET: randomBytes(32).toString("base64url"),
      LOG_LEVEL: "warn",
    };
    const controller = await startBenchController({
      name: "controller",
      args: nodeFlags("controller"),
      root: ROOT,
      env: controllerEnv,
      image,
      work,
      suts,
    });
    const { api, headers: auth, fn } = controller;
    progress(
      `function replica at ${fn.url} (pid ${fn.pids.join(",")}), controller pid ${controller.pid}`,
    );

    const extra = {};
    for (const id of ARMS.filter((a) => extraControllerLabel(a) !== undefined))
      extra[id] = await startExtraController({
        id,
        controllerEnv,
        image,
        work,
        suts,
        nodeFlags,
        progress,
        root: ROOT,
        baseline: opts.baseline,
      });

    const nginxPort = await freePort();
    const [ncmd, nargs] = nginxCommand({
      prefix: join(work, "nginx"),
      port: nginxPort,
      upstream: fn.url,
      replicaKey: fn.key,
    });
    const nginx = await startSut({
      name: "nginx",
      cmd: ncmd,
      args: nargs,
      cpu: 1,
      readyUrl: `http://127.0.0.1:${nginxPort}/`,
    });
    suts.push(nginx);
    const fastifyPort = await freePort();
    const fastify = await startSut({
      name: "fastify_proxy",
      cmd: process.execPath,
      args: [...nodeFlags("fastify_proxy"), join(ROOT, "bench/invoke/fastify-proxy.mjs")],
      cpu: 1,
      cwd: ROOT,
      env: { PORT: String(fastifyPort), UPSTREAM: fn.url, REPLICA_KEY: fn.key ?? "" },
      readyUrl: `http://127.0.0.1:${fastifyPort}/`,
    });
    suts.push(fastify);

    const routerPort = await freePort();
    const jwtSecret = controllerEnv.JWT_SECRET;
    const router = ARMS.includes("router_only")
      ? await startSut({
          name: "router_only",
          cmd: process.execPath,
          args: [...nodeFlags("router_only"), join(ROOT, "bench/invoke/router-sut.mjs")],
          cpu: 1,
          cwd: ROOT,
          env: {
            PORT: String(routerPort),
            UPSTREAM: fn.url,
            REPLICA_KEY: fn.key ?? "",
            JWT_SECRET: jwtSecret,
          },
          readyUrl: `http://127.0.0.1:${routerPort}/healthz`,
        })
      : undefined;
    if (router) suts.push(router);
    const floorPort = await freePort();
    const floor = ARMS.includes("node_floor")
      ? await startSut({
          name: "node_floor",
          cmd: process.execPath,
          args: [...nodeFlags("node_floor"), join(ROOT, "bench/invoke/node-floor-sut.mjs")],
          cpu: 1,
          cwd: ROOT,
          env: { PORT: String(floorPort), UPSTREAM: fn.url, REPLICA_KEY: fn.key ?? "" },
          readyUrl: `http://127.0.0.1:${floorPort}/healthz`,
        })
      : undefined;
    if (floor) suts.push(floor);
    const arms = {
      // The client carries the replica's key itself here (the proxies add it, as the controller does).
      direct: {
        url: `${fn.url}/`,
        headers: fn.key ? { [REPLICA_KEY_HEADER]: fn.key } : {},
        pids: () => [],
      },
      nginx: {
        url: `http://127.0.0.1:${nginxPort}/`,
        headers: {},
        pids: () => [nginx.pid, ...nginxWorkers(nginx.pid)],
      },
      fastify_proxy: {
        url: `http://127.0.0.1:${fastifyPort}/`,
        headers: {},
        pids: () => [fastify.pid],
      },
      controller: {
        url: controller.url,
        headers: auth,
        pids: () => [controller.pid],
      },
      router_only: {
        url: `http://127.0.0.1:${routerPort}/v1/functions/hello:invoke`,
        headers: auth,
        pids: () => (router ? [router.pid] : []),
      },
      node_floor: {
        url: `http://127.0.0.1:${floorPort}/`,
        headers: {},
        pids: () => (floor ? [floor.pid] : []),
      },
      ...extra,
    };

    const results = [
      {
        kind: "method",
        mode: quick ? "quick" : "full",
        pinned: canPin() && pinnedSelf,
        load: `wrk -t1 -c${cfg.connections} -d${cfg.seconds}s POST {} (closed loop); open-loop.mjs: evenly spaced POST {} at a fixed ${cfg.rate} req/s for ${cfg.latencySeconds}s, latency from the scheduled send time, first ${cfg.skipSeconds}s dropped`,
        cpus: { load: 0, servers: 1 },
        rounds: cfg.rounds,
        seed: cfg.seed,
        arms: ARMS.map((id) => ({ id, label: LABELS[id] })),
      },
    ];
    for (const id of ARMS) {
      const res = await fetch(arms[id].url, {
        method: "POST",
        headers: { ...arms[id].headers, "content-type": "application/json" },
        body: "{}",
      });
      const body = await res.text();
      const ok = res.status === 200 && body === "Hello, world!";
      results.push({ kind: "response_check", arm: id, status: res.status, body, ok });
      if (!ok) throw new Error(`${id} answered ${res.status} ${body}`);
    }
    progress(`warm-up ${cfg.warmupSeconds}s per arm`);
    for (const id of ARMS)
      await wrkPost({
        url: arms[id].url,
        headers: arms[id].headers,
        seconds: cfg.warmupSeconds,
        connections: cfg.connections,
      });

    /** How many times each arm was measured (names `--gc` record files). */
    const measuredCount = new Map();
    const { accepted, rejected } = await runInterleavedRounds({
      arms: ARMS,
      rounds: cfg.rounds,
      seed: cfg.seed,
      maxExtraRounds: cfg.maxExtraRounds,
      async measure(id) {
        const arm = arms[id];
        const pids = arm.pids();
        await waitForQuietCore({ cpu: 1, maxShare: cfg.maxForeign, timeoutMs: quick ? 100 : 2000 });
        // An extra controller's own replica is its function (not a neighbour).
        const fnPids = arm.fnPids ?? fn.pids;
        const watch = createCoreWatch({ cpu: 1, pids: [...pids, ...fnPids] });
        watch.start();
        const fnCpu0 = cpuSecondsOf(fnPids);
        const cpu0 = cpuSecondsOf(pids);
        const wrk = await wrkPost({
          url: arm.url,
          headers: arm.headers,
          seconds: cfg.seconds,
          connections: cfg.connections,
        });
        const proxyCpu = cpuSecondsOf(pids) - cpu0;
        const fnCpu = cpuSecondsOf(fnPids) - fnCpu0;
        const measured = (measuredCount.get(id) ?? 0) + 1;
        measuredCount.set(id, measured);
        const lat = await openLoopFixedRate({
          url: arm.url,
          headers: arm.headers,
          rate: cfg.rate,
          seconds: cfg.latencySeconds,
          skipSeconds: cfg.skipSeconds,
          ...(opts.gc ? { recordFile: join(opts.gc, `${id}-${measured}.json`) } : {}),
        });
        const core = watch.stop();
        return {
          foreignShare: core.foreignShare,
          stealShare: core.stealShare,
          rps: wrk.rps,
          wrkErrors: wrk.errorCount,
          proxyCpuUsPerReq: pids.length > 0 ? (proxyCpu * 1e6) / wrk.requests : 0,
          fnCpuUsPerReq: (fnCpu * 1e6) / wrk.requests,
          ...lat,
        };
      },
      reject: (s) =>
        s.wrkErrors > 0
          ? `wrk errors ${s.wrkErrors}`
          : s.failed > 0 || s.non2xx > 0
            ? `fixed-rate failures ${s.failed + s.non2xx}`
            : undefined,
      disturbed: (s) =>
        s.foreignShare > cfg.maxForeign || s.stealShare > 0.05
          ? `other processes took ${(100 * s.foreignShare).toFixed(0)} % of the server core (steal ${(100 * s.stealShare).toFixed(0)} %)`
          : undefined,
      disturbance: (s) => s.foreignShare + s.stealShare,
      onProgress: ({ round: r, arm, sample, reason }) =>
        progress(
          `round ${r + 1} ${arm.padEnd(13)} ${Math.round(sample.rps)} req/s, @${cfg.rate}/s p50 ${sample.p50_ms.toFixed(3)} ms p99 ${sample.p99_ms.toFixed(3)} ms, foreign ${(100 * sample.foreignShare).toFixed(0)} %${reason ? ` (${reason})` : ""}`,
        ),
    });

    for (const id of ARMS) {
      const pick = (k) => summarize(accepted.map((r) => r.samples[id][k]));
      const entry = (k, unit) => ({
        ...Object.fromEntries(
          Object.entries(pick(k)).map(([a, b]) => [a, a === "n" ? b : round(b, 4)]),
        ),
        unit,
        per_round: accepted.map((r) => round(r.samples[id][k], 4)),
      });
      results.push({ kind: "throughput", arm: id, "req/s": entry("rps", "req/s") });
      results.push({
        kind: "latency_fixed_rate",
        arm: id,
        rate: cfg.rate,
        p50: entry("p50_ms", "ms"),
        p99: entry("p99_ms", "ms"),
        achieved_rps: entry("achievedRps", "req/s"),
      });
      if (id !== "direct")
        results.push({
          kind: "proxy_cpu_per_request",
          arm: id,
          us: entry("proxyCpuUsPerReq", "us"),
        });
    }
    const { entries: ratioEntries, ratios } = invokeRatios(accepted, ARMS);
    results.push(...ratioEntries);
    for (const r of rejected)
      results.push({
        kind: "rejected_round",
        round: r.round + 1,
        order: r.order,
        reasons: r.reasons,
        kind_of_rejection: r.kind,
      });
    for (const r of accepted.filter((a) => a.disturbed))
      results.push({ kind: "disturbed_round", round: r.round + 1, reasons: r.disturbed });
    if (opts.gc) {
      await new Promise((r) => setTimeout(r, 600)); // the observers append twice a second
      const tails = readGcRun(opts.gc, Object.fromEntries(ARMS.map((id) => [id, arms[id].pids()])));
      for (const [arm, tail] of Object.entries(tails)) {
        results.push({ kind: "gc_tail", arm, ...tail });
        progress(
          `gc ${arm}: ${tail.slow_during_gc} of ${tail.slow} requests over ${tail.slow_ms} ms were in flight during a collection (${tail.requests} requests); ${tail.pauses} pauses, ${tail.pause_ms_per_second} ms/s, max ${tail.pause_max_ms} ms`,
        );
      }
    }
    if (opts.instructions) {
      const [n1, n2] = opts["instructions-n"].split(",").map(Number);
      const counts = await countInstructions({
        work,
        fn,
        image,
        token: auth.authorization.slice("Bearer ".length),
        jwtSecret: controllerEnv.JWT_SECRET,
        n1,
        n2,
        arms: ARMS,
        progress,
      });
      for (const [id, c] of Object.entries(counts)) {
        results.push({
          kind: "instructions_per_request",
          arm: id,
          instructions: Math.round(c.perRequest),
          n1: c.n1,
          n2: c.n2,
          i1: c.i1,
          i2: c.i2,
        });
      }
      const per = (id) => counts[id]?.perRequest;
      for (const [name, num, den] of [
        ["instructions_per_request_vs_nginx", "controller", "nginx"],
        ["instructions_per_request_vs_fastify_proxy", "controller", "fastify_proxy"],
        ["instructions_per_request_vs_router_only", "controller", "router_only"],
        ["router_only_instructions_per_request_vs_fastify_proxy", "router_only", "fastify_proxy"],
        ["instructions_per_request_vs_node_floor", "controller", "node_floor"],
      ]) {
        if (per(num) === undefined || per(den) === undefined) continue;
        const value = per(num) / per(den);
        results.push({
          kind: "ratio",
          name,
          median: round(value, 4),
          min: round(value, 4),
          max: round(value, 4),
          n: 1,
          per_round: [round(value, 4)],
        });
        ratios[name] = round(value, 4);
      }
    }
    // Last: scaling the function to zero takes away the replica the other arms proxy to.
    const coldIterations = Number(opts["cold-iterations"] ?? (quick ? 2 : 15));
    if (coldIterations > 0 && ARMS.includes("controller")) {
      const cold = await measureColdInvoke({
        api,
        auth,
        dataDir: join(work, "data-controller"),
        iterations: coldIterations,
        progress,
      });
      const s = (v) =>
        Object.fromEntries(
          Object.entries(summarize(v)).map(([k, x]) => [k, k === "n" ? x : round(x, 2)]),
        );
      results.push({ kind: "cold_start", arm: "raw_spawn", ms: s(cold.raw) });
      results.push({ kind: "cold_start", arm: "controller_cold_invoke", ms: s(cold.controller) });
      const o = summarize(cold.overhead);
      results.push({
        kind: "ratio",
        name: "cold_invoke_overhead_ms",
        median: round(o.median, 2),
        min: round(o.min, 2),
        max: round(o.max, 2),
        n: o.n,
        per_round: cold.overhead.map((v) => round(v, 2)),
        target: "<= 15",
        met: o.median <= 15,
      });
      ratios.cold_invoke_overhead_ms = round(o.median, 2);
    }
    const machine = machineInfo();
    if (markdownFile) {
      writeFileSync(
        markdownFile,
        buildMarkdown({
          machine,
          cfg,
          results,
          labels: LABELS,
          arms: ARMS,
          command: `npm run bench:invoke${quick ? " -- --quick" : ""}`,
        }),
      );
      progress(`tables written to ${markdownFile}`);
    }
    emitResult({ bench: "invoke", machine, results, ratios });
  } finally {
    await cleanup();
  }
}

await main();
