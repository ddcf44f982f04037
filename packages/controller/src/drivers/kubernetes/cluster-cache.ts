/**
 * List+watch caches (informers) of everything the driver and its reconciler read: Function
 * objects, and the Deployments, Services, HPAs, pods, EndpointSlices and secret index
 * ConfigMaps selected by the managed-by label; either cluster-wide (a namespace per tenant) or
 * in one namespace. One watch per resource for the whole controller: API reads (GET, LIST) and
 * the reconciler cost no API call.
 */
import {
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  makeInformer,
  type Informer,
  type KubeConfig,
  type KubernetesObject,
  type ObjectCache,
  type V1ConfigMap,
  type V1Deployment,
  type V1Pod,
  type V1EndpointSlice,
  type V1Service,
  type V2HorizontalPodAutoscaler,
} from "@kubernetes/client-node";
import type { Endpoint } from "../driver.js";
import { FUNCTION_RESOURCE } from "./build-crd.js";
import { apiStatus } from "./errors.js";
import { secretIndexSelector } from "./build-secret.js";
import { MANAGED_SELECTOR, keyOfLabels } from "./labels.js";
import type { FunctionObject } from "./reconcile/function-desired.js";

/** The resources the cache watches, as its raw events name them. */
export type CachedResource =
  "functions" | "deployments" | "services" | "hpas" | "pods" | "endpointslices" | "secretindexes";

/** The informers' view of the cluster. */
export interface ClusterCache {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** All informers listed and none has failed since. */
  healthy(): boolean;
  function(namespace: string, name: string): FunctionObject | undefined;
  functions(): readonly FunctionObject[];
  deployment(namespace: string, name: string): V1Deployment | undefined;
  deployments(): readonly V1Deployment[];
  service(namespace: string, name: string): V1Service | undefined;
  hpa(namespace: string, name: string): V2HorizontalPodAutoscaler | undefined;
  /** Pods of one function (key `tenant/name`). */
  pods(key: string): readonly V1Pod[];
  /** Ready endpoints of one function, rebuilt only when its EndpointSlices change. */
  endpoints(key: string): readonly Endpoint[];
  /** Called with the function key after any change of its objects. */
  onChange(listener: (key: string) => void): () => void;
  /** Called with every add, update and delete the informers see (the reconciler's events). */
  onObject(listener: (resource: CachedResource, object: KubernetesObject) => void): () => void;
}

/** Options of {@link createClusterCache}. */
export interface ClusterCacheOptions {
  readonly kubeConfig: KubeConfig;
  /** Watch only this namespace; all namespaces when undefined. */
  readonly namespace?: string;
  /** Delay before restarting a failed informer (doubles up to 8x; default 500 ms). */
  readonly restartDelayMs?: number;
  readonly onError?: (resource: string, error: unknown) => void;
  /** How long a start waits out an API server answering 429 or 5xx (default 15 s). */
  readonly startRetryMs?: number;
  /** The function key (`tenant/name`) of a Function object, undefined when it has none. */
  readonly functionKey?: (fn: FunctionObject) => string | undefined;
}

const EMPTY: readonly Endpoint[] = Object.freeze([]);

/** Ready addresses of a function's slices as router endpoints (pure). */
export function endpointsFromSlices(slices: readonly V1EndpointSlice[]): readonly Endpoint[] {
  const out: Endpoint[] = [];
  const seen = new Set<string>();
  for (const slice of slices) {
    const port = slice.ports?.find((p) => p.name === "http")?.port ?? slice.ports?.[0]?.port;
    if (port === undefined || slice.addressType === "FQDN") continue;
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false || ep.conditions?.terminating === true) continue;
      const ip = ep.addresses[0];
      if (!ip) continue;
      const host = slice.addressType === "IPv6" ? `[${ip}]` : ip;
      const url = `http://${host}:${port}`;
      if (seen.has(url)) continue;
      seen.add(url);
      out.push({ replica: ep.targetRef?.name ?? ip, url });
    }
  }
  return out.sort((a, b) => (a.replica < b.replica ? -1 : a.replica > b.replica ? 1 : 0));
}

type Watched<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;

const isBusy = (error: unknown) => {
  const status = apiStatus(error);
  return status !== undefined && (status === 429 || status >= 500);
};

