// `npm run bench:async [-- --quick]`: EventFlow's asynchronous invocation queue against a bare
// JetStream publish/consume loop on the same nats-server (built by scripts/setup/36-nats.sh),
// plus the node:sqlite queue, in interleaved rounds. Per arm and round:
//   - accepted per second: N invocations enqueued (64 in flight), as the API's async invoke
//     does it (idempotency off: one publish carrying the record on JetStream, one row on
//     sqlite), measured in-process without HTTP;
//     raw: N `js.publish` calls, 64 in flight.
//   - enqueue-to-start latency: paced single enqueues, time from the enqueue call to the
//     worker's deliverer starting (raw: publish call to the consumer receiving it).
// Ratios (medians of per-round values): async_throughput_vs_raw_jetstream, enqueue_p50_ms,
// raw_p50_ms, sqlite_accepted_per_second, sqlite_enqueue_p50_ms.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { AckPolicy, jetstream, jetstreamManager, StorageType } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import {
  createInvocationQueue,
  createJetStreamQueue,
  createSqliteQueue,
} from "@eventflow/controller";
import { createProgress, emitResult, machineInfo } from "../lib/report.mjs";
import { median, quantile, round } from "../lib/stats.mjs";

const ROOT = new URL("../../", import.meta.url).pathname;
const { values: opts } = parseArgs({
  options: { quick: { type: "boolean", default: false }, rounds: { type: "string" } },
});
const quick = opts.quick;
const ROUNDS = Number(opts.rounds ?? (quick ? 2 : 5));
const N = quick ? 400 : 3000;
const LATENCY_N = quick ? 60 : 300;
const WINDOW = 64;
const progress = createProgress("async");

