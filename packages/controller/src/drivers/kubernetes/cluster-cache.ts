/**
 * List+watch caches (informers) of the driver's Deployments, pods and EndpointSlices, selected
 * by the managed-by label, either cluster-wide (a namespace per tenant) or in one namespace.
 * Every read of the driver comes from here: GET and LIST cost no API call.
 */
import {
  AppsV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  makeInformer,
  type Informer,
  type KubeConfig,
  type KubernetesObject,
  type ObjectCache,
  type V1Deployment,
  type V1Pod,
  type V1EndpointSlice,
} from "@kubernetes/client-node";
import type { Endpoint } from "../driver.js";
import { MANAGED_SELECTOR, keyOfLabels } from "./labels.js";

/** The informers' view of the cluster. */
export interface ClusterCache {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** All informers listed and none has failed since. */
  healthy(): boolean;
  deployment(namespace: string, name: string): V1Deployment | undefined;
  deployments(): readonly V1Deployment[];
  /** Pods of one function (key `tenant/name`). */
  pods(key: string): readonly V1Pod[];
  /** Ready endpoints of one function, rebuilt only when its EndpointSlices change. */
  endpoints(key: string): readonly Endpoint[];
  /** Called with the function key after any change of its objects. */
  onChange(listener: (key: string) => void): () => void;
}

/** Options of {@link createClusterCache}. */
export interface ClusterCacheOptions {
  readonly kubeConfig: KubeConfig;
  /** Watch only this namespace; all namespaces when undefined. */
  readonly namespace?: string;
  /** Delay before restarting a failed informer (doubles up to 8x; default 500 ms). */
  readonly restartDelayMs?: number;
  readonly onError?: (resource: string, error: unknown) => void;
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

export function createClusterCache(options: ClusterCacheOptions): ClusterCache {
  const kc = options.kubeConfig;
  const ns = options.namespace;
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  const labelSelector = MANAGED_SELECTOR;
  const scope = (group: string, resource: string) =>
    ns ? `${group}/namespaces/${ns}/${resource}` : `${group}/${resource}`;

  const deployments: Watched<V1Deployment> = makeInformer(
    kc,
    scope("/apis/apps/v1", "deployments"),
    () =>
      ns
        ? apps.listNamespacedDeployment({ namespace: ns, labelSelector })
        : apps.listDeploymentForAllNamespaces({ labelSelector }),
    labelSelector,
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

  const watched: [string, Watched<KubernetesObject>, ReturnType<typeof indexer>?][] = [
    ["deployments", deployments as Watched<KubernetesObject>],
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
    if (idx) {
      informer.on("add", idx.put);
      informer.on("update", idx.put);
      informer.on("delete", idx.drop);
    } else {
      const touch = (o: KubernetesObject) => notify(keyOfLabels(o.metadata?.labels));
      informer.on("add", touch);
      informer.on("update", touch);
      informer.on("delete", touch);
    }
    informer.on("error", (error) => {
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
      const bad = watched.findIndex((_, i) => !ok[i]);
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
    deployment: (namespace, name) => deployments.get(name, namespace),
    deployments: () => deployments.list(),
    pods: (key) => [...(podIndex.get(key)?.values() ?? [])],
    endpoints: (key) => endpointIndex.get(key) ?? EMPTY,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
