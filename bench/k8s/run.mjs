#!/usr/bin/env node
// bench:k8s — the Kubernetes driver on a real control plane with N Function objects
// (functions.eventflow.dev, replicas 0): the reconciler's cold reconcile, a controller restart
// over N unchanged Functions (time, and the writes the API server counted: expected 0), the
// repair of drift made by hand, and GET and LIST from the driver's cache versus direct API
// calls (API calls per read counted by the API server's own apiserver_request_total).
//
//   npm run bench:k8s                 1000 functions, 5 interleaved rounds, 20 repairs
//   npm run bench:k8s -- --quick      50 functions, 2 rounds, 5 repairs (CI smoke)
//   --functions N, --rounds N         override either
//
// The cluster is the one KUBECONFIG names, else a test control plane from hack/testenv/up.sh
// (binaries built by scripts/setup/60-k8s-testenv.sh). The driver is the built one
// (`npx tsc -b packages/controller` first). Progress on stderr; the last stdout line is the
// JSON result. Timings are reported, never asserted.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { randomBytes } from "node:crypto";
import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { createProgress, emitResult, machineInfo } from "../lib/report.mjs";
import { median, quantile, round } from "../lib/stats.mjs";
import {
  apiRequests,
  installFunctionCrd,
  isDriverRead,
  isReconcilerWrite,
  requestDelta,
  startCluster,
  sum,
} from "./cluster.mjs";
import { observeNamespace } from "./observer.mjs";
import { coldReconcile, createFunctions, repairDrift, restartReconcile } from "./reconcile.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const K8S = join(ROOT, "packages/controller/dist/drivers/kubernetes");
const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    functions: { type: "string" },
    rounds: { type: "string" },
  },
});
const N = Number(args.functions ?? (args.quick ? 50 : 1000));
const ROUNDS = Number(args.rounds ?? (args.quick ? 2 : 5));
const GETS = args.quick ? 100 : 2000;
const LISTS = args.quick ? 10 : 200;
const REPAIRS = Math.min(N, args.quick ? 5 : 20);
const progress = createProgress("k8s");
const { createKubernetesDriver } = await import(join(K8S, "index.js"));
const { buildFunctionCrd, FUNCTION_RESOURCE } = await import(join(K8S, "build-crd.js"));
const { buildFunctionObject } = await import(join(K8S, "reconcile/function-desired.js"));

async function timed(count, fn) {
  const samples = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await fn(i);
    samples.push(performance.now() - t0);
  }
  return { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99) };
}

/** Waits until the API server has seen no write to Functions or their objects for `quietMs`. */
async function settle(kc, quietMs, timeoutMs = 120_000) {
  const t0 = performance.now();
  let last = await apiRequests(kc);
  let since = performance.now();
  while (performance.now() - since < quietMs) {
    if (performance.now() - t0 > timeoutMs) throw new Error("the cluster never settled");
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = await apiRequests(kc);
    if (sum(requestDelta(last, now, isReconcilerWrite)) > 0) since = performance.now();
    last = now;
  }
}

const cluster = startCluster(ROOT);
const kc = new KubeConfig();
kc.loadFromFile(cluster.kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);
const NS = `ef-bench-${randomBytes(3).toString("hex")}`;
const fnApi = { ...FUNCTION_RESOURCE, namespace: NS };
const names = Array.from({ length: N }, (_, i) => `fn-${String(i).padStart(4, "0")}`);
const pick = (i) => names[(i * 7919) % N];
/** What the drivers logged as warnings (failed reconciles retried, informer restarts). */
const warnings = new Map();
const logger = {
  info() {},
  warn: (obj, msg) => {
    // A driver's close aborts its watches, which its cache reports like any watch failure.
    if (String(obj?.err).startsWith("AbortError")) return;
    warnings.set(msg, (warnings.get(msg) ?? 0) + 1);
    if ((warnings.get(msg) ?? 0) <= 3) progress(`driver warning: ${msg} ${JSON.stringify(obj)}`);
  },
  error: (obj, msg) => progress(`driver error: ${msg} ${JSON.stringify(obj)}`),
};
const newDriver = () =>
  createKubernetesDriver({ kubeconfig: kc, namespace: NS, leaderElection: false, logger });
