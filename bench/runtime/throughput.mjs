// Throughput and CPU per request: all SUTs started at once on distinct ports, pinned to the
// server core; wrk pinned to the other core; interleaved rounds (performance.md 3.0 (a)).
import { freePort, httpGet } from "../lib/http-probe.mjs";
import { cpuSeconds, createCoreWatch, waitForQuietCore } from "../lib/proc-cpu.mjs";
import { runInterleavedRounds } from "../lib/rounds.mjs";
import { startSut } from "../lib/sut-process.mjs";
import { runWrk } from "../lib/wrk.mjs";
import { EXPECTED } from "./suts.mjs";

const pause = (ms) => new Promise((r) => setTimeout(r, ms));

/** Checks one SUT's answer to GET / against EXPECTED; returns the check as a result entry. */
export async function checkResponse(sut, url) {
  const res = await httpGet(url);
  const check = {
    kind: "response_check",
    sut: sut.id,
    status: res.status,
    content_type: res.headers["content-type"] ?? null,
    body: res.body,
  };
  check.ok =
    check.status === EXPECTED.status &&
    check.content_type?.toLowerCase().replace(/\s/g, "") ===
      EXPECTED.contentType.replace(/\s/g, "") &&
    check.body === EXPECTED.body;
  return check;
}

async function measureOnce(running, { seconds, connections, loadCpu, serverCpu }) {
  const watch = createCoreWatch({ cpu: serverCpu, pids: [running.pid] });
  const before = cpuSeconds(running.pid);
  watch.start();
  const wrk = await runWrk({ url: running.url, seconds, connections, cpu: loadCpu });
  const core = watch.stop();
  const after = cpuSeconds(running.pid);
  const cpu = after - before;
  return {
    foreign_cpu_share: core.foreignShare,
    steal_share: core.stealShare,
    rps: wrk.rps,
    requests: wrk.requests,
    seconds: wrk.seconds,
    errors: wrk.errors,
    errorCount: wrk.errorCount,
    cpu_seconds: cpu,
    cpu_us_per_request: wrk.requests > 0 ? (cpu * 1e6) / wrk.requests : Number.NaN,
    cpu_utilisation: cpu / wrk.seconds,
    latency_ms: { p50: wrk.latency_us.p50 / 1000, p99: wrk.latency_us.p99 / 1000 },
    alive: running.sut.isAlive(),
  };
}

/**
 * Starts every SUT, checks its answer, warms each up (discarded), then runs interleaved rounds.
 * Resolves `{ checks, accepted, rejected }` (see runInterleavedRounds).
 */
export async function runThroughput({
  suts,
  rounds,
  seconds,
  warmupSeconds,
  connections,
  seed,
  serverCpu,
  loadCpu,
  maxForeign,
  quietTimeoutMs,
  maxExtraRounds,
  retryBudget,
  progress,
}) {
  const running = {};
  try {
    for (const sut of suts) {
      const port = await freePort();
      const { cmd, args, env } = sut.command(port);
      const url = `http://127.0.0.1:${port}/`;
      const proc = await startSut({ name: sut.id, cmd, args, env, cpu: serverCpu, readyUrl: url });
      running[sut.id] = { sut: proc, url, pid: proc.pid };
      progress(`started ${sut.id} (pid ${proc.pid}) on port ${port}`);
    }
    const checks = [];
    for (const sut of suts) {
      const check = await checkResponse(sut, running[sut.id].url);
      checks.push(check);
      if (!check.ok) throw new Error(`${sut.id} answers differently: ${JSON.stringify(check)}`);
    }
    for (const sut of suts) {
      const w = await measureOnce(running[sut.id], {
        seconds: warmupSeconds,
        connections,
        loadCpu,
        serverCpu,
      });
      progress(`warm-up ${sut.id}: ${Math.round(w.rps)} req/s (discarded)`);
    }
    const { accepted, rejected } = await runInterleavedRounds({
      arms: suts.map((s) => s.id),
      rounds,
      seed,
      maxExtraRounds,
      retryBudget,
      measure: async (arm) => {
        // Let the previous run's connections close, and wait (briefly) for a quiet server core.
        await pause(50);
        await waitForQuietCore({ cpu: serverCpu, maxShare: maxForeign, timeoutMs: quietTimeoutMs });
        return measureOnce(running[arm], { seconds, connections, loadCpu, serverCpu });
      },
      reject: (s) =>
        !s.alive
          ? "process exited"
          : s.errorCount > 0
            ? `wrk errors ${JSON.stringify(s.errors)}`
            : undefined,
      disturbed: (s) =>
        s.foreign_cpu_share > maxForeign
          ? `other processes took ${(100 * s.foreign_cpu_share).toFixed(0)} % of the server core`
          : undefined,
      disturbance: (s) => s.foreign_cpu_share,
      onProgress: ({ round, arm, sample, reason }) =>
        progress(
          `round ${round + 1} ${arm.padEnd(22)} ${String(Math.round(sample.rps)).padStart(6)} req/s ` +
            `${sample.cpu_us_per_request.toFixed(1).padStart(6)} us/req cpu ` +
            `p99 ${sample.latency_ms.p99.toFixed(2).padStart(6)} ms ` +
            `foreign ${(100 * sample.foreign_cpu_share).toFixed(0).padStart(2)} %` +
            `${reason ? `  DISTURBED (${reason})` : ""}`,
        ),
    });
    return { checks, accepted, rejected };
  } finally {
    await Promise.all(Object.values(running).map((r) => r.sut.stop()));
  }
}
