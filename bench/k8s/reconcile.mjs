// The reconciler's phases of bench:k8s: Function objects created through the API server, the
// cold reconcile that makes their objects, a controller restart over unchanged Functions
// (time and writes), and the repair of drift made by hand.
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { apiRequests, isReconcilerWrite, requestDelta, sum } from "./cluster.mjs";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (t0) => (performance.now() - t0) / 1000;

/** Creates a Function object per name (`build(name)` gives the body), `parallel` at a time. */
export async function createFunctions(kc, { resource, namespace, names, build, parallel = 16 }) {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const { group, version, plural } = resource;
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < names.length) {
        const name = names[next++];
        await custom.createNamespacedCustomObject({
          group,
          version,
          plural,
          namespace,
          body: build(name),
        });
      }
    }),
  );
}

/** Every Function's status observed its generation and its Deployment exists. */
export function allReconciled(observer, n) {
  const fns = observer.functions();
  if (fns.length < n) return false;
  return fns.every(
    (fn) =>
      (fn.status?.observedGeneration ?? -1) >= (fn.metadata?.generation ?? 0) &&
      observer.deployment(fn.metadata.name) !== undefined,
  );
}

/**
 * Starts `driver` on a cluster where nothing is reconciled yet and times start to every
 * Function reconciled, as seen from outside (the observer's watches).
 */
export async function coldReconcile(driver, observer, n) {
  const t0 = performance.now();
  await driver.start();
  const startS = seconds(t0);
  await observer.until("the cold reconcile", () => allReconciled(observer, n), {
    everyMs: 50,
    timeoutMs: 600_000,
  });
  return { startS, reconcileS: seconds(t0) };
}

/**
 * A controller restart over `n` unchanged Functions: starts `driver` and times until its
 * reconciler has taken every key of its start-up resync and has none left (its own stats: a
 * reconcile of an unchanged Function writes nothing, so no API call marks its end). Then waits
 * `settleMs` and counts the writes the API server saw to Functions and their objects.
 */
export async function restartReconcile(kc, driver, { n, settleMs }) {
  const before = await apiRequests(kc);
  const t0 = performance.now();
  await driver.start();
  const startS = seconds(t0);
  for (;;) {
    const s = driver.reconcilerStats();
    if (s.reconciles >= n && s.pending === 0) break;
    if (performance.now() - t0 > 600_000) throw new Error("the restart's reconcile never ended");
    // A macrotask apart: what a worker holds without I/O finishes in between.
    await sleep(2);
  }
  const reconcileS = seconds(t0);
  await sleep(settleMs);
  const writes = requestDelta(before, await apiRequests(kc), isReconcilerWrite);
  const stats = driver.reconcilerStats();
  return {
    startS,
    reconcileS,
    writes,
    writesPerObject: sum(writes) / n,
    reconcilerWrites: stats.applies + stats.deletes + stats.statusWrites,
    reconciles: stats.reconciles,
  };
}

/**
 * Drift made by hand on `names` one at a time, alternating a deleted Service and a Deployment
 * scaled to 1 (spec says 0); each timed from just before the write that makes the drift to the
 * observer seeing the object as the Function says again.
 */
export async function repairDrift(kc, observer, { namespace, names }) {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const samples = [];
  for (const [i, name] of names.entries()) {
    const kind = i % 2 === 0 ? "service" : "scale";
    let t0;
    if (kind === "service") {
      const uid = observer.service(name)?.metadata?.uid;
      if (!uid) throw new Error(`no Service ${name} to delete`);
      t0 = performance.now();
      await core.deleteNamespacedService({ name, namespace });
      await observer.until(`Service ${name} back`, () => {
        const s = observer.service(name);
        return s !== undefined && s.metadata?.uid !== uid;
      });
    } else {
      t0 = performance.now();
      const scaled = await apps.patchNamespacedDeployment(
        { name, namespace, body: { spec: { replicas: 1 } }, fieldManager: "bench-by-hand" },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      );
      const generation = scaled.metadata?.generation ?? 0;
      await observer.until(`Deployment ${name} scaled back`, () => {
        const d = observer.deployment(name);
        return (d?.metadata?.generation ?? 0) > generation && d?.spec?.replicas === 0;
      });
    }
    samples.push({ kind, s: seconds(t0) });
  }
  return samples;
}
