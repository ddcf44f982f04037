#!/usr/bin/env node
// bench:build — warm build + push of examples/hello to a local registry (Debian's
// docker-registry on 127.0.0.1), EventFlow's CLI against containerify, in interleaved rounds;
// plus the reproducibility of EventFlow's digest across varied rebuilds. Method: README.md here.
// The last stdout line is the JSON result (bench/README.md, "Reading the JSON").
import { spawn } from "node:child_process";
import { cp, mkdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { request } from "undici";
import { createProgress, emitResult, machineInfo } from "../lib/report.mjs";
import { prepareArms } from "./arms.mjs";
import { markdown } from "./markdown.mjs";
import { perRoundRatio, runInterleavedRounds } from "../lib/rounds.mjs";
import { summarize } from "../lib/stats.mjs";
import { ensureTestBaseImage } from "../../test/cli/index.ts";
import { skopeo, skopeoFlags, startRegistry } from "../../test/registry/index.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const RESULTS = join(ROOT, "bench/results/build");
const HELLO = join(ROOT, "examples/hello");
const EVENTFLOW_BIN = join(ROOT, "packages/cli/dist/bin.js");

const { values: opts } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    rounds: { type: "string" },
    "repro-builds": { type: "string" },
    seed: { type: "string", default: "20261126" },
    markdown: { type: "string" },
    "no-buildah": { type: "boolean", default: false },
  },
});
const quick = opts.quick;
const rounds = Number(opts.rounds ?? (quick ? 3 : 15));
const reproBuilds = Number(opts["repro-builds"] ?? (quick ? 4 : 10));
const seed = Number(opts.seed);
const log = createProgress("build");

const TIME_FILE = join(RESULTS, "cpu-time");

/**
 * Spawns a command under GNU time and resolves its wall time (spawn to exit), CPU time
 * (user + system of the process and the children it waited for), exit code and output.
 */
function timed(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn("/usr/bin/time", ["-f", "%U %S", "-o", TIME_FILE, command, ...args], {
      cwd: options.cwd ?? ROOT,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    child.on("error", reject);
    child.on("close", async (code) => {
      const ms = performance.now() - started;
      const [user, sys] = (await readFile(TIME_FILE, "utf8"))
        .trim()
        .split("\n")
        .at(-1)
        .split(" ")
        .map(Number);
      resolve({ ms, cpuMs: (user + sys) * 1000, code, stdout, stderr });
    });
  });
}

async function manifestLayers(registry, repo, tag) {
  const res = await request(`${registry.url}/v2/${repo}/manifests/${tag}`, {
    headers: {
      accept:
        "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json",
    },
  });
  const manifest = await res.body.json();
  return { digest: res.headers["docker-content-digest"], layers: manifest.layers };
}

