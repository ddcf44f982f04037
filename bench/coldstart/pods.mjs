// Pod lifecycle as this machine sees it: a watch on the namespace's pods records, per pod, the
// local wall time (ms) at which each step was first observed (created, scheduled, container
// running, Ready), and the runtime's own start read back from the pod: its "ready" log line's
// container timestamp (containerd's, nanosecond precision) minus the coldStartMs it reports.
import { readFile } from "node:fs/promises";
import { Watch } from "@kubernetes/client-node";

/** Starts the watch; `seen(name)` is what was observed of that pod so far. */
export async function watchPods(kc, namespace) {
  const pods = new Map();
  const waiters = new Set();
  const at = (name) => {
    let p = pods.get(name);
    if (!p) pods.set(name, (p = { name }));
    return p;
  };
  let req;
  let stopped = false;
  const start = async () => {
    req = await new Watch(kc).watch(
      `/api/v1/namespaces/${namespace}/pods`,
      {},
      (type, pod) => {
        const now = Date.now();
        const p = at(pod.metadata.name);
        p.labels = pod.metadata.labels ?? {};
        p.ip = pod.status?.podIP ?? p.ip;
        p.createdAt ??= now;
        const cond = (t) => pod.status?.conditions?.find((c) => c.type === t)?.status === "True";
        if (cond("PodScheduled")) p.scheduledAt ??= now;
        if (pod.status?.containerStatuses?.[0]?.state?.running) p.runningAt ??= now;
        if (cond("Ready")) p.readyAt ??= now;
        if (pod.metadata.deletionTimestamp || type === "DELETED") p.deletingAt ??= now;
        for (const w of waiters) w();
      },
      () => {
        if (!stopped) setTimeout(() => void start().catch(() => undefined), 300);
      },
    );
  };
  await start();
  return {
    seen: (name) => pods.get(name),
    /** Every pod seen so far, deleted ones too. */
    names: () => new Set(pods.keys()),
    /** Pods whose labels match and which are not being deleted. */
    live: (match) => [...pods.values()].filter((p) => !p.deletingAt && match(p.labels ?? {})),
    /** Resolves with the first pod `check(pod)` accepts (checked at each event). */
    until(check, timeoutMs, what) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(test);
          reject(new Error(`timed out waiting for ${what}`));
        }, timeoutMs);
        const test = () => {
          const hit = [...pods.values()].find(check);
          if (!hit) return;
          clearTimeout(timer);
          waiters.delete(test);
          resolve(hit);
        };
        waiters.add(test);
        test();
      });
    },
    stop() {
      stopped = true;
      req?.abort();
    },
  };
}

/**
 * The runtime's own start of a pod: `{ processStartAt, runtimeReadyAt }` in epoch ms, from the
 * "ready" line's container timestamp and its coldStartMs; and the cold start the runtime
 * reports in /_eventflow/metrics (`eventflow_runtime_cold_start_seconds`) when reachable.
 */
export async function runtimeStart(core, namespace, pod, port = 8080) {
  const log = await core.readNamespacedPodLog({ name: pod.name, namespace, timestamps: true });
  for (const line of String(log).split("\n")) {
    const space = line.indexOf(" ");
    let entry;
    try {
      entry = JSON.parse(line.slice(space + 1));
    } catch {
      continue;
    }
    if (entry.msg !== "ready" && entry.message !== "ready") continue;
    const coldStartMs = Number(entry.coldStartMs ?? entry.fields?.coldStartMs);
    const runtimeReadyAt = Date.parse(line.slice(0, space));
    let metricsColdStartS;
    if (pod.ip) {
      const text = await fetch(`http://${pod.ip}:${port}/_eventflow/metrics`, {
        signal: AbortSignal.timeout(2_000),
      })
        .then((r) => r.text())
        .catch(() => "");
      const m = /^eventflow_runtime_cold_start_seconds\{[^}]*\} (\S+)$/m.exec(text);
      if (m) metricsColdStartS = Number(m[1]);
    }
    return {
      processStartAt: runtimeReadyAt - coldStartMs,
      runtimeReadyAt,
      coldStartMs,
      metricsColdStartS,
    };
  }
  return undefined;
}

/**
 * The CRI calls the kubelet made to containerd for a pod, from containerd's own log (info
 * level, nanosecond timestamps): `{ sandboxAt, sandboxDoneAt, createAt, startAt, startDoneAt }`
 * in epoch ms (the last sandbox of that pod name), or undefined when the log lacks them.
 */
export async function criSteps(containerdLog, podName) {
  const text = await readFile(containerdLog, "utf8").catch(() => "");
  const time = (line) => Date.parse(/^time="([^"]+)"/.exec(line)?.[1] ?? "");
  const lines = text.split("\n");
  const steps = {};
  let sandbox;
  let container;
  for (const line of lines) {
    if (line.includes(`RunPodSandbox for &PodSandboxMetadata{Name:${podName},`)) {
      const id = /returns sandbox id \\"([0-9a-f]+)\\"/.exec(line)?.[1];
      if (id) {
        sandbox = id;
        steps.sandboxDoneAt = time(line);
      } else {
        steps.sandboxAt = time(line);
        sandbox = undefined;
        container = undefined;
      }
    } else if (sandbox && line.includes(`CreateContainer within sandbox \\"${sandbox}\\"`)) {
      const id = /returns container id \\"([0-9a-f]+)\\"/.exec(line)?.[1];
      if (id) container = id;
      else steps.createAt = time(line);
    } else if (container && line.includes(`StartContainer for \\"${container}\\"`)) {
      if (line.includes("returns successfully")) steps.startDoneAt = time(line);
      else steps.startAt = time(line);
    }
  }
  return steps.startDoneAt ? steps : undefined;
}
