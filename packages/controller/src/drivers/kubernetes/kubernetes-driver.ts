import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  type V1Deployment,
} from "@kubernetes/client-node";
import {
  EventFlowError,
  revisionOfWorkload,
  mergeFunctionEvents,
  replicasAfterUpdate,
  resolveScaling,
} from "@eventflow/protocol";
import type {
  AutoscaledFunction,
  Driver,
  Endpoint,
  FunctionSpec,
  FunctionStatus,
  LogLine,
  LogQuery,
  SecretMeta,
  SecretStore,
} from "../driver.js";
import { serverSideApply } from "./apply.js";
import { adoptLegacyDeployments } from "./adopt.js";
import { FUNCTION_RESOURCE } from "./build-crd.js";
import { buildDeployment } from "./build-deployment.js";
import { SERVICE_PORT } from "./build-service.js";
import {
  DEFAULT_TENANT_QUOTA,
  buildTenantNamespace,
  buildTenantPolicies,
  tenantNamespace,
  type TenantPolicy,
} from "./build-tenant.js";
import { createClusterCache, type ClusterCache } from "./cluster-cache.js";
import { apiStatus, toEventFlowError } from "./errors.js";
import { functionKey, type ObjectRef } from "./labels.js";
import { createFunctionObjects } from "./function-objects.js";
import { createFunctionResource } from "./function-resource.js";
import { readFunctionLogs } from "./pod-logs.js";
import { createEventLists } from "./event-lists.js";
import { buildFunctionEvents } from "./function-events.js";
import { toRevisionEvents } from "../revision-events.js";
import { loadKubeConfig, type KubernetesDriverOptions } from "./driver-options.js";
import { createFunctionReconciler, type ReconcilerStats } from "./reconcile/index.js";
import { createReconcilerLeadership } from "./reconcile/leadership.js";
import {
  buildFunctionObject,
  functionSpecOf,
  tenantOf,
  type FunctionObject,
  type TenantSource,
} from "./reconcile/function-desired.js";
import { withSecretProblem } from "./secret-status.js";
import { createScaleFromZero } from "./scale-from-zero.js";
import { createKubernetesRevisionStore } from "./revision-store.js";
import { createKubernetesSecretStore, resolveSecretRefs } from "./secret-store.js";
import { buildKubernetesStatus, functionOnlyStatus } from "./status.js";

export type { KubernetesDriverOptions };

/** The Kubernetes driver plus what its tests and the readiness probe need. */
export interface KubernetesDriver extends Driver {
  readonly name: "kubernetes";
  readonly secrets: SecretStore;
  /** Where a function's objects are. */
  refOf(tenant: string, name: string): ObjectRef;
  /** Whether this controller runs the reconciler now (holds the lease). */
  leading(): boolean;
  /**
   * What this controller's reconciler has done since the driver was created (reconciles and
   * the writes it made) and how many keys wait in its queue (not those being reconciled), read
   * only: how bench:k8s sees a restart's reconcile of unchanged Functions end, which no API
   * call shows.
   */
  reconcilerStats(): Readonly<ReconcilerStats> & { readonly pending: number };
}

/** How long a write waits for the reconciler to have applied it before answering. */
const CACHE_WAIT_MS = 3_000;

