/**
 * The Function reconciler (not wired into the driver yet): informers on Functions and on the
 * Deployments, Services, HPAs and pods EventFlow labels; any event enqueues the owning
 * Function's key (`namespace/name`, the owned objects share the Function's name); workers
 * reconcile one key at a time: validate the Function, apply each derived object only when the
 * cached one does not already hold what the builders make, and write `status` through the
 * /status subresource only when it changes. A resync re-enqueues every Function.
 */
import {
  ApiException,
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  makeInformer,
  setHeaderOptions,
  type Informer,
  type KubeConfig,
  type KubernetesObject,
  type ObjectCache,
  type V1Deployment,
  type V1Pod,
  type V1Service,
  type V2HorizontalPodAutoscaler,
} from "@kubernetes/client-node";
import { EventFlowError } from "@eventflow/protocol";
import type { FunctionSpecLimits } from "@eventflow/protocol/function-spec";
import type { FunctionSpec, SecretStore } from "../../driver.js";
import { FUNCTION_RESOURCE } from "../build-crd.js";
import { buildDeployment, type DeploymentOptions } from "../build-deployment.js";
import { buildHpa, buildService } from "../build-service.js";
import { apiStatus, toEventFlowError } from "../errors.js";
import { resolveSecretRefs } from "../secret-store.js";
import { FIELD_MANAGER, LABEL, MANAGED_SELECTOR } from "../labels.js";
import {
  checkTakeOver,
  functionSpecOf,
  functionStatus,
  holdsObject,
  invalidStatus,
  ownedByFunction,
  statusChanged,
  type FunctionObject,
  type FunctionObjectStatus,
  type TenantSource,
} from "./function-desired.js";
import { runWorkers } from "./run-workers.js";
import { createWorkQueue, type WorkQueue, type WorkQueueOptions } from "./work-queue.js";

/** Options of {@link createFunctionReconciler}. */
export interface FunctionReconcilerOptions {
  readonly kubeConfig: KubeConfig;
  /**
   * Single-namespace mode: watch only this namespace and read each Function's tenant from its
   * `eventflow.dev/tenant` label. Without it, Functions of every namespace are watched and the
   * tenant is the namespace minus `namespacePrefix` (namespace per tenant).
   */
  readonly namespace?: string;
  /** Prefix of tenant namespaces (default `eventflow-`). */
  readonly namespacePrefix?: string;
  readonly limits?: FunctionSpecLimits;
  /** Cluster-wide Deployment settings (pull secrets, pod annotations). */
  readonly deployment?: Pick<DeploymentOptions, "imagePullSecrets" | "podAnnotations">;
  /** The secrets index; without it a Function naming a secret is FUNCTION_SECRET_MISSING. */
  readonly secrets?: Pick<SecretStore, "get">;
  /** Every Function is enqueued again this often (default 5 min). */
  readonly resyncMs?: number;
  readonly workers?: number;
  readonly queue?: WorkQueueOptions;
  readonly now?: () => Date;
  readonly onError?: (key: string, error: unknown) => void;
}

/** What the reconciler has written since it started (the API calls that change objects). */
export interface ReconcilerStats {
  reconciles: number;
  /** Server-side applies (PATCH) of Deployments, Services and HPAs. */
  applies: number;
  deletes: number;
  /** PATCHes of a Function's /status. */
  statusWrites: number;
}

type Watched<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;

const applyOpts = [
  undefined,
  undefined,
  FIELD_MANAGER,
  true,
  PatchStrategy.ServerSideApply,
] as const;

const TRANSIENT = new Set(["KUBERNETES_CONFLICT", "KUBERNETES_UNREACHABLE"]);

