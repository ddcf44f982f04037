// The bench's cluster: a test control plane (or the one KUBECONFIG names), the Function CRD
// installed in it, and the API server's own request counter (apiserver_request_total).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ApiextensionsV1Api,
  CustomObjectsApi,
  HttpMethod,
  KubernetesObjectApi,
  PatchStrategy,
  RequestContext,
} from "@kubernetes/client-node";
import { fetch } from "undici";

/** KUBECONFIG's cluster, else a new test control plane (stopped by `stop()`). */
export function startCluster(root) {
  if (process.env.KUBECONFIG) return { kubeconfig: process.env.KUBECONFIG, stop() {} };
  const dir = mkdtempSync(join(tmpdir(), "eventflow-bench-k8s-"));
  const env = {
    ...process.env,
    EVENTFLOW_TESTENV_DIR: dir,
    EVENTFLOW_TESTENV_METRICS: "0",
    EVENTFLOW_TESTENV_NO_BUILD: "1",
  };
  const run = (script) =>
    execFileSync("bash", [join(root, "hack/testenv", script)], { env, stdio: ["ignore", 2, 2] });
  try {
    run("up.sh");
  } catch (error) {
    run("down.sh");
    throw error;
  }
  return {
    kubeconfig: join(dir, "kubeconfig"),
    stop() {
      run("down.sh");
      for (const e of readdirSync(dir))
        if (e !== "logs") rmSync(join(dir, e), { recursive: true, force: true });
    },
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what, timeoutMs, check) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/**
 * Server-side applies the Function CRD (`crd`, from the driver's buildFunctionCrd) and waits
 * until it is Established and Function objects are served: a new CRD's storage answers 429
 * for a moment after Established.
 */
export async function installFunctionCrd(kc, crd) {
  await KubernetesObjectApi.makeApiClient(kc).patch(
    crd,
    undefined,
    undefined,
    "eventflow-bench",
    true,
    PatchStrategy.ServerSideApply,
  );
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  await until("the Function CRD to be Established", 60_000, async () => {
    const live = await ext.readCustomResourceDefinition({ name: crd.metadata.name });
    return live.status?.conditions?.some((c) => c.type === "Established" && c.status === "True");
  });
  const custom = kc.makeApiClient(CustomObjectsApi);
  const { group, versions, names } = crd.spec;
  await until("Function objects to be served", 60_000, async () => {
    await custom.listClusterCustomObject({
      group,
      version: versions[0].name,
      plural: names.plural,
      limit: 1,
    });
    return true;
  });
}

/**
 * The API server's apiserver_request_total as rows `{ verb, resource, subresource, count }`
 * (resource requests only; the counter is the API server's own, whoever the client is).
 */
export async function apiRequests(kc) {
  const ctx = new RequestContext(`${kc.getCurrentCluster().server}/metrics`, HttpMethod.GET);
  await kc.applySecurityAuthentication(ctx);
  const res = await fetch(ctx.getUrl(), {
    headers: ctx.getHeaders(),
    dispatcher: ctx.getDispatcher(),
  });
  const text = await res.text();
  const rows = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("apiserver_request_total{")) continue;
    const label = (name) => new RegExp(`[{,]${name}="([^"]*)"`).exec(line)?.[1] ?? "";
    if (!label("resource")) continue;
    rows.push({
      verb: label("verb"),
      resource: label("resource"),
      subresource: label("subresource"),
      count: Number(line.slice(line.lastIndexOf(" ") + 1)),
    });
  }
  return rows;
}

const keyOf = (r) => `${r.resource}${r.subresource ? `/${r.subresource}` : ""} ${r.verb}`;

/** Per `resource[/subresource] VERB`, what the counter grew by between two readings. */
export function requestDelta(before, after, keep = () => true) {
  const totals = (rows) => {
    const m = new Map();
    for (const r of rows) if (keep(r)) m.set(keyOf(r), (m.get(keyOf(r)) ?? 0) + r.count);
    return m;
  };
  const base = totals(before);
  const out = {};
  for (const [k, n] of totals(after)) if (n > (base.get(k) ?? 0)) out[k] = n - (base.get(k) ?? 0);
  return out;
}

export const sum = (delta) => Object.values(delta).reduce((a, b) => a + b, 0);

/** Writes to what the reconciler owns: Functions (and their status) and derived objects. */
export const isReconcilerWrite = (r) =>
  /^(PATCH|POST|PUT|DELETE)$/.test(r.verb) &&
  /^(functions|deployments|services|horizontalpodautoscalers)$/.test(r.resource);

/**
 * Reads of what the driver caches (not the control plane's own reads, such as its components'
 * Lease renewals).
 */
export const isDriverRead = (r) =>
  (r.verb === "GET" || r.verb === "LIST") &&
  /^(functions|deployments|services|horizontalpodautoscalers|pods|endpointslices|configmaps|secrets)$/.test(
    r.resource,
  );