/** Creates the Kubernetes driver (no I/O until `start`). */
export function createKubernetesDriver(options: KubernetesDriverOptions = {}): KubernetesDriver {
  const kc = loadKubeConfig(options.kubeconfig);
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const { group, plural } = FUNCTION_RESOURCE;
  const clock = options.clock ?? (() => new Date());
  const prefix = options.namespacePrefix ?? "eventflow-";
  const tenants: TenantSource = options.namespace
    ? { kind: "label" }
    : { kind: "namespace", prefix };
  const cache: ClusterCache = createClusterCache({
    kubeConfig: kc,
    ...(options.namespace ? { namespace: options.namespace } : {}),
    functionKey: (fn) => {
      const tenant = tenantOf(fn, tenants);
      return tenant ? functionKey(tenant, fn.metadata?.name ?? "") : undefined;
    },
    onError: (resource, error) =>
      options.logger?.warn({ resource, err: String(error) }, "informer failed; restarting"),
  });
  const ensuredNamespaces = new Set<string>();
  let started = false;

  const refOf = (tenant: string, name: string): ObjectRef => ({
    namespace: options.namespace ?? tenantNamespace(prefix, tenant),
    name,
  });

  const eventLists = createEventLists((namespace) => core.listNamespacedEvent({ namespace }));
  async function call<T>(fn: string, action: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (error) {
      throw toEventFlowError(error, { function: fn, action });
    }
  }

  const apply = serverSideApply(objects);

  function requireStarted(): void {
    if (!started)
      throw new EventFlowError("DRIVER_UNAVAILABLE", "the kubernetes driver is not started");
    if (!cache.healthy())
      throw new EventFlowError(
        "KUBERNETES_UNREACHABLE",
        "the Kubernetes API server is unreachable",
      );
  }

  /** The tenant's Function from the informer cache (not one being deleted). */
  function cachedFunction(tenant: string, name: string): FunctionObject | undefined {
    const ref = refOf(tenant, name);
    const fn = cache.function(ref.namespace, ref.name);
    return fn && !fn.metadata?.deletionTimestamp && tenantOf(fn, tenants) === tenant
      ? fn
      : undefined;
  }

  // Specs parsed from cached objects; an update replaces the object, so its entry goes too.
  const parsed = new WeakMap<FunctionObject, FunctionSpec | EventFlowError>();
  function specFor(fn: FunctionObject): FunctionSpec | EventFlowError {
    let spec = parsed.get(fn);
    if (spec === undefined) {
      try {
        spec = functionSpecOf(fn, tenants, options.limits);
      } catch (error) {
        spec =
          error instanceof EventFlowError ? error : new EventFlowError("INTERNAL", String(error));
      }
      parsed.set(fn, spec);
    }
    return spec;
  }

  /** The Function's own Deployment (owned by it) from the cache. */
  function deploymentOf(fn: FunctionObject): V1Deployment | undefined {
    const d = cache.deployment(fn.metadata?.namespace ?? "", fn.metadata?.name ?? "");
    const owner = d?.metadata?.ownerReferences?.find((o) => o.controller);
    return d && owner?.uid === fn.metadata?.uid && !d.metadata?.deletionTimestamp ? d : undefined;
  }

  function statusOf(fn: FunctionObject): FunctionStatus {
    const tenant = tenantOf(fn, tenants) ?? "";
    const spec = specFor(fn);
    const now = clock().toISOString();
    const d = deploymentOf(fn);
    if (d && !(spec instanceof EventFlowError)) {
      const status = buildKubernetesStatus(
        d,
        cache.pods(functionKey(tenant, spec.name)),
        now,
        spec,
      );
      if (status) return status;
    }
    return functionOnlyStatus(fn, tenant, spec, now);
  }

  function existing(tenant: string, name: string): FunctionObject {
    requireStarted();
    const fn = cachedFunction(tenant, name);
    if (!fn) throw new EventFlowError("FUNCTION_NOT_FOUND", `function ${name} not found`);
    return fn;
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

  /**
   * Waits (briefly) until the reconciler has applied what was just written (the Function's
   * status observed its generation), so an answer describes the objects it made; returns the
   * cached Function, or the written one if the watch or the reconciler lags.
   */
  async function settled(written: FunctionObject): Promise<FunctionObject> {
    const tenant = tenantOf(written, tenants) ?? "";
    const name = written.metadata?.name ?? "";
    const generation = written.metadata?.generation ?? 0;
    const seen = () => {
      const fn = cachedFunction(tenant, name);
      return fn?.metadata?.uid === written.metadata?.uid &&
        (fn?.status?.observedGeneration ?? -1) >= generation
        ? fn
        : undefined;
    };
    await waitFor(functionKey(tenant, name), CACHE_WAIT_MS, () => seen() !== undefined);
    return seen() ?? cachedFunction(tenant, name) ?? written;
  }

  const deploymentOptions = {
    ...(options.imagePullSecrets ? { imagePullSecrets: options.imagePullSecrets } : {}),
    ...(options.podAnnotations ? { podAnnotations: options.podAnnotations } : {}),
  };
  const fnObjects = createFunctionObjects({
    objects,
    apply,
    refOf,
    deployment: deploymentOptions,
    resolveSecrets: (spec) => resolveSecretRefs(secrets, spec),
  });

  /**
   * What the API server would say to the spec's Deployment (a server-side dry run): an invalid
   * object is refused before the Function is written, as the API always did.
   */
  async function check(spec: FunctionSpec, metas: ReadonlyMap<string, SecretMeta>): Promise<void> {
    const ref = refOf(spec.tenant, spec.name);
    await call(functionKey(spec.tenant, spec.name), "apply Deployment", () =>
      apply(buildDeployment(spec, { ref, ...deploymentOptions, secrets: metas }), {
        dryRun: true,
      }),
    );
  }

  const functions = createFunctionResource(custom);

  const secrets = createKubernetesSecretStore({
    core,
    apply,
    namespaceOf: (tenant) => refOf(tenant, "").namespace,
    sharedNamespace: options.namespace !== undefined,
    ensureTenant,
    clock,
  });

  const revisions = createKubernetesRevisionStore({
    apps: kc.makeApiClient(AppsV1Api),
    // Right after a create the informer may not have the Function yet.
    async owner(tenant, name) {
      const cached = cachedFunction(tenant, name);
      if (cached) return cached;
      const live = await functions.read(refOf(tenant, name));
      return live && !live.metadata?.deletionTimestamp && tenantOf(live, tenants) === tenant
        ? live
        : undefined;
    },
  });

  const reconciler = createFunctionReconciler({
    kubeConfig: kc,
    cache,
    tenants,
    deployment: deploymentOptions,
    secrets,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.reconciler ?? {}),
    onError: (key, error) =>
      options.logger?.warn({ function: key, err: String(error) }, "reconcile failed; retrying"),
  });

  const leadership = createReconcilerLeadership({
    kubeConfig: kc,
    election: options.leaderElection ?? {},
    namespace: options.controllerNamespace ?? "eventflow-system",
    reconciler,
    // Functions of the previous version become Function objects before anything reconciles.
    beforeLeading: () =>
      adoptLegacyDeployments({
        cache,
        refOf,
        create: functions.create,
        ...(options.logger ? { logger: options.logger } : {}),
      }),
    ...(options.logger ? { logger: options.logger } : {}),
  });

  const fromZero = createScaleFromZero({
    cache,
    functions,
    waitFor,
    ...(options.endpointMode ? { endpointMode: options.endpointMode } : {}),
  });

  function endpointsOf(tenant: string, name: string): readonly Endpoint[] {
    if (options.endpointMode !== "service") return fromZero.podEndpoints(functionKey(tenant, name));
    const fn = cachedFunction(tenant, name);
    const d = fn && deploymentOf(fn);
    if (!d || (d.status?.readyReplicas ?? 0) === 0) return [];
    const ref = refOf(tenant, name);
    return [{ replica: ref.name, url: `http://${ref.name}.${ref.namespace}.svc:${SERVICE_PORT}` }];
  }

  const driver: KubernetesDriver = {
    name: "kubernetes",
    secrets,
    revisions,
    refOf,
    leading: () => leadership.leading(),
    reconcilerStats: () => ({ ...reconciler.stats(), pending: reconciler.pending() }),
    ready: () => started && cache.healthy(),
    async start() {
      try {
        await cache.start();
      } catch (error) {
        // The first list that fails is the Function objects': 404 is a cluster without the CRD.
        if (apiStatus(error) === 404)
          throw new EventFlowError(
            "DRIVER_UNAVAILABLE",
            `the Function resource (${plural}.${group}) is not installed in the cluster: apply it first with kubectl apply --server-side -f deploy/kustomize/base/crd-functions.yaml (the Helm chart installs it from its crds/)`,
            { cause: error },
          );
        throw toEventFlowError(error, { action: "start informers" });
      }
      started = true;
      await leadership.start();
    },
    async draining() {
      // Another replica takes over reconciling at once instead of after the lease expires.
      await leadership.release();
    },
    async close() {
      started = false;
      await leadership.stop();
      await cache.stop();
      await fromZero.close();
    },
    async create(spec) {
      requireStarted();
      const ref = refOf(spec.tenant, spec.name);
      // Any Function of that name in the namespace (another tenant's when they share one), or
      // a Deployment not adopted yet.
      if (
        cache.function(ref.namespace, ref.name) ||
        (await fnObjects.readLive(spec.tenant, spec.name))
      )
        throw new EventFlowError("FUNCTION_ALREADY_EXISTS", `function ${spec.name} already exists`);
      const metas = await resolveSecretRefs(secrets, spec);
      await ensureTenant(spec.tenant);
      await check(spec, metas);
      const revision = revisionOfWorkload(spec.name);
      const owner =
        revision === undefined ? undefined : cache.function(ref.namespace, revision.function);
      const written = await functions.create(ref, buildFunctionObject(spec, ref, owner));
      return statusOf(await settled(written));
    },
    async update(spec) {
      const current = existing(spec.tenant, spec.name);
      const metas = await resolveSecretRefs(secrets, spec);
      await check(spec, metas);
      const ref = refOf(spec.tenant, spec.name);
      const live = (current.spec as { replicas?: number } | undefined)?.replicas ?? spec.replicas;
      const next = { ...spec, replicas: replicasAfterUpdate(spec, live) };
      const written = await functions.replaceSpec(current, buildFunctionObject(next, ref));
      return statusOf(await settled(written));
    },
    async scale(tenant, name, replicas) {
      const fn = existing(tenant, name);
      // A replica that could not get its secrets is refused before anything changes.
      const spec = specFor(fn);
      if (!(spec instanceof EventFlowError)) await resolveSecretRefs(secrets, spec);
      return statusOf(await settled(await functions.patchReplicas(fn, replicas)));
    },
    async delete(tenant, name) {
      existing(tenant, name);
      const ref = refOf(tenant, name);
      const key = functionKey(tenant, name);
      await functions.remove(ref);
      // Its objects go by owner reference; the Deployment is deleted now so no invoke reaches
      // a replica of a function that is gone while the garbage collector catches up.
      await fnObjects.remove(tenant, name).catch((error: unknown) => {
        if (!(error instanceof EventFlowError && error.status === 404)) throw error;
      });
      await waitFor(key, CACHE_WAIT_MS, () => !cachedFunction(tenant, name));
    },
    async get(tenant, name) {
      return withSecretProblem(statusOf(existing(tenant, name)), secrets, clock().toISOString());
    },
    invokeInfo(tenant, name) {
      if (!started || !cache.healthy()) return undefined;
      const fn = cachedFunction(tenant, name);
      const spec = fn === undefined ? undefined : specFor(fn);
      if (fn === undefined || spec === undefined || spec instanceof EventFlowError)
        return undefined;
      // The creation time statusOf reports: the Deployment's, before it exists the Function's.
      const stamp = (deploymentOf(fn) ?? fn).metadata?.creationTimestamp;
      return stamp ? { spec, created_at: new Date(stamp).toISOString() } : undefined;
    },
    async list(tenant) {
      requireStarted();
      const out: FunctionStatus[] = [];
      for (const fn of cache.functions()) {
        if (fn.metadata?.deletionTimestamp) continue;
        const owner = tenantOf(fn, tenants);
        if (!owner || (tenant !== undefined && owner !== tenant)) continue;
        // Only the tenant's own namespace counts (another mode's objects may share labels).
        if (fn.metadata?.namespace !== refOf(owner, fn.metadata?.name ?? "").namespace) continue;
        out.push(statusOf(fn));
      }
      const now = clock().toISOString();
      const checked = await Promise.all(out.map((s) => withSecretProblem(s, secrets, now)));
      return checked.sort((a, b) =>
        a.tenant === b.tenant ? a.name.localeCompare(b.name) : a.tenant.localeCompare(b.tenant),
      );
    },
    endpoints: endpointsOf,
    async waitForEndpoint(tenant, name, timeoutMs) {
      const fn = existing(tenant, name);
      const now = endpointsOf(tenant, name);
      if (now[0]) return now[0];
      const spec = specFor(fn);
      const woken = await fromZero.wake({
        fn,
        ...(spec instanceof EventFlowError ? {} : { spec }),
        key: functionKey(tenant, name),
        timeoutMs,
        ready: () => endpointsOf(tenant, name).length > 0,
      });
      if (woken) return endpointsOf(tenant, name)[0]!;
      const current = cachedFunction(tenant, name);
      const problem = current ? statusOf(current).last_error : undefined;
      if (problem?.code === "FUNCTION_CRASH_LOOP")
        throw new EventFlowError("FUNCTION_CRASH_LOOP", `function ${name}: ${problem.message}`);
      throw new EventFlowError("FUNCTION_NOT_READY", `function ${name} has no ready replica`);
    },
    autoscaled() {
      if (!started) return [];
      const out: AutoscaledFunction[] = [];
      for (const fn of cache.functions()) {
        if (fn.metadata?.deletionTimestamp) continue;
        const tenant = tenantOf(fn, tenants);
        const spec = specFor(fn);
        if (tenant === undefined || spec instanceof EventFlowError) continue;
        const scaling = resolveScaling(spec);
        if (scaling.mode !== "request") continue;
        const endpoints = endpointsOf(tenant, spec.name);
        out.push({ tenant, name: spec.name, scaling, replicas: spec.replicas, endpoints });
      }
      return out;
    },
    async setReplicas(tenant, name, replicas) {
      await functions.setScale(existing(tenant, name), replicas);
    },
    async events(tenant, name) {
      existing(tenant, name);
      const { namespace } = refOf(tenant, name);
      // Read on demand, no watch: a namespace holds Events of the last hour only (the API
      // server's --event-ttl); one list per namespace serves every caller for 2 s.
      const [list, revs] = await Promise.all([
        call(name, "list events", () => eventLists(namespace)),
        revisions.list(tenant, name),
      ]);
      const pods = cache.pods(functionKey(tenant, name));
      return mergeFunctionEvents([
        buildFunctionEvents({ name, events: list.items, pods }),
        toRevisionEvents(revs),
      ]);
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
