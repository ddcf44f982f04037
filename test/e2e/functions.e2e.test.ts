// End to end on a real node: `eventflow build --push` of two examples into Debian's
// docker-registry, the controller (out of cluster, kubernetes driver) deploys them to the test
// control plane whose only node is a real kubelet with containerd + runc; the kubelet pulls the
// images from the registry, the pods get addresses on the node's bridge, and invokes, logs,
// metrics, scale and delete go through the controller's API.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PLATFORM_ERROR_HEADER } from "@eventflow/protocol";
import { createClient, type EventFlowClient, type LogEntry } from "@eventflow/sdk/client";
import { startRegistry, type TestRegistry } from "../registry/index.ts";
import { livePods, orderEvent } from "./support/functions.ts";
import { eventually } from "./support/eventually.ts";
import { buildExample, buildProject, pushFunctionBase } from "./support/images.ts";
import { startControllerProcess, type RunningController } from "./support/controller.ts";
import { startNodeCluster, type NodeCluster } from "./support/node-cluster.ts";

const run = promisify(execFile);
const NS = "default";
const HELLO = "hello";
const CONSUMER = "cloudevent-consumer";
const HPA = "hello-autoscaled";

let cluster: NodeCluster;
let registry: TestRegistry;
let controller: RunningController;
let client: EventFlowClient;
const images: Record<string, string> = {};
let functionBase: string;
/** Measured figures, printed at the end (docs/testing-e2e.md records them). */
const timings: Record<string, number> = {};
/** Invocations sent to the consumer (the metrics must count exactly these). */
let consumerInvokes = 0;

async function invokeConsumer(orderId: string) {
  consumerInvokes += 1;
  return client.invoke(CONSUMER, orderEvent(orderId));
}

const podsOf = (name: string) => livePods(cluster.core, NS, name);

function inSubnet(ip: string | undefined, subnet: string): boolean {
  const prefix = subnet.replace(/\.0\/24$/, ".");
  return ip !== undefined && ip.startsWith(prefix);
}

beforeAll(async () => {
  const started = Date.now();
  [cluster, registry] = await Promise.all([startNodeCluster(), startRegistry({ mode: "plain" })]);
  await cluster.trustRegistry(registry.host);
  functionBase = await pushFunctionBase(registry);
  images[HELLO] = await buildExample(registry, HELLO, functionBase);
  images[CONSUMER] = await buildExample(registry, CONSUMER, functionBase);
  controller = await startControllerProcess({
    kubeconfig: cluster.kubeconfig,
    namespace: NS,
    logDir: `${cluster.dir}/logs`,
  });
  const token = await controller.token();
  client = createClient({ url: controller.url, token });
  timings.setupSeconds = (Date.now() - started) / 1000;
}, 600_000);

afterAll(async () => {
  await controller?.stop();
  await registry?.stop();
  await cluster?.stop();
  console.log(`[e2e] timings ${JSON.stringify(timings)}; component logs in ${cluster?.dir}/logs`);
});