function natsBinary() {
  const version = spawnSync(
    "bash",
    ["-c", `. "${ROOT}hack/testenv/versions.env" && echo "$NATS_SERVER_VERSION"`],
    { encoding: "utf8" },
  ).stdout.trim();
  const cache = process.env.EVENTFLOW_K8S_CACHE ?? join(homedir(), ".cache/eventflow/k8s-testenv");
  return join(cache, "bin", `nats-server-v${version}`, "nats-server");
}

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startNats(dir) {
  const port = await freePort();
  const child = spawn(natsBinary(), ["-js", "-sd", dir, "-p", String(port), "-a", "127.0.0.1"], {
    stdio: "ignore",
  });
  for (let i = 0; i < 300; i++) {
    const ok = await new Promise((resolve) => {
      const s = new Socket();
      s.once("connect", () => (s.destroy(), resolve(true)));
      s.once("error", () => resolve(false));
      s.connect(port, "127.0.0.1");
    });
    if (ok) return { url: `nats://127.0.0.1:${port}`, child };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("nats-server did not start");
}

/** Runs `task(i)` for i < n with at most `window` in flight. */
async function windowed(n, window, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: window }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

const pause = (ms) => new Promise((r) => setTimeout(r, ms));

/** The bare JetStream loop: one stream, one durable pull consumer acking every message. */
async function rawArm(url, id) {
  // The same client settings as the controller (nats-connection.ts): no async stack traces.
  const nc = await connect({ servers: url, noAsyncTraces: true });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const stream = `RAW_${id}`;
  await jsm.streams.add({ name: stream, subjects: [`raw.${id}`], storage: StorageType.File });
  await jsm.consumers.add(stream, { durable_name: "w", ack_policy: AckPolicy.Explicit });
  const received = new Map();
  const consumer = await js.consumers.get(stream, "w");
  const messages = await consumer.consume({ max_messages: 256 });
  let seen = 0;
  let allSeen;
  const done = new Promise((r) => (allSeen = r));
  (async () => {
    for await (const m of messages) {
      received.set(m.string(), performance.now());
      m.ack();
      if (++seen === N + LATENCY_N) allSeen();
    }
  })();
  const t0 = performance.now();
  await windowed(N, WINDOW, (i) => js.publish(`raw.${id}`, `t${i}`));
  const acceptedPerSecond = N / ((performance.now() - t0) / 1000);
  const lat = [];
  for (let i = 0; i < LATENCY_N; i++) {
    const at = performance.now();
    await js.publish(`raw.${id}`, `l${i}`);
    for (let w = 0; !received.has(`l${i}`) && w < 2000; w++) await pause(0.2);
    lat.push(received.get(`l${i}`) - at);
  }
  await done;
  await messages.close();
  await jsm.streams.delete(stream);
  await nc.close();
  return { acceptedPerSecond, p50: median(lat), p90: quantile(lat, 0.9) };
}

/** EventFlow's queue over a backend: enqueue as the API does, a worker with a no-op deliverer. */
async function queueArm(backend) {
  const queue = createInvocationQueue({
    backend,
    defaultRetry: { maxAttempts: 3, backoff: { initialMs: 100, maxMs: 1000, multiplier: 2 } },
    idempotencyWindowMs: 60_000,
    ttlMs: 3_600_000,
  });
  const started = new Map();
  const worker = queue.startWorker({
    concurrency: 64,
    maxInFlightPerFunction: 1000,
    keepAliveMs: 10_000,
    async deliver(inv) {
      started.set(inv.id, performance.now());
      return { kind: "answered", result: { status: 200, body: "", truncated: false } };
    },
  });
  const request = { body: Buffer.from('{"n":1}').toString("base64"), querystring: "" };
  const t0 = performance.now();
  await windowed(N, WINDOW, () => queue.enqueue({ tenant: "bench", function: "f", request }));
  const acceptedPerSecond = N / ((performance.now() - t0) / 1000);
  for (let w = 0; started.size < N && w < 60_000; w++) await pause(1);
  const lat = [];
  for (let i = 0; i < LATENCY_N; i++) {
    const at = performance.now();
    const { invocation } = await queue.enqueue({ tenant: "bench", function: "f", request });
    for (let w = 0; !started.has(invocation.id) && w < 20_000; w++) await pause(0.2);
    lat.push(started.get(invocation.id) - at);
  }
  await worker.stop();
  await queue.close();
  return { acceptedPerSecond, p50: median(lat), p90: quantile(lat, 0.9) };
}

const dir = mkdtempSync(join(tmpdir(), "eventflow-bench-async-"));
const nats = await startNats(join(dir, "nats"));
const arms = ["raw-jetstream", "eventflow-jetstream", "eventflow-sqlite"];
const samples = Object.fromEntries(arms.map((a) => [a, []]));
try {
  for (let r = 0; r < ROUNDS; r++) {
    // Interleaved: the arms' order rotates each round.
    const order = arms.map((_, i) => arms[(i + r) % arms.length]);
    for (const arm of order) {
      const id = `${r}_${arm.replace(/-/g, "_")}`;
      let s;
      if (arm === "raw-jetstream") s = await rawArm(nats.url, id);
      else if (arm === "eventflow-jetstream")
        s = await queueArm(
          await createJetStreamQueue({ servers: nats.url, stream: `EF_${id}`, ttlMs: 3_600_000 }),
        );
      else s = await queueArm(createSqliteQueue({ path: join(dir, `${id}.db`), pollMs: 20 }));
      samples[arm].push(s);
      progress(
        `round ${r + 1}/${ROUNDS} ${arm}: ${Math.round(s.acceptedPerSecond)}/s accepted, p50 ${s.p50.toFixed(2)} ms`,
      );
    }
  }
} finally {
  nats.child.kill("SIGTERM");
  await new Promise((r) => nats.child.once("exit", r));
  rmSync(dir, { recursive: true, force: true });
}

const perRound = (f) => samples["raw-jetstream"].map((raw, i) => f(raw, i));
const results = arms.map((arm) => ({
  arm,
  accepted_per_second: round(median(samples[arm].map((s) => s.acceptedPerSecond)), 1),
  enqueue_to_start_p50_ms: round(median(samples[arm].map((s) => s.p50)), 3),
  enqueue_to_start_p90_ms: round(median(samples[arm].map((s) => s.p90)), 3),
  rounds: samples[arm].length,
  n: N,
}));
const ratios = {
  async_throughput_vs_raw_jetstream: round(
    median(
      perRound(
        (raw, i) => samples["eventflow-jetstream"][i].acceptedPerSecond / raw.acceptedPerSecond,
      ),
    ),
    3,
  ),
  enqueue_p50_ms: round(median(samples["eventflow-jetstream"].map((s) => s.p50)), 3),
  raw_p50_ms: round(median(samples["raw-jetstream"].map((s) => s.p50)), 3),
  sqlite_accepted_per_second: round(
    median(samples["eventflow-sqlite"].map((s) => s.acceptedPerSecond)),
    1,
  ),
  sqlite_enqueue_p50_ms: round(median(samples["eventflow-sqlite"].map((s) => s.p50)), 3),
};
emitResult({ bench: "async", machine: machineInfo(), results, ratios });
