import {
  CoreV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  type KubernetesObject,
  type V1Deployment,
} from "@kubernetes/client-node";
import { EventFlowError } from "@eventflow/protocol";
import type {
  Driver,
  Endpoint,
  FunctionStatus,
  LogLine,
  LogQuery,
  SecretMeta,
  SecretStore,
} from "../driver.js";
import { SERVICE_PORT } from "./build-service.js";
import {
  DEFAULT_TENANT_QUOTA,
  buildTenantNamespace,
  buildTenantPolicies,
  tenantNamespace,
  type TenantPolicy,
} from "./build-tenant.js";
import { createClusterCache, type ClusterCache } from "./cluster-cache.js";
import { toEventFlowError } from "./errors.js";
import { FIELD_MANAGER, LABEL, functionKey, type ObjectRef } from "./labels.js";
import { createFunctionObjects } from "./function-objects.js";
import { readFunctionLogs } from "./pod-logs.js";
import { loadKubeConfig, type KubernetesDriverOptions } from "./driver-options.js";
import { withSecretProblem } from "./secret-status.js";
import { createKubernetesSecretStore, resolveSecretRefs } from "./secret-store.js";
import { buildKubernetesStatus, specOf } from "./status.js";

export type { KubernetesDriverOptions };

/** The Kubernetes driver plus what its tests and the readiness probe need. */
export interface KubernetesDriver extends Driver {
  readonly name: "kubernetes";
  readonly secrets: SecretStore;
  /** Where a function's objects are. */
  refOf(tenant: string, name: string): ObjectRef;
}

/** How long a write waits for its own watch event before answering. */
const CACHE_WAIT_MS = 3_000;

const applyOpts = [
  undefined,
  undefined,
  FIELD_MANAGER,
  true,
  PatchStrategy.ServerSideApply,
] as const;

