#!/usr/bin/env node
// bench:coldstart — cold starts on the real node (a kubelet with containerd + runc, as the e2e
// tier runs it), side by side in one run:
//   - scale from zero through the controller: a request-driven function with minReplicas 0 is
//     left until it has no pod, then one invoke is timed until its 200;
//   - create to first invoke: POST the function, then invoke until 200;
//   - the baseline: a plain Deployment with the same pod template scaled 0 -> 1 through the
//     API's scale subresource and waited until its pod is Ready (the kubelet's probe path);
//   - where the time goes, per trial, from a pod watch and the runtime's own start.
// Method and the measured numbers: README.md and RESULTS.md here.
//
//   npm run bench:coldstart                 10 trials per arm, 5 creates
//   npm run bench:coldstart -- --quick      2 trials, 1 create (CI smoke)
//   --trials N, --creates N, --idle S (scaleToZeroAfterSeconds), --manual (replicas: 0 and an
//   explicit scale to zero per trial, for a controller without the autoscaler)
//
// Needs `npm run build` and the node binaries (scripts/setup/60, 70). Progress on stderr; the
// last stdout line is the JSON result. Timings are reported, never asserted.
import { parseArgs } from "node:util";
import { AppsV1Api } from "@kubernetes/client-node";
import { createClient } from "@eventflow/sdk/client";
import { createProgress, emitResult, machineInfo } from "../lib/report.mjs";
import { quantile, round } from "../lib/stats.mjs";
import { startRegistry } from "../../test/registry/index.ts";
import { startNodeCluster } from "../../test/e2e/support/node-cluster.ts";
import { startControllerProcess } from "../../test/e2e/support/controller.ts";
import { buildExample, pushFunctionBase } from "../../test/e2e/support/images.ts";
import { criSteps, runtimeStart, watchPods } from "./pods.mjs";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    trials: { type: "string" },
    creates: { type: "string" },
    idle: { type: "string", default: "2" },
    manual: { type: "boolean", default: false },
  },
});
const TRIALS = Number(args.trials ?? (args.quick ? 2 : 10));
const CREATES = Number(args.creates ?? (args.quick ? 1 : 5));
const IDLE_S = Number(args.idle);
const NS = "default";
const FN = "coldstart";
const BASELINE = "coldstart-baseline";
const progress = createProgress("coldstart");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fnPod = (name) => (labels) => labels["eventflow.dev/function"] === name;
const basePod = (labels) => labels.app === BASELINE;

/** Invokes `name` until it answers 200 `Hello, cold!`; resolves with the epoch ms of that answer. */
async function invokeUntil200(client, name, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const r = await client.invoke(name, { query: { name: "cold" } });
      if (r.status === 200 && r.text() === "Hello, cold!") return Date.now();
      last = `${r.status} ${r.text().slice(0, 200)}`;
    } catch (error) {
      last = String(error);
    }
    if (Date.now() > deadline) throw new Error(`${name} never answered 200 (last: ${last})`);
    await sleep(25);
  }
}

/** Where the time of one cold start went, in seconds, from `t0` (epoch ms) to `doneAt`. */
async function breakdown(cluster, pods, pod, t0, doneAt) {
  const rt = await runtimeStart(cluster.core, NS, pod).catch(() => undefined);
  const cri = await criSteps(`${cluster.dir}/logs/containerd.log`, pod.name);
  const s = (a, b) => (a !== undefined && b !== undefined ? round((b - a) / 1000, 3) : null);
  return {
    pod: pod.name,
    // The controller's scale, the Deployment and ReplicaSet controllers, to the pod object.
    request_to_pod_created_s: s(t0, pod.createdAt),
    created_to_scheduled_s: s(pod.createdAt, pod.scheduledAt),
    // The kubelet and containerd: sandbox (pause, network), image present, container start.
    scheduled_to_process_start_s: s(pod.scheduledAt, rt?.processStartAt),
    // The same span by the CRI calls in containerd's log: the kubelet until it asks for the
    // sandbox; RunPodSandbox (pause container, CNI); until StartContainer is asked
    // (CreateContainer); StartContainer (runc) until it returns; its start to the process's.
    scheduled_to_sandbox_call_s: s(pod.scheduledAt, cri?.sandboxAt),
    run_pod_sandbox_s: s(cri?.sandboxAt, cri?.sandboxDoneAt),
    sandbox_to_start_call_s: s(cri?.sandboxDoneAt, cri?.startAt),
    start_container_s: s(cri?.startAt, cri?.startDoneAt),
    start_call_to_process_start_s: s(cri?.startAt, rt?.processStartAt),
    // The runtime's own start (process start to listening), as it reports it.
    runtime_start_s: s(rt?.processStartAt, rt?.runtimeReadyAt),
    runtime_metrics_cold_start_s: rt?.metricsColdStartS ?? null,
    // After the runtime listens: until the answer (controller) or until the API says Ready.
    runtime_ready_to_done_s: s(rt?.runtimeReadyAt, doneAt),
    // When the kubelet's Ready reached the API (seen by the watch), from the runtime listening.
    runtime_ready_to_pod_ready_s: s(rt?.runtimeReadyAt, pods.seen(pod.name)?.readyAt),
    total_s: s(t0, doneAt),
  };
}

