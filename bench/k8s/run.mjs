#!/usr/bin/env node
// bench:k8s — reads of the Kubernetes driver: GET and LIST of N functions from its informer
// caches versus direct API calls, API calls per read counted by the API server itself
// (apiserver_request_total), and the time an informer takes to sync N functions.
//
//   npm run bench:k8s                 1000 functions, 5 interleaved rounds
//   npm run bench:k8s -- --quick      100 functions, 3 rounds (CI smoke, well under a minute)
//
// The cluster is the one KUBECONFIG names, else a test control plane from hack/testenv/up.sh
// (binaries built by scripts/setup/60-k8s-testenv.sh). Progress on stderr; the last stdout line
// is the JSON result. Timings are reported, never asserted.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { randomBytes } from "node:crypto";
import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
} from "@kubernetes/client-node";
import { createProgress, emitResult, machineInfo } from "../lib/report.mjs";
import { median, quantile, round } from "../lib/stats.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DRIVER = join(ROOT, "packages/controller/dist/drivers/kubernetes/index.js");
const { values: args } = parseArgs({
  options: { quick: { type: "boolean", default: false }, functions: { type: "string" } },
});
const N = Number(args.functions ?? (args.quick ? 100 : 1000));
const ROUNDS = args.quick ? 3 : 5;
const GETS = args.quick ? 300 : 2000;
const LISTS = args.quick ? 30 : 200;
const progress = createProgress("k8s");
const { createKubernetesDriver, buildDeployment, FIELD_MANAGER } = await import(DRIVER);

function startCluster() {
  if (process.env.KUBECONFIG) return { kubeconfig: process.env.KUBECONFIG, stop() {} };
  const dir = mkdtempSync(join(tmpdir(), "eventflow-bench-k8s-"));
  const env = {
    ...process.env,
    EVENTFLOW_TESTENV_DIR: dir,
    EVENTFLOW_TESTENV_METRICS: "0",
    EVENTFLOW_TESTENV_NO_BUILD: "1",
  };
  execFileSync("bash", [join(ROOT, "hack/testenv/up.sh")], { env, stdio: ["ignore", 2, 2] });
  return {
    kubeconfig: join(dir, "kubeconfig"),
    stop() {
      execFileSync("bash", [join(ROOT, "hack/testenv/down.sh")], { env, stdio: ["ignore", 2, 2] });
      for (const e of readdirSync(dir))
        if (e !== "logs") rmSync(join(dir, e), { recursive: true, force: true });
    },
  };
}

/** Sum of the API server's own request counter for deployment GETs and LISTs. */
async function deploymentReads(kc) {
  const cluster = kc.getCurrentCluster();
  const { RequestContext, HttpMethod } = await import("@kubernetes/client-node");
  const ctx = new RequestContext(`${cluster.server}/metrics`, HttpMethod.GET);
  await kc.applySecurityAuthentication(ctx);
  const { fetch } = await import("undici");
  const text = await (
    await fetch(ctx.getUrl(), { headers: ctx.getHeaders(), dispatcher: ctx.getDispatcher() })
  ).text();
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith("apiserver_request_total{")) continue;
    if (!/resource="deployments"/.test(line) || !/verb="(GET|LIST)"/.test(line)) continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

async function timed(count, fn) {
  const samples = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await fn(i);
    samples.push(performance.now() - t0);
  }
  return { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99) };
}

const cluster = startCluster();
const kc = new KubeConfig();
kc.loadFromFile(cluster.kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const objects = KubernetesObjectApi.makeApiClient(kc);
const NS = `ef-bench-${randomBytes(3).toString("hex")}`;
const names = Array.from({ length: N }, (_, i) => `fn-${String(i).padStart(4, "0")}`);
const pick = (i) => names[(i * 7919) % N];

try {
  await core.createNamespace({ body: { metadata: { name: NS } } });
  progress(`creating ${N} functions (replicas 0) in ${NS}`);
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < N) {
        const name = names[next++];
        const spec = {
          tenant: "bench",
          name,
          image: "registry.invalid/eventflow/hello:1",
          replicas: 0,
        };
        await objects.patch(
          buildDeployment(spec, { ref: { namespace: NS, name } }),
          undefined,
          undefined,
          FIELD_MANAGER,
          true,
          PatchStrategy.ServerSideApply,
        );
      }
    }),
  );
  progress(`created in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Interleaved: the informer arm then the direct arm, each round.
    const driver = createKubernetesDriver({ kubeconfig: kc, namespace: NS });
    const s0 = performance.now();
    await driver.start();
    const listed = (await driver.list("bench")).length;
    const syncS = (performance.now() - s0) / 1000;
    if (listed !== N) throw new Error(`informer holds ${listed} of ${N} functions`);
    const before = await deploymentReads(kc);
    const get = await timed(GETS, (i) => driver.get("bench", pick(i)));
    const list = await timed(LISTS, () => driver.list("bench"));
    const informerCalls = (await deploymentReads(kc)) - before;
    await driver.close();

    const beforeDirect = await deploymentReads(kc);
    const directGet = await timed(GETS, (i) =>
      apps.readNamespacedDeployment({ name: pick(i), namespace: NS }),
    );
    const directList = await timed(LISTS, () =>
      apps.listNamespacedDeployment({
        namespace: NS,
        labelSelector: "app.kubernetes.io/managed-by=eventflow",
      }),
    );
    const directCalls = (await deploymentReads(kc)) - beforeDirect;
    const reads = GETS + LISTS;
    rounds.push({
      syncS,
      get,
      list,
      directGet,
      directList,
      informerCallsPerRead: informerCalls / reads,
      directCallsPerRead: directCalls / reads,
    });
    progress(
      `round ${r + 1}/${ROUNDS}: sync ${syncS.toFixed(2)} s, GET p99 ${get.p99.toFixed(3)} ms (direct ${directGet.p99.toFixed(2)}), ` +
        `LIST(${N}) p99 ${list.p99.toFixed(2)} ms (direct ${directList.p99.toFixed(2)}), API calls/read ${(informerCalls / reads).toFixed(3)} (direct ${(directCalls / reads).toFixed(3)})`,
    );
  }

  const med = (f) => median(rounds.map(f));
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
        med((r) => r.syncS),
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
  ];
  const ratios = {
    get_p99_ms: results[0].get_p99_ms,
    list1000_p99_ms: results[0].list_p99_ms,
    api_calls_per_read: results[0].api_calls_per_read,
    sync1000_s: results[0].sync_s,
    direct_vs_informer_list_p99: round(
      med((r) => r.directList.p99 / r.list.p99),
      3,
    ),
  };
  if (N !== 1000)
    progress(`note: ${N} functions (--quick); the *1000 ratios are named for the full run`);
  emitResult({ bench: "k8s", machine: machineInfo(), results, ratios });
} finally {
  await core.deleteNamespace({ name: NS }).catch(() => {});
  cluster.stop();
}