export function createClusterCache(options: ClusterCacheOptions): ClusterCache {
  const kc = options.kubeConfig;
  const ns = options.namespace;
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  const autoscaling = kc.makeApiClient(AutoscalingV2Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const { group, version, plural } = FUNCTION_RESOURCE;
  const labelSelector = MANAGED_SELECTOR;
  const scope = (group: string, resource: string) =>
    ns ? `${group}/namespaces/${ns}/${resource}` : `${group}/${resource}`;

  // Function objects carry no managed-by label when a person or a GitOps tool wrote them.
  const functions: Watched<FunctionObject> = makeInformer(
    kc,
    scope(`/apis/${group}/${version}`, plural),
    () =>
      ns
        ? custom.listNamespacedCustomObject({ group, version, namespace: ns, plural })
        : custom.listClusterCustomObject({ group, version, plural }),
  );
  const deployments: Watched<V1Deployment> = makeInformer(
    kc,
    scope("/apis/apps/v1", "deployments"),
    () =>
      ns
        ? apps.listNamespacedDeployment({ namespace: ns, labelSelector })
        : apps.listDeploymentForAllNamespaces({ labelSelector }),
    labelSelector,
  );
  const services: Watched<V1Service> = makeInformer(
    kc,
    scope("/api/v1", "services"),
    () =>
      ns
        ? core.listNamespacedService({ namespace: ns, labelSelector })
        : core.listServiceForAllNamespaces({ labelSelector }),
    labelSelector,
  );
  const hpas: Watched<V2HorizontalPodAutoscaler> = makeInformer(
    kc,
    scope("/apis/autoscaling/v2", "horizontalpodautoscalers"),
    () =>
      ns
        ? autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace: ns, labelSelector })
        : autoscaling.listHorizontalPodAutoscalerForAllNamespaces({ labelSelector }),
    labelSelector,
  );
  // A secret's values changing re-reconciles the functions that mount it.
  const indexSelector = secretIndexSelector();
  const secretIndexes: Watched<V1ConfigMap> = makeInformer(
    kc,
    scope("/api/v1", "configmaps"),
    () =>
      ns
        ? core.listNamespacedConfigMap({ namespace: ns, labelSelector: indexSelector })
        : core.listConfigMapForAllNamespaces({ labelSelector: indexSelector }),
    indexSelector,
  );
  const pods: Watched<V1Pod> = makeInformer(
    kc,
    scope("/api/v1", "pods"),
    () =>
      ns
        ? core.listNamespacedPod({ namespace: ns, labelSelector })
        : core.listPodForAllNamespaces({ labelSelector }),
    labelSelector,
  );
  // The EndpointSlice controller copies the Service's labels onto its slices.
  const slices: Watched<V1EndpointSlice> = makeInformer(
    kc,
    scope("/apis/discovery.k8s.io/v1", "endpointslices"),
    () =>
      ns
        ? discovery.listNamespacedEndpointSlice({ namespace: ns, labelSelector })
        : discovery.listEndpointSliceForAllNamespaces({ labelSelector }),
    labelSelector,
  );

  const podIndex = new Map<string, Map<string, V1Pod>>();
  const sliceIndex = new Map<string, Map<string, V1EndpointSlice>>();
  const endpointIndex = new Map<string, readonly Endpoint[]>();
  const listeners = new Set<(key: string) => void>();
  const objectListeners = new Set<(resource: CachedResource, o: KubernetesObject) => void>();
  const failed = new Set<string>();
  const synced = new Set<string>();
  let stopped = true;
  const timers = new Set<NodeJS.Timeout>();

  const notify = (key: string | undefined) => {
    if (key) for (const l of listeners) l(key);
  };
  const uid = (o: KubernetesObject) => `${o.metadata?.namespace}/${o.metadata?.name}`;

  function indexer<T extends KubernetesObject>(
    index: Map<string, Map<string, T>>,
    after?: (key: string) => void,
  ) {
    const put = (o: T) => {
      const key = keyOfLabels(o.metadata?.labels);
      if (!key) return;
      let m = index.get(key);
      if (!m) index.set(key, (m = new Map()));
      m.set(uid(o), o);
      after?.(key);
      notify(key);
    };
    const drop = (o: T) => {
      const key = keyOfLabels(o.metadata?.labels);
      if (!key) return;
      const m = index.get(key);
      m?.delete(uid(o));
      if (m?.size === 0) index.delete(key);
      after?.(key);
      notify(key);
    };
    return { put, drop };
  }

  const rebuildEndpoints = (key: string) => {
    const m = sliceIndex.get(key);
    if (!m) endpointIndex.delete(key);
    else endpointIndex.set(key, Object.freeze(endpointsFromSlices([...m.values()])));
  };

  const functionKeyOf =
    options.functionKey ?? ((fn: FunctionObject) => keyOfLabels(fn.metadata?.labels));
  const watched: [CachedResource, Watched<KubernetesObject>, ReturnType<typeof indexer>?][] = [
    ["functions", functions as Watched<KubernetesObject>],
    ["deployments", deployments as Watched<KubernetesObject>],
    ["services", services as Watched<KubernetesObject>],
    ["hpas", hpas as Watched<KubernetesObject>],
    ["secretindexes", secretIndexes as Watched<KubernetesObject>],
    [
      "pods",
      pods as Watched<KubernetesObject>,
      indexer(podIndex as Map<string, Map<string, KubernetesObject>>),
    ],
    [
      "endpointslices",
      slices as Watched<KubernetesObject>,
      indexer(sliceIndex as Map<string, Map<string, KubernetesObject>>, rebuildEndpoints),
    ],
  ];

  const attempts = new Map<string, number>();
  const lastError = new Map<string, unknown>();

  /** Lists and watches; failures arrive through the informer's error callback, not a throw. */
  async function startOne(name: string, informer: Watched<KubernetesObject>): Promise<boolean> {
    failed.delete(name);
    await informer.start();
    if (failed.has(name)) return false;
    synced.add(name);
    attempts.set(name, 0);
    return true;
  }

  function scheduleRestart(name: string, informer: Watched<KubernetesObject>) {
    if (stopped) return;
    const attempt = attempts.get(name) ?? 0;
    attempts.set(name, attempt + 1);
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        if (!stopped) void startOne(name, informer);
      },
      (options.restartDelayMs ?? 500) * 2 ** Math.min(attempt, 3),
    );
    timers.add(timer);
  }

  for (const [name, informer, idx] of watched) {
    const keyOf =
      name === "functions"
        ? (o: KubernetesObject) => functionKeyOf(o as FunctionObject)
        : (o: KubernetesObject) => keyOfLabels(o.metadata?.labels);
    const on = (update: (o: KubernetesObject) => void) => (o: KubernetesObject) => {
      if (idx) update(o);
      else notify(keyOf(o));
      for (const l of objectListeners) l(name, o);
    };
    informer.on("add", on(idx?.put ?? (() => {})));
    informer.on("update", on(idx?.put ?? (() => {})));
    informer.on("delete", on(idx?.drop ?? (() => {})));
    informer.on("error", (error) => {
      // stop() aborts every watch: that is no failure to report.
      if (stopped) return;
      options.onError?.(name, error);
      lastError.set(name, error);
      failed.add(name);
      scheduleRestart(name, informer);
    });
  }

  return {
    async start() {
      stopped = false;
      const ok = await Promise.all(watched.map(([name, informer]) => startOne(name, informer)));
      let bad = watched.findIndex((_, i) => !ok[i]);
      // An API server that answers "not now" (429 while a new CRD's storage initializes, a 5xx
      // while it starts) gets the informers' own restarts for a while; one that cannot be
      // reached or refuses (401, 403, 404: no CRD) fails the start at once.
      const until = Date.now() + (options.startRetryMs ?? 15_000);
      while (bad >= 0 && isBusy(lastError.get(watched[bad]![0])) && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 200));
        bad = watched.findIndex(([name]) => !synced.has(name) || failed.has(name));
      }
      if (bad >= 0) {
        const error = lastError.get(watched[bad]![0]);
        await this.stop();
        throw error;
      }
    },
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.all(watched.map(([, informer]) => informer.stop()));
    },
    healthy: () => !stopped && failed.size === 0 && synced.size === watched.length,
    function: (namespace, name) => functions.get(name, namespace),
    functions: () => functions.list(),
    deployment: (namespace, name) => deployments.get(name, namespace),
    deployments: () => deployments.list(),
    service: (namespace, name) => services.get(name, namespace),
    hpa: (namespace, name) => hpas.get(name, namespace),
    pods: (key) => [...(podIndex.get(key)?.values() ?? [])],
    endpoints: (key) => endpointIndex.get(key) ?? EMPTY,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onObject(listener) {
      objectListeners.add(listener);
      return () => objectListeners.delete(listener);
    },
  };
}