async function untilNoPod(pods, match, what, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (pods.live(match).length > 0) {
    if (Date.now() > deadline) throw new Error(`${what} still has a pod after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** One scale from zero through the controller. */
async function scaleFromZero(ctx) {
  const { client, pods, cluster } = ctx;
  if (args.manual) await client.functions.scale(FN, 0);
  await untilNoPod(pods, fnPod(FN), FN, (IDLE_S + 120) * 1000);
  // Let the scale to zero settle in the controller (its endpoints and the Function's status).
  await sleep(1_000);
  const known = pods.names();
  const t0 = Date.now();
  const doneAt = await invokeUntil200(client, FN);
  const pod = pods.live(fnPod(FN)).find((p) => !known.has(p.name));
  if (!pod) throw new Error("the invoke answered without a new pod");
  // Not timed: until the kubelet's Ready reaches the API too, for the breakdown.
  await pods.until((p) => p.name === pod.name && p.readyAt !== undefined, 60_000, "Ready");
  return { s: (doneAt - t0) / 1000, breakdown: await breakdown(cluster, pods, pod, t0, doneAt) };
}

/** One 0 -> 1 of the plain Deployment, until the API says its pod is Ready. */
async function kubectlScale(ctx) {
  const { apps, pods, cluster } = ctx;
  const scaleTo = (replicas) =>
    apps.replaceNamespacedDeploymentScale({
      name: BASELINE,
      namespace: NS,
      body: { metadata: { name: BASELINE, namespace: NS }, spec: { replicas } },
    });
  await scaleTo(0);
  await untilNoPod(pods, basePod, BASELINE, 120_000);
  await sleep(1_000);
  const known = pods.names();
  const t0 = Date.now();
  await scaleTo(1);
  const pod = await pods.until(
    (p) => basePod(p.labels ?? {}) && !known.has(p.name) && p.readyAt !== undefined,
    180_000,
    `${BASELINE} Ready`,
  );
  return {
    s: (pod.readyAt - t0) / 1000,
    breakdown: await breakdown(cluster, pods, pod, t0, pod.readyAt),
  };
}

/** A Deployment with the function's pod template, under labels the controller does not own. */
async function createBaseline(apps) {
  const fn = await apps.readNamespacedDeployment({ name: FN, namespace: NS });
  const labels = { app: BASELINE };
  await apps.createNamespacedDeployment({
    namespace: NS,
    body: {
      metadata: { name: BASELINE, namespace: NS, labels },
      spec: {
        replicas: 0,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels, annotations: fn.spec.template.metadata?.annotations },
          spec: fn.spec.template.spec,
        },
      },
    },
  });
}

const summary = (xs) => ({
  trials: xs.length,
  p50_s: round(quantile(xs, 0.5), 3),
  p95_s: round(quantile(xs, 0.95), 3),
  min_s: round(Math.min(...xs), 3),
  max_s: round(Math.max(...xs), 3),
});

/** Median of each breakdown field over the trials. */
function medianBreakdown(list) {
  const out = {};
  for (const key of Object.keys(list[0] ?? {})) {
    if (key === "pod") continue;
    const values = list.map((b) => b[key]).filter((v) => typeof v === "number");
    out[key] = values.length ? round(quantile(values, 0.5), 3) : null;
  }
  return out;
}

const started = Date.now();
let cluster;
let registry;
let controller;
let pods;
try {
  progress("starting the control plane, the real node and the registry");
  [cluster, registry] = await Promise.all([startNodeCluster(), startRegistry({ mode: "plain" })]);
  await cluster.trustRegistry(registry.host);
  progress("building examples/hello and pushing it");
  const image = await buildExample(registry, "hello", await pushFunctionBase(registry));
  controller = await startControllerProcess({
    kubeconfig: cluster.kubeconfig,
    namespace: NS,
    logDir: `${cluster.dir}/logs`,
  });
  const client = createClient({ url: controller.url, token: await controller.token() });
  const apps = cluster.kc.makeApiClient(AppsV1Api);
  pods = await watchPods(cluster.kc, NS);
  const ctx = { client, apps, pods, cluster };
  const setupS = (Date.now() - started) / 1000;

  // The first pod pulls the image; every measured start below finds it present.
  const spec = args.manual
    ? { name: FN, image, replicas: 0 }
    : {
        name: FN,
        image,
        scaling: {
          metric: "concurrency",
          minReplicas: 0,
          maxReplicas: 3,
          scaleToZeroAfterSeconds: IDLE_S,
        },
      };
  progress(
    `creating ${FN} (${args.manual ? "replicas 0, scaled by hand" : `min 0, idle ${IDLE_S} s`})`,
  );
  await client.functions.create(spec);
  await invokeUntil200(client, FN);
  await createBaseline(apps);

  const create = [];
  for (let i = 0; i < CREATES; i++) {
    const name = `coldstart-create-${i}`;
    const t0 = Date.now();
    await client.functions.create({ name, image });
    const doneAt = await invokeUntil200(client, name);
    create.push((doneAt - t0) / 1000);
    progress(`create ${i + 1}/${CREATES}: create -> first 200 ${create[i].toFixed(3)} s`);
    await client.functions.delete(name);
  }

  const sfz = [];
  const kube = [];
  for (let i = 0; i < TRIALS; i++) {
    // ABBA: neither arm always runs right after the other.
    const order = i % 2 === 0 ? ["sfz", "kube"] : ["kube", "sfz"];
    for (const arm of order) {
      if (arm === "sfz") sfz.push(await scaleFromZero(ctx));
      else kube.push(await kubectlScale(ctx));
    }
    progress(
      `trial ${i + 1}/${TRIALS}: scale from zero ${sfz[i].s.toFixed(3)} s, kubectl scale + Ready ${kube[i].s.toFixed(3)} s`,
    );
  }

  const sfzS = sfz.map((t) => t.s);
  const kubeS = kube.map((t) => t.s);
  const results = [
    {
      name: "scale_from_zero",
      mode: args.manual ? "manual (replicas 0)" : `autoscaled (min 0, idle ${IDLE_S} s)`,
      ...summary(sfzS),
      breakdown_p50: medianBreakdown(sfz.map((t) => t.breakdown)),
      breakdowns: sfz.map((t) => t.breakdown),
    },
    {
      name: "kubectl_scale_ready",
      ...summary(kubeS),
      breakdown_p50: medianBreakdown(kube.map((t) => t.breakdown)),
      breakdowns: kube.map((t) => t.breakdown),
    },
    { name: "create_to_first_invoke", ...summary(create) },
  ];
  const pairRatios = sfzS.map((s, i) => s / kubeS[i]);
  const ratios = {
    scale_from_zero_p50_s: results[0].p50_s,
    scale_from_zero_p95_s: results[0].p95_s,
    create_to_first_invoke_p50_s: results[2].p50_s,
    kubectl_scale_ready_p50_s: results[1].p50_s,
    // Median of the per-trial ratios (each pair ran side by side).
    scale_from_zero_vs_kubectl_ready: round(quantile(pairRatios, 0.5), 3),
  };
  const targets = {
    scale_from_zero_p50_s: 1.0,
    create_to_first_invoke_p50_s: 1.5,
    scale_from_zero_vs_kubectl_ready: 0.6,
  };
  progress(`setup ${setupS.toFixed(1)} s; ${JSON.stringify(ratios)}`);
  emitResult({
    bench: "coldstart",
    machine: machineInfo(),
    results,
    ratios: { ...ratios, targets },
  });
} finally {
  pods?.stop();
  await controller?.stop().catch(() => {});
  await registry?.stop().catch(() => {});
  await cluster?.stop().catch(() => {});
}
