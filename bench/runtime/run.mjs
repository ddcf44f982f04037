#!/usr/bin/env node
// `npm run bench:runtime [-- --quick]`: the EventFlow runtime serving examples/hello against raw
// node:http, fastify 5, functions-framework and faas-js-runtime, side by side in one run.
// Method: bench/README.md. Progress on stderr; the last stdout line is the JSON result.
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { canPin, pinSelf } from "../lib/pin.mjs";
import { createProgress, emitResult, machineInfo } from "../lib/report.mjs";
import { bundleEventflowHello, bundleUntracedHello } from "./build-eventflow.mjs";
import { runColdStart } from "./cold-start.mjs";
import { buildMarkdown } from "./markdown.mjs";
import { buildColdStartResults, buildRatios, buildThroughputResults } from "./summarize.mjs";
import { defineSuts } from "./suts.mjs";
import { runThroughput } from "./throughput.mjs";

const COLD_START_SUTS = [
  "raw",
  "eventflow",
  "eventflow_unbundled",
  "fastify",
  "functions_framework",
  "faas_js_runtime",
];
// Type stripping (needed to load the unbundled example's .ts) is on by default from Node 22.18.
const [major, minor] = process.versions.node.split(".").map(Number);
const canStripTypes = major > 22 || (major === 22 && minor >= 18);

const { values: opts } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    rounds: { type: "string" },
    duration: { type: "string" },
    warmup: { type: "string" },
    "cold-iterations": { type: "string" },
    connections: { type: "string", default: "64" },
    seed: { type: "string", default: "20261126" },
    "runtime-main": { type: "string" },
    "metrics-off": { type: "boolean", default: false },
    tracing: { type: "boolean", default: false },
    "skip-throughput": { type: "boolean", default: false },
    "skip-cold-start": { type: "boolean", default: false },
    markdown: { type: "string" },
    "max-foreign": { type: "string", default: "0.05" },
  },
});

const quick = opts.quick;
const config = {
  rounds: Number(opts.rounds ?? (quick ? 2 : 7)),
  seconds: Number(opts.duration ?? (quick ? 2 : 4)),
  warmupSeconds: Number(opts.warmup ?? (quick ? 1 : 3)),
  coldIterations: Number(opts["cold-iterations"] ?? (quick ? 5 : 30)),
  connections: Number(opts.connections),
  seed: Number(opts.seed),
  maxForeign: Number(opts["max-foreign"]),
  quietTimeoutMs: quick ? 200 : 500,
  maxExtraRounds: quick ? 0 : 1,
  retryBudget: quick ? 2 : 10,
  serverCpu: 1,
  loadCpu: 0,
};
const progress = createProgress("runtime");

async function main() {
  const pinnedOk = canPin() && pinSelf(config.loadCpu);
  if (!pinnedOk) progress("WARNING: taskset or a second core is missing; running unpinned");
  const bundle = await bundleEventflowHello({ runtimeMain: opts["runtime-main"] });
  progress(
    `bundled EventFlow hello -> ${bundle}${opts["runtime-main"] ? ` (runtime main: ${opts["runtime-main"]})` : ""}`,
  );
  // --tracing: the runtime from before tracing, and tracing on exporting to a real Jaeger
  // (started here on free ports, in-memory; built by scripts/setup/37-jaeger.sh).
  let jaeger;
  let tracing;
  if (opts.tracing) {
    const { startJaeger } = await import("../../packages/controller/test/tracing/jaeger.ts");
    jaeger = await startJaeger();
    tracing = { untracedBundle: await bundleUntracedHello(), otlpUrl: jaeger.otlpUrl };
    progress(`tracing arms: Jaeger OTLP at ${jaeger.otlpUrl}; untraced runtime bundled`);
  }
  const allSuts = defineSuts({
    eventflowBundle: bundle,
    metricsOffArm: opts["metrics-off"],
    tracing,
  });
  const suts = allSuts.filter((s) => !s.coldStartOnly);
  const results = [
    {
      kind: "method",
      mode: quick ? "quick" : "full",
      pinned: pinnedOk,
      server_cpu: config.serverCpu,
      load_cpu: config.loadCpu,
      load: `wrk -t1 -c${config.connections} -d${config.seconds}s (keep-alive, GET /)`,
      rounds: config.rounds,
      warmup_seconds: config.warmupSeconds,
      cold_start_iterations: config.coldIterations,
      seed: config.seed,
      max_foreign_cpu_share: config.maxForeign,
      suts: allSuts.map((s) => ({ id: s.id, label: s.label })),
    },
  ];

  let throughputRounds = [];
  if (!opts["skip-throughput"]) {
    progress(`throughput: ${config.rounds} rounds x ${config.seconds}s x ${suts.length} SUTs`);
    const t = await runThroughput({ suts, ...config, progress });
    throughputRounds = t.accepted;
    results.push(...t.checks);
    results.push(...t.rejected.map((r) => ({ kind: "rejected_round", phase: "throughput", ...r })));
    results.push(
      ...t.accepted
        .filter((r) => r.disturbed)
        .map((r) => ({
          kind: "disturbed_round",
          phase: "throughput",
          round: r.round,
          reasons: r.disturbed,
        })),
    );
    results.push(
      ...buildThroughputResults(
        t.accepted,
        suts.map((s) => s.id),
      ),
    );
  }

  let coldRounds = [];
  if (!opts["skip-cold-start"]) {
    const coldSuts = allSuts.filter(
      (s) => COLD_START_SUTS.includes(s.id) && (s.id !== "eventflow_unbundled" || canStripTypes),
    );
    progress(`cold start: ${config.coldIterations} iterations x ${coldSuts.length} SUTs`);
    const c = await runColdStart({
      suts: coldSuts,
      iterations: config.coldIterations,
      ...config,
      progress,
    });
    coldRounds = c.accepted;
    results.push(...c.rejected.map((r) => ({ kind: "rejected_round", phase: "cold_start", ...r })));
    results.push(
      ...buildColdStartResults(
        c.accepted,
        coldSuts.map((s) => s.id),
      ),
    );
  }

  await jaeger?.stop();
  const { entries, ratios } = buildRatios({ throughputRounds, coldRounds });
  results.push(...entries);
  const machine = machineInfo();
  const markdown = buildMarkdown({ machine, results, suts: allSuts });
  process.stderr.write(`\n${markdown}\n`);
  if (opts.markdown) writeFileSync(opts.markdown, markdown);
  emitResult({ bench: "runtime", machine, results, ratios });
}

main().catch((err) => {
  process.stderr.write(`bench:runtime failed: ${err.stack ?? err}\n`);
  process.exit(1);
});