const keyOf = (o: KubernetesObject) => `${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;

/** Creates the reconciler; nothing runs until `start()`. */
export function createFunctionReconciler(options: FunctionReconcilerOptions) {
  const kc = options.kubeConfig;
  const ns = options.namespace;
  const { group, version, plural } = FUNCTION_RESOURCE;
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const autoscaling = kc.makeApiClient(AutoscalingV2Api);
  const tenants: TenantSource = ns
    ? { kind: "label" }
    : { kind: "namespace", prefix: options.namespacePrefix ?? "eventflow-" };
  const now = () => (options.now ?? (() => new Date()))().toISOString();
  const stats: ReconcilerStats = { reconciles: 0, applies: 0, deletes: 0, statusWrites: 0 };
  const labelSelector = MANAGED_SELECTOR;
  const path = (g: string, resource: string) =>
    ns ? `${g}/namespaces/${ns}/${resource}` : `${g}/${resource}`;

  const functions: Watched<FunctionObject> = makeInformer(
    kc,
    path(`/apis/${group}/${version}`, plural),
    () =>
      ns
        ? custom.listNamespacedCustomObject({ group, version, namespace: ns, plural })
        : custom.listClusterCustomObject({ group, version, plural }),
  );
  const deployments: Watched<V1Deployment> = makeInformer(
    kc,
    path("/apis/apps/v1", "deployments"),
    () =>
      ns
        ? apps.listNamespacedDeployment({ namespace: ns, labelSelector })
        : apps.listDeploymentForAllNamespaces({ labelSelector }),
    labelSelector,
  );
  const services: Watched<V1Service> = makeInformer(
    kc,
    path("/api/v1", "services"),
    () =>
      ns
        ? core.listNamespacedService({ namespace: ns, labelSelector })
        : core.listServiceForAllNamespaces({ labelSelector }),
    labelSelector,
  );
  const hpas: Watched<V2HorizontalPodAutoscaler> = makeInformer(
    kc,
    path("/apis/autoscaling/v2", "horizontalpodautoscalers"),
    () =>
      ns
        ? autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace: ns, labelSelector })
        : autoscaling.listHorizontalPodAutoscalerForAllNamespaces({ labelSelector }),
    labelSelector,
  );
  const pods: Watched<V1Pod> = makeInformer(
    kc,
    path("/api/v1", "pods"),
    () =>
      ns
        ? core.listNamespacedPod({ namespace: ns, labelSelector })
        : core.listPodForAllNamespaces({ labelSelector }),
    labelSelector,
  );
  // Pods by their Function's key: namespace and the eventflow.dev/function label.
  const podIndex = new Map<string, Map<string, V1Pod>>();
  const podKey = (p: V1Pod) =>
    `${p.metadata?.namespace ?? ""}/${p.metadata?.labels?.[LABEL.function] ?? ""}`;

  let queue: WorkQueue = createWorkQueue(options.queue);
  let workers: Promise<void> | undefined;
  let resync: NodeJS.Timeout | undefined;
  const informers: Watched<KubernetesObject>[] = [functions, deployments, services, hpas, pods];

  const enqueue = (o: KubernetesObject) => queue.add(keyOf(o));
  for (const inf of [functions, deployments, services, hpas] as Watched<KubernetesObject>[]) {
    inf.on("add", enqueue);
    inf.on("update", enqueue);
    inf.on("delete", enqueue);
  }
  const putPod = (p: V1Pod) => {
    const k = podKey(p);
    let m = podIndex.get(k);
    if (!m) podIndex.set(k, (m = new Map()));
    m.set(p.metadata?.name ?? "", p);
    queue.add(k);
  };
  pods.on("add", putPod);
  pods.on("update", putPod);
  pods.on("delete", (p) => {
    const k = podKey(p);
    podIndex.get(k)?.delete(p.metadata?.name ?? "");
    if (podIndex.get(k)?.size === 0) podIndex.delete(k);
    queue.add(k);
  });
  for (const inf of informers)
    inf.on("error", (error) => {
      options.onError?.("(informer)", error);
      // client-node stops an informer on error; start it again after a pause.
      setTimeout(() => {
        if (workers) void inf.start().catch(() => {});
      }, 1000).unref();
    });

  const apply = async <T extends KubernetesObject>(body: T): Promise<T> => {
    stats.applies++;
    return (await objects.patch(body, ...applyOpts)) as T;
  };

  // Without a secrets index every reference is missing (FUNCTION_SECRET_MISSING).
  const secretIndex: Pick<SecretStore, "get"> = options.secrets ?? {
    get: (_tenant, name) =>
      Promise.reject(new EventFlowError("SECRET_NOT_FOUND", `secret ${name} does not exist`)),
  };

  async function writeStatus(fn: FunctionObject, next: FunctionObjectStatus): Promise<void> {
    if (!statusChanged(fn.status, next)) return;
    stats.statusWrites++;
    await custom.patchNamespacedCustomObjectStatus(
      {
        group,
        version,
        plural,
        namespace: fn.metadata?.namespace ?? "",
        name: fn.metadata?.name ?? "",
        body: { status: next },
        fieldManager: FIELD_MANAGER,
      },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
  }

  async function readLive(namespace: string, name: string): Promise<V1Deployment | undefined> {
    try {
      return await apps.readNamespacedDeployment({ name, namespace });
    } catch (error) {
      if (apiStatus(error) === 404) return undefined;
      throw error;
    }
  }

  /** Applies what differs from the cache; returns the Deployment as it now is. */
  async function converge(fn: FunctionObject, spec: FunctionSpec): Promise<V1Deployment> {
    const namespace = fn.metadata?.namespace ?? "";
    const ref = { namespace, name: spec.name };
    const secrets = await resolveSecretRefs(secretIndex, spec);
    const built = buildDeployment(spec, { ref, ...options.deployment, secrets });
    const desired: V1Deployment = {
      ...built,
      metadata: { ...built.metadata, ownerReferences: [ownedByFunction(fn)] },
    };
    // The cache holds only EventFlow's Deployments: a miss is read past it before a create.
    const existing =
      deployments.get(spec.name, namespace) ?? (await readLive(namespace, spec.name));
    if (existing) checkTakeOver(existing, spec, fn);
    let deployment = existing;
    if (!holdsObject(deployment, desired)) deployment = await apply(desired);
    const uid = deployment!.metadata?.uid ?? "";
    const service = buildService(spec, ref, uid);
    if (!holdsObject(services.get(spec.name, namespace), service)) await apply(service);
    const hpa = buildHpa(spec, ref, uid);
    if (hpa) {
      if (!holdsObject(hpas.get(spec.name, namespace), hpa)) await apply(hpa);
    } else if (hpas.get(spec.name, namespace)) {
      stats.deletes++;
      try {
        await objects.delete({
          apiVersion: "autoscaling/v2",
          kind: "HorizontalPodAutoscaler",
          metadata: ref,
        });
      } catch (error) {
        if (apiStatus(error) !== 404) throw error;
      }
    }
    return deployment!;
  }

  /** Brings one Function's objects and status to what its spec asks for. */
  async function reconcile(key: string): Promise<void> {
    stats.reconciles++;
    const slash = key.indexOf("/");
    const fn = functions.get(key.slice(slash + 1), key.slice(0, slash));
    // Gone: its Deployment (and what that owns) follows by owner reference.
    if (!fn || fn.metadata?.deletionTimestamp) return;
    let spec: FunctionSpec;
    let deployment: V1Deployment;
    try {
      spec = functionSpecOf(fn, tenants, options.limits);
      deployment = await converge(fn, spec);
    } catch (error) {
      if (error instanceof EventFlowError && error.status < 500) {
        // A refused object is reported on itself and not retried until it changes.
        await writeStatus(fn, invalidStatus(fn, error, now()));
        return;
      }
      // The API server refused a write (quota, invalid object, a missing permission): shown on
      // the Function too, and retried with backoff. Conflicts and outages are only retried.
      const e = toEventFlowError(error, { function: key, action: "reconcile" });
      if (error instanceof ApiException && !TRANSIENT.has(e.code))
        await writeStatus(fn, invalidStatus(fn, e, now())).catch(() => {});
      throw error;
    }
    const live = [...(podIndex.get(key)?.values() ?? [])];
    await writeStatus(fn, functionStatus(fn, spec, deployment, live, now()));
  }

  async function startInformers(): Promise<void> {
    for (const inf of informers) await inf.start();
  }

  return {
    stats: (): Readonly<ReconcilerStats> => ({ ...stats }),
    reconcile,
    /** Keys waiting or being processed (0 once everything has settled). */
    pending: () => queue.len() + queue.delayed(),
    /** Enqueues every cached Function (what the periodic resync does). */
    resync(): void {
      for (const fn of functions.list()) enqueue(fn);
    },
    async start(): Promise<void> {
      if (workers) return;
      if (queue.isShuttingDown()) queue = createWorkQueue(options.queue);
      await startInformers();
      workers = runWorkers(queue, options.workers ?? 4, reconcile, {
        ...(options.onError ? { onError: options.onError } : {}),
      });
      resync = setInterval(() => this.resync(), options.resyncMs ?? 300_000);
      resync.unref();
    },
    async stop(): Promise<void> {
      if (resync) clearInterval(resync);
      resync = undefined;
      queue.shutDown();
      await Promise.all(informers.map((inf) => inf.stop()));
      await workers;
      workers = undefined;
    },
  };
}

/** The reconciler's handle. */
export type FunctionReconciler = ReturnType<typeof createFunctionReconciler>;