/** Creates the Kubernetes driver (no I/O until `start`). */
export function createKubernetesDriver(options: KubernetesDriverOptions = {}): KubernetesDriver {
  const kc = loadKubeConfig(options.kubeconfig);
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const core = kc.makeApiClient(CoreV1Api);
  const clock = options.clock ?? (() => new Date());
  const prefix = options.namespacePrefix ?? "eventflow-";
  const cache: ClusterCache = createClusterCache({
    kubeConfig: kc,
    ...(options.namespace ? { namespace: options.namespace } : {}),
    onError: (resource, error) =>
      options.logger?.warn({ resource, err: String(error) }, "informer failed; restarting"),
  });
  const ensuredNamespaces = new Set<string>();
  let started = false;

  const refOf = (tenant: string, name: string): ObjectRef => ({
    namespace: options.namespace ?? tenantNamespace(prefix, tenant),
    name,
  });

  async function call<T>(fn: string, action: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (error) {
      throw toEventFlowError(error, { function: fn, action });
    }
  }

  const apply = <T extends KubernetesObject>(body: T): Promise<T> =>
    objects.patch(body, ...applyOpts) as Promise<T>;

  function requireStarted(): void {
    if (!started)
      throw new EventFlowError("DRIVER_UNAVAILABLE", "the kubernetes driver is not started");
    if (!cache.healthy())
      throw new EventFlowError(
        "KUBERNETES_UNREACHABLE",
        "the Kubernetes API server is unreachable",
      );
  }

  /** The function's Deployment from the informer cache, checked against the tenant label. */
  function cached(tenant: string, name: string): V1Deployment | undefined {
    const ref = refOf(tenant, name);
    const d = cache.deployment(ref.namespace, ref.name);
    return d && d.metadata?.labels?.[LABEL.tenant] === tenant && !d.metadata.deletionTimestamp
      ? d
      : undefined;
  }

  function statusOf(d: V1Deployment): FunctionStatus {
    const spec = specOf(d);
    const key = spec ? functionKey(spec.tenant, spec.name) : "";
    const status = buildKubernetesStatus(d, cache.pods(key), clock().toISOString());
    if (!status) throw new EventFlowError("INTERNAL", "deployment without an EventFlow spec");
    return status;
  }

  function existing(tenant: string, name: string): V1Deployment {
    requireStarted();
    const d = cached(tenant, name);
    if (!d) throw new EventFlowError("FUNCTION_NOT_FOUND", `function ${name} not found`);
    return d;
  }

  async function ensureTenant(tenant: string): Promise<void> {
    if (options.namespace) return;
    const ns = tenantNamespace(prefix, tenant);
    if (ensuredNamespaces.has(ns)) return;
    await call(`${tenant}/*`, "ensure tenant namespace", async () => {
      await apply(buildTenantNamespace(ns, tenant));
      const policy: TenantPolicy = {
        quota: options.tenantPolicy?.quota ?? DEFAULT_TENANT_QUOTA,
        defaultRequests: options.tenantPolicy?.defaultRequests ?? { cpu: "100m", memory: "128Mi" },
        defaultLimits: options.tenantPolicy?.defaultLimits ?? { memory: "256Mi" },
        controllerNamespace: options.controllerNamespace ?? "eventflow-system",
      };
      for (const obj of buildTenantPolicies(ns, tenant, policy)) await apply(obj);
    });
    ensuredNamespaces.add(ns);
  }

  /**
   * Waits (briefly) until the informer holds what was just written, so a read right after a
   * write sees it; returns the cached copy, or the written one if the watch lags.
   */
  async function observed(written: V1Deployment): Promise<V1Deployment> {
    const spec = specOf(written);
    if (!spec) return written;
    const ref = refOf(spec.tenant, spec.name);
    const rv = written.metadata?.resourceVersion;
    const seen = () => {
      const d = cache.deployment(ref.namespace, ref.name);
      return (
        d !== undefined &&
        d.metadata?.uid === written.metadata?.uid &&
        (d.metadata?.resourceVersion === rv ||
          (d.metadata?.generation ?? 0) > (written.metadata?.generation ?? 0))
      );
    };
    await waitFor(functionKey(spec.tenant, spec.name), CACHE_WAIT_MS, seen);
    return (seen() ? cache.deployment(ref.namespace, ref.name) : undefined) ?? written;
  }

  const waitFor = (key: string, timeoutMs: number, ok: () => boolean) =>
    new Promise<boolean>((resolve) => {
      if (ok()) return resolve(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      const off = cache.onChange((k) => k === key && ok() && done(true));
      function done(value: boolean) {
        clearTimeout(timer);
        off();
        resolve(value);
      }
    });

  /** Rolls the tenant's functions that use a rewritten secret (the digest on their pods changes). */
  async function rollUsers(meta: SecretMeta): Promise<void> {
    for (const d of cache.deployments()) {
      const spec = specOf(d);
      if (!spec || spec.tenant !== meta.tenant || !cached(spec.tenant, spec.name)) continue;
      if (!spec.secrets?.some((s) => s.name === meta.name)) continue;
      try {
        await write(spec, spec.scaling ? undefined : d.spec?.replicas);
      } catch (error) {
        // One function that cannot roll (another of its secrets is gone) stops no other.
        options.logger?.warn(
          { function: functionKey(spec.tenant, spec.name), secret: meta.name, err: String(error) },
          "could not roll a function after its secret changed",
        );
      }
    }
  }

  const fnObjects = createFunctionObjects({
    objects,
    apply,
    refOf,
    deployment: {
      ...(options.imagePullSecrets ? { imagePullSecrets: options.imagePullSecrets } : {}),
      ...(options.podAnnotations ? { podAnnotations: options.podAnnotations } : {}),
    },
    resolveSecrets: (spec) => resolveSecretRefs(secrets, spec),
  });
  const write = fnObjects.write;

  const secrets = createKubernetesSecretStore({
    core,
    apply,
    namespaceOf: (tenant) => refOf(tenant, "").namespace,
    sharedNamespace: options.namespace !== undefined,
    ensureTenant,
    onReplaced: rollUsers,
    clock,
  });

  function endpointsOf(tenant: string, name: string): readonly Endpoint[] {
    const key = functionKey(tenant, name);
    if (options.endpointMode !== "service") return cache.endpoints(key);
    const d = cached(tenant, name);
    if (!d || (d.status?.readyReplicas ?? 0) === 0) return [];
    const ref = refOf(tenant, name);
    return [{ replica: ref.name, url: `http://${ref.name}.${ref.namespace}.svc:${SERVICE_PORT}` }];
  }

  const driver: KubernetesDriver = {
    name: "kubernetes",
    secrets,
    refOf,
    ready: () => started && cache.healthy(),
    async start() {
      try {
        await cache.start();
      } catch (error) {
        throw toEventFlowError(error, { action: "start informers" });
      }
      started = true;
    },
    async close() {
      started = false;
      await cache.stop();
    },
    async create(spec) {
      requireStarted();
      if (cached(spec.tenant, spec.name) || (await fnObjects.readLive(spec.tenant, spec.name)))
        throw new EventFlowError("FUNCTION_ALREADY_EXISTS", `function ${spec.name} already exists`);
      const metas = await resolveSecretRefs(secrets, spec);
      await ensureTenant(spec.tenant);
      return statusOf(await observed(await write(spec, undefined, metas)));
    },
    async update(spec) {
      existing(spec.tenant, spec.name);
      return statusOf(await observed(await write(spec)));
    },
    async scale(tenant, name, replicas) {
      const spec = specOf(existing(tenant, name));
      if (!spec) throw new EventFlowError("FUNCTION_NOT_FOUND", `function ${name} not found`);
      return statusOf(await observed(await write({ ...spec, replicas })));
    },
    async delete(tenant, name) {
      existing(tenant, name);
      await fnObjects.remove(tenant, name);
      await waitFor(functionKey(tenant, name), CACHE_WAIT_MS, () => !cached(tenant, name));
    },
    async get(tenant, name) {
      return withSecretProblem(statusOf(existing(tenant, name)), secrets, clock().toISOString());
    },
    async list(tenant) {
      requireStarted();
      const out: FunctionStatus[] = [];
      for (const d of cache.deployments()) {
        if (d.metadata?.deletionTimestamp) continue;
        const owner = d.metadata?.labels?.[LABEL.tenant];
        if (!owner || (tenant !== undefined && owner !== tenant)) continue;
        // Only the tenant's own namespace counts (another mode's objects may share labels).
        if (d.metadata?.namespace !== refOf(owner, d.metadata?.name ?? "").namespace) continue;
        if (specOf(d)) out.push(statusOf(d));
      }
      const now = clock().toISOString();
      const checked = await Promise.all(out.map((s) => withSecretProblem(s, secrets, now)));
      return checked.sort((a, b) =>
        a.tenant === b.tenant ? a.name.localeCompare(b.name) : a.tenant.localeCompare(b.tenant),
      );
    },
    endpoints: endpointsOf,
    async waitForEndpoint(tenant, name, timeoutMs) {
      const d = existing(tenant, name);
      const now = endpointsOf(tenant, name);
      if (now[0]) return now[0];
      const spec = specOf(d);
      if (spec && !spec.scaling && (d.spec?.replicas ?? 0) === 0) await write(spec, 1);
      const key = functionKey(tenant, name);
      if (await waitFor(key, timeoutMs, () => endpointsOf(tenant, name).length > 0))
        return endpointsOf(tenant, name)[0]!;
      const current = cached(tenant, name);
      const problem = current ? statusOf(current).last_error : undefined;
      if (problem?.code === "FUNCTION_CRASH_LOOP")
        throw new EventFlowError("FUNCTION_CRASH_LOOP", `function ${name}: ${problem.message}`);
      throw new EventFlowError("FUNCTION_NOT_READY", `function ${name} has no ready replica`);
    },
    logs(tenant, name, query: LogQuery): AsyncIterable<LogLine> {
      existing(tenant, name);
      const key = functionKey(tenant, name);
      return readFunctionLogs(
        {
          kubeConfig: kc,
          namespace: refOf(tenant, name).namespace,
          pods: () => cache.pods(key),
          onPodsChange: (listener) => cache.onChange((k) => k === key && listener()),
        },
        query,
      );
    },
  };
  return driver;
}