async function main() {
  await rm(RESULTS, { recursive: true, force: true });
  await mkdir(RESULTS, { recursive: true });
  log("starting docker-registry and the local base image (node + its libraries, made with umoci)");
  const [registry, base] = await Promise.all([
    startRegistry({ mode: "plain" }),
    ensureTestBaseImage(),
  ]);
  try {
    // Docker v2 media types: containerify reads the manifest's mediaType, which umoci omits.
    await skopeo([
      "copy",
      "--format",
      "v2s2",
      ...skopeoFlags(registry, "dest-creds"),
      `oci:${base.layout}:amd64`,
      `docker://${registry.host}/base/node:24`,
    ]);
    const baseRef = `${registry.host}/base/node:24`;

    const {
      arms,
      digestOf,
      names: ARMS,
    } = await prepareArms({
      root: ROOT,
      results: RESULTS,
      hello: HELLO,
      registry,
      baseRef,
      withBuildah: !opts["no-buildah"],
    });
    const measure = async (arm, tag) => {
      const [cmd, args] = arms[arm](tag);
      const out = await timed(cmd, args);
      if (out.code !== 0)
        return { arm, ms: out.ms, error: `exit ${out.code}: ${out.stderr.slice(-500)}` };
      return { arm, ms: out.ms, cpuMs: out.cpuMs, digest: await digestOf(arm, out) };
    };

    const results = [];
    log("cold builds (empty target repository, empty containerify layer cache)");
    for (const arm of ARMS) {
      const sample = await measure(arm, "cold");
      if (sample.error) throw new Error(`${arm} cold build failed: ${sample.error}`);
      results.push({ kind: "cold_build", arm, ms: Math.round(sample.ms) });
      log(`  ${arm}: ${sample.ms.toFixed(0)} ms`);
    }
    log("warm-up (discarded)");
    for (const arm of ARMS) await measure(arm, "warm");

    log(`${rounds} interleaved rounds of warm build + push`);
    const { accepted, rejected } = await runInterleavedRounds({
      arms: ARMS,
      rounds,
      seed,
      measure: (arm) => measure(arm, "warm"),
      reject: (sample) => sample.error,
      onProgress: ({ round, arm, sample, reason }) =>
        log(
          `  round ${round + 1} ${arm}: ${sample.ms.toFixed(0)} ms${reason ? ` REJECTED ${reason}` : ""}`,
        ),
    });
    for (const arm of ARMS) {
      const perRound = accepted.map((r) => r.samples[arm].ms);
      const digests = accepted.map((r) => r.samples[arm].digest);
      const cpu = accepted.map((r) => r.samples[arm].cpuMs);
      results.push({
        kind: "warm_build",
        arm,
        ms: { ...summarize(perRound), per_round: perRound.map(Math.round) },
      });
      results.push({
        kind: "warm_build_cpu",
        arm,
        ms: { ...summarize(cpu), per_round: cpu.map(Math.round) },
      });
      results.push({
        kind: "digest_stability",
        arm,
        builds: digests.length,
        identical: digests.filter((d) => d === digests[0]).length,
        digest: digests[0],
      });
    }
    for (const r of rejected) results.push({ kind: "rejected_round", ...r });
    const timeRatio = perRoundRatio(accepted, {
      num: "eventflow",
      den: "containerify",
      pick: (s) => s.ms,
    });
    const cpuRatio = perRoundRatio(accepted, {
      num: "eventflow",
      den: "containerify",
      pick: (s) => s.cpuMs,
    });
    const buildahRatio = ARMS.includes("buildah")
      ? perRoundRatio(accepted, { num: "eventflow", den: "buildah", pick: (s) => s.ms })
      : undefined;

    log(`${reproBuilds} varied EventFlow rebuilds (TZ, umask, cwd, LANG, source mtimes, time)`);
    const project = join(RESULTS, "hello-copy");
    await cp(join(HELLO, "src"), join(project, "src"), { recursive: true });
    await cp(join(HELLO, "package.json"), join(project, "package.json"));
    const zones = ["UTC", "Asia/Kolkata", "Pacific/Chatham", "America/St_Johns", "Europe/Berlin"];
    const umasks = ["022", "077", "002", "027"];
    const repro = [];
    for (let i = 0; i < reproBuilds; i++) {
      const mtime = new Date(Date.UTC(2000 + i, i % 12, 1 + i));
      await utimes(join(project, "src/index.ts"), mtime, mtime);
      const cwd = i % 2 === 0 ? "/" : RESULTS;
      const env = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        TZ: zones[i % zones.length],
        LANG: i % 2 ? "de_DE.UTF-8" : "C",
      };
      const out = await timed(
        "/bin/sh",
        [
          "-c",
          `umask ${umasks[i % umasks.length]} && exec "$0" "$@"`,
          process.execPath,
          EVENTFLOW_BIN,
          "build",
          project,
          "-t",
          `${registry.host}/hello-repro:${i}`,
          "--base",
          baseRef,
          "--push",
          "--json",
          "-q",
        ],
        { cwd, env },
      );
      if (out.code !== 0) throw new Error(`repro build ${i} failed: ${out.stderr}`);
      repro.push(JSON.parse(out.stdout.trim().split("\n").at(-1)).digest);
      if (i === 0) await new Promise((r) => setTimeout(r, 1100));
    }
    const identical = repro.filter((d) => d === repro[0]).length;
    results.push({
      kind: "reproducibility",
      builds: repro.length,
      identical,
      digest: repro[0],
      varied: ["TZ", "umask", "cwd", "LANG", "source mtime", "time (>= 1 s gap)"],
    });

    const ef = await manifestLayers(registry, "hello-eventflow", "warm");
    const cfy = await manifestLayers(registry, "hello-containerify", "warm");
    const bh = ARMS.includes("buildah")
      ? await manifestLayers(registry, "hello-buildah", "warm")
      : undefined;
    results.push({
      kind: "image",
      eventflow: {
        layers: ef.layers.length,
        app_layer_bytes: ef.layers.at(-1).size,
        total_bytes: ef.layers.reduce((a, l) => a + l.size, 0),
      },
      containerify: {
        layers: cfy.layers.length,
        added_layer_bytes: cfy.layers.slice(1).reduce((a, l) => a + l.size, 0),
        total_bytes: cfy.layers.reduce((a, l) => a + l.size, 0),
      },
      ...(bh
        ? {
            buildah: {
              layers: bh.layers.length,
              added_layer_bytes: bh.layers.slice(1).reduce((a, l) => a + l.size, 0),
              total_bytes: bh.layers.reduce((a, l) => a + l.size, 0),
            },
          }
        : {}),
    });
    results.unshift({
      kind: "method",
      mode: quick ? "quick" : "full",
      rounds,
      repro_builds: reproBuilds,
      seed,
      base: "node + ldd libraries (umoci), Docker v2 media types, on the same local registry",
      eventflow:
        "eventflow build examples/hello -t REG/hello-eventflow:warm --base REG/base/node:24 --push (bundling included)",
      containerify:
        "containerify 4.1.0 on a folder holding the same bundle (no bundling), --doCrossMount, --layerCacheFolder",
      zlib: process.versions.zlib,
    });
    const ratioEntry = {
      kind: "ratio",
      name: "build_time_vs_containerify",
      ...timeRatio,
      target: 1.0,
      met: timeRatio.median <= 1.0,
    };
    const fraction = identical / repro.length;
    results.push({ kind: "ratio", name: "cpu_time_vs_containerify", ...cpuRatio });
    if (buildahRatio)
      results.push({ kind: "ratio", name: "build_time_vs_buildah", ...buildahRatio });
    results.push(ratioEntry, {
      kind: "ratio",
      name: "identical_digests_fraction",
      median: fraction,
      n: repro.length,
      target: 1.0,
      met: fraction === 1,
    });
    const warm = results.find((r) => r.kind === "warm_build" && r.arm === "eventflow").ms.median;
    results.push({
      kind: "absolute",
      name: "eventflow_warm_build_ms",
      median: Math.round(warm),
      target: 1500,
      met: warm <= 1500,
    });

    const ratios = {
      build_time_vs_containerify: round3(timeRatio.median),
      identical_digests_fraction: fraction,
      cpu_time_vs_containerify: round3(cpuRatio.median),
      ...(buildahRatio ? { build_time_vs_buildah: round3(buildahRatio.median) } : {}),
    };
    if (opts.markdown) await writeFile(opts.markdown, markdown(results, ratios));
    log(
      `build_time_vs_containerify ${ratios.build_time_vs_containerify} (min ${round3(timeRatio.min)}, max ${round3(timeRatio.max)}), ` +
        `cpu_time_vs_containerify ${ratios.cpu_time_vs_containerify}, identical digests ${identical}/${repro.length}, EventFlow warm ${warm.toFixed(0)} ms`,
    );
    emitResult({ bench: "build", machine: machineInfo(), results, ratios });
  } finally {
    await registry.stop();
    // Storage of the builders (about 40 MB each); the JSON and the markdown stay.
    await rm(join(RESULTS, "buildah"), { recursive: true, force: true });
    await rm(join(RESULTS, "containerify-cache"), { recursive: true, force: true });
  }
}

const round3 = (x) => Math.round(x * 1000) / 1000;

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