describe("functions on a real node", () => {
  it("deploys both examples; they run as real pods on the node with bridge addresses", async () => {
    const t0 = Date.now();
    await client.functions.create({ name: HELLO, image: images[HELLO]!, replicas: 2 });
    await client.functions.create({ name: CONSUMER, image: images[CONSUMER]!, replicas: 2 });
    // Cold start: from the create call to the first successful invoke through the controller.
    await eventually(`${HELLO} answering`, async () => {
      const r = await client.invoke(HELLO, { query: { name: "cold" } });
      return r.status === 200 && r.text() === "Hello, cold!";
    });
    timings.deployToFirstInvokeMs = Date.now() - t0;
    for (const name of [HELLO, CONSUMER]) {
      const status = await client.functions.waitUntilReady(name, { timeout: 180_000 });
      expect(status.status).toBe("Running");
      expect(status.ready_replicas).toBe(2);
      const pods = await podsOf(name);
      expect(pods).toHaveLength(2);
      for (const pod of pods) {
        expect(pod.spec?.nodeName).toBe(cluster.nodeName);
        expect(pod.status?.phase).toBe("Running");
        expect(inSubnet(pod.status?.podIP, cluster.podSubnet), pod.status?.podIP).toBe(true);
        const container = pod.status?.containerStatuses?.[0];
        expect(container?.ready).toBe(true);
        expect(container?.imageID).toContain("sha256:");
        expect(container?.containerID).toMatch(/^containerd:\/\//);
        const created = Date.parse(String(pod.metadata?.creationTimestamp));
        const ready = pod.status?.conditions?.find((c) => c.type === "Ready");
        timings.podStartToReadyMs = Math.max(
          timings.podStartToReadyMs ?? 0,
          Date.parse(String(ready?.lastTransitionTime)) - created,
        );
      }
    }
  });

  it("invokes through the controller return the functions' answers", async () => {
    const hello = await client.invoke(HELLO, { query: { name: "node" } });
    expect(hello.status).toBe(200);
    expect(hello.text()).toBe("Hello, node!");

    const accepted = await invokeConsumer("o-1");
    expect(accepted.status).toBe(200);
    expect(accepted.headers.get("ce-type")).toBe("com.example.order.accepted");
    expect(accepted.headers.get("ce-subject")).toBe("o-1");
    expect(accepted.json<{ orderId: string }>().orderId).toBe("o-1");

    consumerInvokes += 1;
    const rejected = await client.invoke(CONSUMER, {
      ...orderEvent("o-2"),
      headers: { ...orderEvent("o-2").headers, "ce-type": "com.example.other" },
    });
    expect(rejected.status).toBe(400);
  });

  it("function URLs: a token-protected sub-path and a public GET webhook, served by real pods", async () => {
    const token = await controller.token();
    const { url } = await client.functions.get(HELLO);
    expect(url).toBe(`${controller.url}/fn/${new URL(url).pathname.split("/")[2]}/${HELLO}/`);
    const sub = await fetch(`${url}orders/42?name=path`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(sub.status).toBe(200);
    expect(await sub.text()).toBe("Hello, path!");
    const anonymous = await fetch(`${url}orders/42?name=path`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toContain("Bearer");

    const hook = await client.functions.create({
      name: "hook",
      image: images[HELLO]!,
      replicas: 1,
      auth: "public",
    });
    await eventually("the public hook answering without a token", async () => {
      const r = await fetch(`${hook.url}?name=webhook`);
      return r.status === 200 && (await r.text()) === "Hello, webhook!";
    });
    await client.functions.delete("hook");
  });

  it("logs?follow streams the function's lines from every replica, including one started after the stream opened", async () => {
    const seen = new Map<string, string>(); // orderId -> replica
    const lines: string[] = [];
    const abort = new AbortController();
    const stream = client.logs(CONSUMER, { follow: true, tail: 0, signal: abort.signal });
    const reader = (async () => {
      for await (const entry of stream as AsyncIterable<LogEntry>) {
        lines.push(`${entry.replica} ${entry.stream} ${entry.line}`);
        const m = /"orderId":"([cw]-[0-9]+)"/.exec(entry.line);
        if (m) seen.set(m[1]!, entry.replica);
      }
    })().catch((error: unknown) => {
      if (!abort.signal.aborted) throw error;
    });
    const replicasOf = (prefix: string) =>
      new Set([...seen].filter(([id]) => id.startsWith(prefix)).map(([, replica]) => replica));
    try {
      // The stream follows each pod from when it attached (tail 0): warm up until lines of
      // both replicas arrive, so none of the measured lines is written before that.
      let w = 0;
      await eventually("the stream attached to both replicas", async () => {
        expect((await invokeConsumer(`w-${w++}`)).status).toBe(200);
        return replicasOf("w-").size === 2;
      });
      // Concurrent invokes spread across the two replicas.
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => invokeConsumer(`c-${i}`)),
      );
      expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
      await eventually(
        "log lines of the 20 invokes",
        async () =>
          replicasOf("c-").size > 0 &&
          [...seen.keys()].filter((k) => k.startsWith("c-")).length === 20,
        60_000,
      ).catch((error: unknown) => {
        throw new Error(`${seen.size} seen; lines: ${lines.slice(0, 10).join("\n")}`, {
          cause: error,
        });
      });
      const before = replicasOf("c-");
      expect(before.size).toBe(2);

      // A third replica, created while the stream is open.
      await client.functions.scale(CONSUMER, 3);
      await client.functions.waitUntilReady(CONSUMER, { timeout: 180_000 });
      const pods = (await podsOf(CONSUMER)).map((p) => p.metadata!.name!);
      const fresh = pods.find((p) => !before.has(p));
      expect(fresh).toBeDefined();
      let n = 100;
      await eventually(
        `a log line from the new replica ${fresh}`,
        async () => {
          const r = await invokeConsumer(`c-${n++}`);
          expect(r.status).toBe(200);
          return [...seen.values()].includes(fresh!);
        },
        90_000,
      );
    } finally {
      abort.abort();
      await reader;
    }
  });

  it("metrics count the invocations", async () => {
    await eventually(
      "metrics",
      async () => {
        const series = await client.metrics(CONSUMER, { range: "5m" });
        const total = series.points.reduce((s, p) => s + p.invocations, 0);
        timings.consumerMetricsTotal = total;
        return total === consumerInvokes;
      },
      30_000,
    );
    const hello = await client.metrics(HELLO, { range: "5m" });
    expect(hello.points.reduce((s, p) => s + p.invocations, 0)).toBeGreaterThanOrEqual(2);
  });

  it("a rolling update to a new image under continuous invokes fails no request", async () => {
    const next = await buildExample(registry, HELLO, functionBase, [
      "--label",
      "org.opencontainers.image.revision=e2e-2",
    ]);
    expect(next).not.toBe(images[HELLO]);
    const outcomes: (number | string)[] = [];
    let load = true;
    const worker = async () => {
      while (load) {
        try {
          const r = await client.invoke(HELLO, { query: { name: "roll" }, timeout: 10_000 });
          outcomes.push(r.status === 200 && r.text() === "Hello, roll!" ? 200 : r.status);
        } catch (error) {
          outcomes.push(String((error as { code?: string }).code ?? error));
        }
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    try {
      await client.functions.update(HELLO, { image: next, replicas: 2 });
      await eventually(
        "the rollout to the new image",
        async () => {
          const pods = await podsOf(HELLO);
          const ready = pods.filter((p) =>
            p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
          );
          return (
            pods.length === 2 &&
            ready.length === 2 &&
            pods.every((p) => p.spec?.containers[0]?.image === next)
          );
        },
        180_000,
      );
      // Keep the load on while the old pods drain and go.
      await new Promise((r) => setTimeout(r, 3000));
    } finally {
      load = false;
      await Promise.all(workers);
    }
    timings.rollingUpdateInvokes = outcomes.length;
    expect(outcomes.length).toBeGreaterThan(20);
    expect(outcomes.filter((o) => o !== 200)).toEqual([]);
  });

  it("a container killed mid-traffic: requests go to the other replica, none hangs, the pod restarts", async () => {
    const [victim] = await podsOf(HELLO);
    const victimName = victim!.metadata!.name!;
    const containerId = victim!.status!.containerStatuses![0]!.containerID!.replace(
      "containerd://",
      "",
    );
    // Each invoke with its send and end time (ms, this process's clock). Two loops send plain
    // POSTs (never sent twice by the controller: a request in flight on the killed container
    // may fail), two send an Idempotency-Key (the controller may retry those on the other
    // replica even when the connection broke after the request was written: none may fail).
    interface Outcome {
      keyed: boolean;
      sent: number;
      ended: number;
      result: number | string;
    }
    const outcomes: Outcome[] = [];
    let load = true;
    let seq = 0;
    const worker = async (keyed: boolean) => {
      while (load) {
        const sent = performance.now();
        let result: number | string;
        try {
          const r = await client.invoke(HELLO, {
            query: { name: "kill" },
            timeout: 10_000,
            ...(keyed ? { headers: { "idempotency-key": `kill-${seq++}` } } : {}),
          });
          result = r.status === 200 && r.text() === "Hello, kill!" ? 200 : r.status;
        } catch (error) {
          result = String((error as { code?: string }).code ?? error);
        }
        outcomes.push({ keyed, sent, ended: performance.now(), result });
      }
    };
    const workers = [false, false, true, true].map(worker);
    let killStart: number;
    let killDone = Number.POSITIVE_INFINITY;
    try {
      await new Promise((r) => setTimeout(r, 1000));
      killStart = performance.now();
      await run("ctr", [
        "--address",
        `${cluster.dir}/node/containerd.sock`,
        "-n",
        "k8s.io",
        "tasks",
        "kill",
        "-s",
        "SIGKILL",
        containerId,
      ]);
      killDone = performance.now();
      await eventually(
        "the killed container restarted and ready",
        async () => {
          const pod = await cluster.core.readNamespacedPod({ namespace: NS, name: victimName });
          const cs = pod.status?.containerStatuses?.[0];
          return cs?.restartCount === 1 && cs.ready === true ? cs : undefined;
        },
        120_000,
      ).then((cs) => expect(cs.lastState?.terminated?.exitCode).toBe(137));
      timings.killToReadyMs = Math.round(performance.now() - killStart);
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      load = false;
      await Promise.all(workers);
    }
    const failed = outcomes.filter((o) => o.result !== 200);
    const rel = (t: number) => Math.round(t - killDone);
    const shown = failed.map((o) => ({
      keyed: o.keyed,
      sentMs: rel(o.sent),
      endedMs: rel(o.ended),
      result: o.result,
    }));
    timings.killInvokes = outcomes.length;
    timings.killInvokesAfterKill = outcomes.filter((o) => o.sent > killDone).length;
    timings.killFailed = failed.length;
    timings.killCtrMs = Math.round(killDone - killStart);
    console.log(`[e2e] kill: failed (ms relative to the kill's return): ${JSON.stringify(shown)}`);
    expect(outcomes.length).toBeGreaterThan(20);
    expect(timings.killInvokesAfterKill).toBeGreaterThan(20);
    // Only plain requests that were already sent when the container died, or written onto one
    // of its keep-alive sockets in the instant before the controller saw that socket close,
    // may fail: none sent later than 250 ms after the kill, none with an Idempotency-Key
    // (retried on the other replica), each with a platform 5xx code, none hanging until the
    // client's 10 s timeout.
    expect(
      failed.filter((o) => o.keyed),
      JSON.stringify(shown),
    ).toEqual([]);
    expect(
      failed.filter((o) => o.sent > killDone + 250),
      JSON.stringify(shown),
    ).toEqual([]);
    for (const o of failed)
      expect(["INVOKE_UPSTREAM_UNREACHABLE", 502], JSON.stringify(shown)).toContain(o.result);
    // The function's status tells what happened: the replica, its restart and the exit code.
    const status = await client.functions.get(HELLO);
    expect(status.ready_replicas).toBe(2);
    expect(status.status).toBe("Running");
    expect(status.last_error?.code).toBe("FUNCTION_REPLICA_RESTARTED");
    expect(status.last_error?.message).toContain(victimName);
    expect(status.last_error?.message).toContain("exit code 137");
  });

  it("the HPA scales a function up under CPU load (metrics-server reads the real kubelet) and back down", async () => {
    await client.functions.create({
      name: HPA,
      image: images[HELLO]!,
      scaling: { minReplicas: 1, maxReplicas: 3, targetCPUUtilization: 20 },
    });
    await client.functions.waitUntilReady(HPA, { timeout: 180_000 });
    const running = async () =>
      (await podsOf(HPA)).filter((p) =>
        p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
      ).length;
    let load = true;
    let sent = 0;
    const worker = async () => {
      while (load) {
        const r = await client.invoke(HPA, { query: { name: "load" } });
        expect(r.status).toBe(200);
        sent += 1;
      }
    };
    const t0 = Date.now();
    const workers = Array.from({ length: 8 }, worker);
    try {
      await eventually(
        `${HPA} scaled above one replica`,
        async () => (await running()) > 1,
        180_000,
      );
      timings.hpaScaleUpMs = Date.now() - t0;
    } finally {
      load = false;
      await Promise.all(workers);
    }
    expect(sent).toBeGreaterThan(0);
    const t1 = Date.now();
    await eventually(
      `${HPA} back to one replica`,
      async () => (await podsOf(HPA)).length === 1,
      240_000,
    );
    timings.hpaScaleDownMs = Date.now() - t1;
  });

  it("a function that throws at start: its status names the error line the container printed", async () => {
    const dir = await mkdtemp(`${tmpdir()}/eventflow-e2e-crashing-`);
    await mkdir(`${dir}/src`);
    await writeFile(`${dir}/package.json`, '{"name":"crashing"}');
    await writeFile(
      `${dir}/src/index.ts`,
      'if (!process.env.DATABASE_URL) throw new Error("DATABASE_URL is not set");\nexport default () => "never";\n',
    );
    const image = await buildProject(registry, dir, "crashing", functionBase);
    await client.functions.create({ name: "crashing", image, replicas: 1 });
    // The kubelet keeps the log's tail as the termination message (FallbackToLogsOnError).
    const status = await eventually("the crash's reason", async () => {
      const s = await client.functions.get("crashing");
      return s.last_error?.message.includes("DATABASE_URL") ? s : undefined;
    });
    expect(status.last_error?.message).toMatch(/exit code 1.*: Error: DATABASE_URL is not set$/);
    await client.functions.delete("crashing");
  });

  it("scales down and deletes: the pods and their containers go away", async () => {
    await client.functions.scale(HELLO, 1);
    await eventually("hello at one pod", async () => (await podsOf(HELLO)).length === 1);
    const still = await client.invoke(HELLO, { query: { name: "one" } });
    expect(still.text()).toBe("Hello, one!");

    await client.functions.delete(HELLO);
    await client.functions.delete(CONSUMER);
    await client.functions.delete(HPA);
    await eventually("no function pods left", async () => {
      const all = await cluster.core.listNamespacedPod({ namespace: NS });
      return all.items.length === 0;
    });
    const list = await client.functions.list();
    expect(list.map((f) => f.name)).toEqual([]);
    // The node's runtime ran only the pause sandboxes and the function containers: none remain.
    const tasks = async () =>
      (
        await run("ctr", [
          "--address",
          `${cluster.dir}/node/containerd.sock`,
          "-n",
          "k8s.io",
          "tasks",
          "ls",
          "-q",
        ])
      ).stdout.trim();
    await eventually("no containerd tasks left", async () => (await tasks()) === "", 60_000);
  });
});

// Request-driven scaling on the real node: the controller's autoscaler (the replicas' own load
// from /_eventflow/stats) and its activator (invokes held while a function is at zero).
describe("request-driven autoscaling on a real node", () => {
  const ZERO = "to-zero";
  const STEP = "step";
  const readyPods = async (name: string) =>
    (await podsOf(name)).filter((p) =>
      p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
    ).length;
  const untilNoPod = (name: string, timeoutMs: number) =>
    eventually(`${name} at zero pods`, async () => (await podsOf(name)).length === 0, timeoutMs);

  beforeAll(async () => {
    images.streaming = await buildExample(registry, "streaming", functionBase);
  }, 300_000);

  it("a function with minReplicas 0 goes to zero pods after its grace", async () => {
    await client.functions.create({
      name: ZERO,
      image: images[HELLO]!,
      scaling: {
        metric: "concurrency",
        minReplicas: 0,
        maxReplicas: 3,
        scaleToZeroAfterSeconds: 5,
      },
    });
    const first = await client.invoke(ZERO, { query: { name: "zero" } });
    expect(first.status).toBe(200);
    expect(first.text()).toBe("Hello, zero!");
    expect((await podsOf(ZERO)).length).toBeGreaterThan(0);
    await untilNoPod(ZERO, 90_000);
    // The status follows the Deployment's, which counts a terminating pod a moment longer.
    await eventually(
      `${ZERO}'s status at 0 ready`,
      async () => (await client.functions.get(ZERO)).ready_replicas === 0,
      60_000,
    );
  });

  it("20 concurrent invokes while it is at zero are each answered 200", async () => {
    await untilNoPod(ZERO, 90_000);
    const t0 = Date.now();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => client.invoke(ZERO, { query: { name: `c${i}` } })),
    );
    timings.twentyFromZeroMs = Date.now() - t0;
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(results.map((r) => r.text())).toEqual(
      Array.from({ length: 20 }, (_, i) => `Hello, c${i}!`),
    );
  });

  it("a held queue that overflows answers 503 FUNCTION_NOT_READY with retry-after; none hangs", async () => {
    // A second controller on the same cluster whose activator holds at most 4 invokes per
    // function (the first one's default holds 1000).
    const logDir = `${cluster.dir}/logs/small-queue`;
    await mkdir(logDir, { recursive: true });
    const small = await startControllerProcess({
      kubeconfig: cluster.kubeconfig,
      namespace: NS,
      logDir,
      env: { EVENTFLOW_ACTIVATOR_QUEUE: "4" },
    });
    try {
      // Gone, not only terminating: a pod in its preStop drain still serves, and a controller
      // that still lists it would send the invokes there instead of holding them.
      await eventually(
        `${ZERO}'s pods gone`,
        async () =>
          (
            await cluster.core.listNamespacedPod({
              namespace: NS,
              labelSelector: `eventflow.dev/function=${ZERO}`,
            })
          ).items.length === 0,
        120_000,
      );
      const token = await small.token();
      await eventually(`${ZERO} at zero for the second controller`, async () => {
        const res = await fetch(`${small.url}/v1/functions/${ZERO}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        return ((await res.json()) as { ready_replicas: number }).ready_replicas === 0;
      });
      const answers = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const res = await fetch(`${small.url}/v1/functions/${ZERO}:invoke?name=q${i}`, {
            method: "POST",
            headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
            body: "{}",
            signal: AbortSignal.timeout(90_000),
          });
          return {
            status: res.status,
            code: res.headers.get(PLATFORM_ERROR_HEADER),
            retryAfter: res.headers.get("retry-after"),
            body: await res.text(),
          };
        }),
      );
      const ok = answers.filter((a) => a.status === 200);
      const refused = answers.filter((a) => a.status === 503);
      expect(ok.length + refused.length, JSON.stringify(answers)).toBe(20);
      expect(ok.length).toBeGreaterThanOrEqual(1);
      expect(ok.length).toBeLessThanOrEqual(4);
      for (const a of ok) expect(a.body).toMatch(/^Hello, q[0-9]+!$/);
      for (const a of refused) {
        expect(a.code).toBe("FUNCTION_NOT_READY");
        expect(Number(a.retryAfter)).toBeGreaterThan(0);
        expect(JSON.parse(a.body).error.code).toBe("FUNCTION_NOT_READY");
      }
    } finally {
      await small.stop();
    }
    await client.functions.delete(ZERO);
  });

  it("a step load (100 ms handler, concurrency 1 then 40 for 30 s, target 10) reaches 4 +/- 1 ready replicas and no more, fails no request and returns to zero", async () => {
    await client.functions.create({
      name: STEP,
      image: images.streaming!,
      scaling: {
        metric: "concurrency",
        target: 10,
        minReplicas: 0,
        maxReplicas: 8,
        scaleToZeroAfterSeconds: 10,
      },
    });
    const failures: string[] = [];
    let answered = 0;
    let stopAt = 0;
    const worker = async () => {
      while (Date.now() < stopAt) {
        try {
          const r = await client.invoke(STEP, { query: { steps: "1", delayMs: "100" } });
          if (r.status === 200 && r.text().includes('"step":1')) answered += 1;
          else failures.push(`${r.status} ${r.text().slice(0, 200)}`);
        } catch (error) {
          failures.push(String(error));
        }
      }
    };
    stopAt = Date.now() + 5_000;
    await worker();
    stopAt = Date.now() + 30_000;
    const samples: number[] = [];
    // What the autoscaler saw (concurrency summed over the replicas), for the failure message.
    const observed: number[] = [];
    const sampler = (async () => {
      while (Date.now() < stopAt) {
        samples.push(await readyPods(STEP));
        const seen = (await client.functions.get(STEP)).autoscaler?.observed;
        if (seen !== undefined) observed.push(Math.round(seen * 10) / 10);
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    await Promise.all([...Array.from({ length: 40 }, worker), sampler]);
    expect(failures.slice(0, 5)).toEqual([]);
    expect(answered).toBeGreaterThan(0);
    const seen = `ready ${JSON.stringify(samples)}; observed concurrency ${JSON.stringify(observed)}`;
    timings.stepAnswered = answered;
    timings.stepReadyMax = Math.max(...samples);
    timings.stepReadyAtEnd = samples.at(-1) ?? 0;
    timings.stepObservedMax = Math.max(0, ...observed);
    // Reaches 4 +/- 1 ready replicas during the load, and never more.
    expect(Math.max(...samples), seen).toBeGreaterThanOrEqual(3);
    expect(Math.max(...samples), seen).toBeLessThanOrEqual(5);
    await untilNoPod(STEP, 180_000);
    await client.functions.delete(STEP);
  }, 360_000);
});
