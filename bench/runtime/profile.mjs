#!/usr/bin/env node
// Profiles SUTs of bench:runtime under the same wrk load (`node --cpu-prof`) and prints, per
// function, microseconds of CPU per request: self and inclusive time, bundled frames named by
// their source module. With `--baseline raw`, the baseline is profiled too and the table is
// sorted by the extra self time per request, which is what the runtime costs over it. Both are
// loaded in alternating 1 s slices, so that other load on the machine hits them alike.
//   node bench/runtime/profile.mjs [--sut eventflow] [--baseline raw] [--seconds 5] [--top 30]
// `--tracing` adds the tracing arms (eventflow_untraced, eventflow_tracing_on with a real Jaeger).
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { bundleModuleMap, categorize, summarizeCpuProfile } from "../lib/cpu-profile.mjs";
import { freePort } from "../lib/http-probe.mjs";
import { pinSelf } from "../lib/pin.mjs";
import { startSut } from "../lib/sut-process.mjs";
import { runWrk } from "../lib/wrk.mjs";
import { bundleEventflowHello, bundleUntracedHello } from "./build-eventflow.mjs";
import { defineSuts } from "./suts.mjs";

const { values: opts } = parseArgs({
  options: {
    sut: { type: "string", default: "eventflow" },
    baseline: { type: "string" },
    seconds: { type: "string", default: "5" },
    top: { type: "string", default: "30" },
    "runtime-main": { type: "string" },
    tracing: { type: "boolean", default: false },
  },
});

const here = fileURLToPath(new URL(".", import.meta.url));
const exitHook = join(here, "../lib/exit-on-sigusr2.cjs");

pinSelf(0);
const bundle = await bundleEventflowHello({ runtimeMain: opts["runtime-main"] });
let jaeger;
if (opts.tracing) {
  const { startJaeger } = await import("../../packages/controller/test/tracing/jaeger.ts");
  jaeger = await startJaeger();
}
const suts = defineSuts({
  eventflowBundle: bundle,
  metricsOffArm: true,
  tracing: jaeger && { untracedBundle: await bundleUntracedHello(), otlpUrl: jaeger.otlpUrl },
});
const moduleOf = bundleModuleMap(bundle);
const bundleUrl = `file://${bundle}`;

/** Starts one SUT under `--cpu-prof` (pinned to CPU 1). */
async function startProfiled(id) {
  const sut = suts.find((s) => s.id === id);
  if (!sut) throw new Error(`unknown SUT ${id}; one of ${suts.map((s) => s.id).join(", ")}`);
  const dir = join(here, "../results/runtime/profiles", id);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const { cmd, args, env } = sut.command(port);
  const url = `http://127.0.0.1:${port}/`;
  const proc = await startSut({
    name: id,
    cmd,
    args: ["--cpu-prof", `--cpu-prof-dir=${dir}`, "--require", exitHook, ...args],
    env,
    cpu: 1,
    readyUrl: url,
  });
  return { sut, dir, url, proc, requests: 0, loadRequests: 0, loadSeconds: 0 };
}

/** Stops a profiled SUT cleanly and summarises its profile per request. */
async function finishProfiled(p) {
  p.proc.child.kill("SIGUSR2");
  // Writing the profile takes a moment: wait for the exit before falling back to SIGTERM.
  await p.proc.waitExit(15000);
  await p.proc.stop();
  const file = readdirSync(p.dir).find((f) => f.endsWith(".cpuprofile"));
  if (!file) throw new Error(`no profile written in ${p.dir}`);
  const summary = summarizeCpuProfile(JSON.parse(readFileSync(join(p.dir, file), "utf8")), {
    locate: (u, line0) =>
      u === bundleUrl ? `${moduleOf(line0) ?? "bundle"}:${line0 + 1}` : undefined,
  });
  const perReq = (rows) => new Map(rows.map((r) => [r.fn, (r.ms * 1000) / p.requests]));
  return {
    sut: p.sut,
    file: join(p.dir, file),
    rps: p.loadRequests / p.loadSeconds,
    requests: p.requests,
    busyUsPerReq: (summary.busyMs * 1000) / p.requests,
    self: perReq(summary.self),
    total: perReq(summary.total),
  };
}

/**
 * Profiles the SUTs side by side: all started at once, a 1 s warm-up each, then `seconds` of
 * load per SUT in 1 s slices taking turns, so that other load on the machine hits them alike.
 */
async function profileSuts(ids) {
  const running = [];
  for (const id of ids) running.push(await startProfiled(id));
  for (const p of running)
    p.requests += (await runWrk({ url: p.url, seconds: 1, cpu: 0 })).requests;
  for (let slice = 0; slice < Number(opts.seconds); slice++) {
    for (const p of slice % 2 ? [...running].reverse() : running) {
      const w = await runWrk({ url: p.url, seconds: 1, cpu: 0 });
      p.requests += w.requests;
      p.loadRequests += w.requests;
      p.loadSeconds += w.seconds;
    }
  }
  const out = [];
  for (const p of running) out.push(await finishProfiled(p));
  return out;
}

/** Self us/req summed per category (see categorize). */
function byCategory(self) {
  const out = new Map();
  for (const [fn, v] of self) out.set(categorize(fn), (out.get(categorize(fn)) ?? 0) + v);
  return out;
}

const top = Number(opts.top);
const us = (v) => (v ?? 0).toFixed(2).padStart(7);
const [main, base] = await profileSuts(opts.baseline ? [opts.sut, opts.baseline] : [opts.sut]);
await jaeger?.stop();
const lines = [
  `${main.sut.label}: ${Math.round(main.rps)} req/s while profiled, ${main.requests} requests, ` +
    `${main.busyUsPerReq.toFixed(2)} us CPU/req (profiler on)`,
  `profile: ${main.file}`,
];
if (!opts.baseline) {
  for (const [title, map] of [
    ["self by category", byCategory(main.self)],
    ["self", main.self],
    ["inclusive", main.total],
  ]) {
    lines.push("", `--- ${title} us/req ---`);
    for (const [fn, v] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top))
      lines.push(`${us(v)}  ${fn}`);
  }
} else {
  lines.push(
    `${base.sut.label}: ${Math.round(base.rps)} req/s while profiled, ${base.requests} requests, ` +
      `${base.busyUsPerReq.toFixed(2)} us CPU/req (profiler on)`,
    `profile: ${base.file}`,
    `difference: ${(main.busyUsPerReq - base.busyUsPerReq).toFixed(2)} us CPU/req`,
  );
  for (const [title, a, b] of [
    ["self by category", byCategory(main.self), byCategory(base.self)],
    ["self", main.self, base.self],
    ["inclusive", main.total, base.total],
  ]) {
    lines.push("", `--- ${title} us/req: ${opts.sut}  ${opts.baseline}  extra ---`);
    const keys = new Set([...a.keys(), ...b.keys()]);
    const rows = [...keys].map((k) => [k, a.get(k) ?? 0, b.get(k) ?? 0]);
    rows.sort((x, y) => y[1] - y[2] - (x[1] - x[2]));
    for (const [fn, x, y] of rows.slice(0, top))
      lines.push(`${us(x)} ${us(y)} ${us(x - y)}  ${fn}`);
  }
}
process.stdout.write(`${lines.join("\n")}\n`);