let observer;
let driver;

try {
  progress("installing the Function CRD");
  await installFunctionCrd(kc, buildFunctionCrd());
  await core.createNamespace({ body: { metadata: { name: NS } } });
  observer = await observeNamespace(kc, NS, FUNCTION_RESOURCE);
  progress(`creating ${N} Function objects (replicas 0, tenant bench) in ${NS}`);
  const c0 = performance.now();
  await createFunctions(kc, {
    resource: FUNCTION_RESOURCE,
    namespace: NS,
    names,
    build: (name) =>
      buildFunctionObject(
        { tenant: "bench", name, image: "registry.invalid/eventflow/hello:1", replicas: 0 },
        { namespace: NS, name },
      ),
  });
  progress(`created in ${((performance.now() - c0) / 1000).toFixed(1)} s`);

  driver = newDriver();
  const cold = await coldReconcile(driver, observer, N);
  progress(
    `cold reconcile of ${N}: ${cold.reconcileS.toFixed(2)} s (driver start ${cold.startS.toFixed(2)} s)`,
  );
  const coldWarnings = Object.fromEntries(warnings);
  progress("waiting for the cluster to settle (no write for 2 s)");
  await settle(kc, 2_000);

  const rounds = [];
  let repairs = [];
  for (let r = 0; r < ROUNDS; r++) {
    // A controller restart: the previous driver closes, a new one starts and reconciles all.
    await driver?.close();
    driver = newDriver();
    const restart = await restartReconcile(kc, driver, { n: N, settleMs: 1_000 });
    const listed = (await driver.list("bench")).length;
    if (listed !== N) throw new Error(`the driver's cache holds ${listed} of ${N} functions`);
    // Interleaved: the cache arm then the direct arm, each round.
    const before = await apiRequests(kc);
    const get = await timed(GETS, (i) => driver.get("bench", pick(i)));
    const list = await timed(LISTS, () => driver.list("bench"));
    const informerCalls = sum(requestDelta(before, await apiRequests(kc), isDriverRead));
    if (r === ROUNDS - 1) {
      progress(`repairing drift made by hand on ${REPAIRS} functions`);
      repairs = await repairDrift(kc, observer, {
        namespace: NS,
        names: Array.from({ length: REPAIRS }, (_, i) => pick(i + 1)),
      });
    }
    await driver.close();
    driver = undefined;

    const beforeDirect = await apiRequests(kc);
    const directGet = await timed(GETS, (i) =>
      Promise.all([
        custom.getNamespacedCustomObject({ ...fnApi, name: pick(i) }),
        apps.readNamespacedDeployment({ name: pick(i), namespace: NS }),
      ]),
    );
    const directList = await timed(LISTS, () =>
      Promise.all([
        custom.listNamespacedCustomObject(fnApi),
        apps.listNamespacedDeployment({
          namespace: NS,
          labelSelector: "app.kubernetes.io/managed-by=eventflow",
        }),
      ]),
    );
    const directCalls = sum(requestDelta(beforeDirect, await apiRequests(kc), isDriverRead));
    const reads = GETS + LISTS;
    rounds.push({
      restart,
      get,
      list,
      directGet,
      directList,
      informerCallsPerRead: informerCalls / reads,
      directCallsPerRead: directCalls / reads,
    });
    const writes = Object.entries(restart.writes).map(([k, v]) => `${k} ${v}`);
    progress(
      `round ${r + 1}/${ROUNDS}: restart reconcile ${restart.reconcileS.toFixed(2)} s (cache sync ${restart.startS.toFixed(2)} s), ` +
        `writes ${writes.length ? writes.join(", ") : "0"}, GET p99 ${get.p99.toFixed(3)} ms (direct ${directGet.p99.toFixed(2)}), ` +
        `LIST(${N}) p99 ${list.p99.toFixed(2)} ms (direct ${directList.p99.toFixed(2)}), API calls/read ${(informerCalls / reads).toFixed(3)} (direct ${(directCalls / reads).toFixed(3)})`,
    );
  }

  const med = (f) => median(rounds.map(f));
  const max = (f) => Math.max(...rounds.map(f));
  const repairS = repairs.map((x) => x.s);
  const repairOf = (kind) => repairs.filter((x) => x.kind === kind).map((x) => x.s);
  const results = [
    {
      name: "informer",
      functions: N,
      get_p50_ms: round(
        med((r) => r.get.p50),
        4,
      ),
      get_p99_ms: round(
        med((r) => r.get.p99),
        4,
      ),
      list_p50_ms: round(
        med((r) => r.list.p50),
        3,
      ),
      list_p99_ms: round(
        med((r) => r.list.p99),
        3,
      ),
      api_calls_per_read: round(
        med((r) => r.informerCallsPerRead),
        4,
      ),
      sync_s: round(
        med((r) => r.restart.startS),
        3,
      ),
    },
    {
      name: "direct",
      functions: N,
      get_p50_ms: round(
        med((r) => r.directGet.p50),
        3,
      ),
      get_p99_ms: round(
        med((r) => r.directGet.p99),
        3,
      ),
      list_p50_ms: round(
        med((r) => r.directList.p50),
        3,
      ),
      list_p99_ms: round(
        med((r) => r.directList.p99),
        3,
      ),
      api_calls_per_read: round(
        med((r) => r.directCallsPerRead),
        4,
      ),
    },
    {
      name: "reconciler",
      functions: N,
      reconcile_cold_s: round(cold.reconcileS, 3),
      cold_driver_warnings: coldWarnings,
      driver_warnings: Object.fromEntries(warnings),
      reconcile_restart_s: round(
        med((r) => r.restart.reconcileS),
        3,
      ),
      reconcile_restart_max_s: round(
        max((r) => r.restart.reconcileS),
        3,
      ),
      restart_writes_per_object_max: round(
        max((r) => r.restart.writesPerObject),
        4,
      ),
      restart_reconciler_writes_max: max((r) => r.restart.reconcilerWrites),
      restart_reconciles_median: med((r) => r.restart.reconciles),
      repairs: repairs.length,
      repair_p50_s: round(quantile(repairS, 0.5), 3),
      repair_p95_s: round(quantile(repairS, 0.95), 3),
      repair_max_s: round(Math.max(...repairS), 3),
      repair_service_p50_s: round(quantile(repairOf("service"), 0.5), 3),
      repair_scale_p50_s: round(quantile(repairOf("scale"), 0.5), 3),
    },
  ];
  const [informer, , reconciler] = results;
  const ratios = {
    get_p99_ms: informer.get_p99_ms,
    list1000_p99_ms: informer.list_p99_ms,
    api_calls_per_read: informer.api_calls_per_read,
    sync1000_s: informer.sync_s,
    direct_vs_informer_list_p99: round(
      med((r) => r.directList.p99 / r.list.p99),
      3,
    ),
    reconcile_cold_1000_s: reconciler.reconcile_cold_s,
    reconcile_1000_s: reconciler.reconcile_restart_s,
    repair_p95_s: reconciler.repair_p95_s,
    patches_per_unchanged_object: reconciler.restart_writes_per_object_max,
  };
  if (N !== 1000)
    progress(`note: ${N} functions (--quick); the *1000 ratios are named for the full run`);
  emitResult({ bench: "k8s", machine: machineInfo(), results, ratios });
} finally {
  await driver?.close().catch(() => {});
  await observer?.stop().catch(() => {});
  await core.deleteNamespace({ name: NS }).catch(() => {});
  cluster.stop();
}
