/**
 * The Function reconciler: any event of a Function or of the Deployments, Services, HPAs and
 * pods it owns (from the driver's one cluster cache) enqueues the Function's key
 * (`namespace/name`, the owned objects share the Function's name), and so does a change of a
 * secret index a Function names; workers reconcile one key at a time: validate the Function,
 * apply each derived object only when the cached one does not already hold what the builders
 * make, and write `status` through the /status subresource only when it changes. A resync
 * re-enqueues every Function.
 */
import {
  ApiException,
  AppsV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesObject,
  type V1Deployment,
} from "@kubernetes/client-node";
import { EventFlowError } from "@eventflow/protocol";
import type { FunctionSpecLimits } from "@eventflow/protocol/function-spec";
import type { FunctionSpec, SecretStore } from "../../driver.js";
import { FUNCTION_RESOURCE } from "../build-crd.js";
import { buildDeployment, type DeploymentOptions } from "../build-deployment.js";
import { buildHpa, buildService } from "../build-service.js";
import { serverSideApply } from "../apply.js";
import type { CachedResource, ClusterCache } from "../cluster-cache.js";
import { apiStatus, toEventFlowError } from "../errors.js";
import { resolveSecretRefs } from "../secret-store.js";
import { FIELD_MANAGER, LABEL, functionKey } from "../labels.js";
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
  /** The informers (started by their owner before the reconciler). */
  readonly cache: ClusterCache;
  /** Where a Function's tenant comes from (the cache's scope decides what is watched). */
  readonly tenants: TenantSource;
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

const TRANSIENT = new Set(["KUBERNETES_CONFLICT", "KUBERNETES_UNREACHABLE"]);

const keyOf = (o: KubernetesObject) => `${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;

/** Creates the reconciler; nothing runs until `start()`. */
export function createFunctionReconciler(options: FunctionReconcilerOptions) {
  const kc = options.kubeConfig;
  const { cache, tenants } = options;
  const { group, version, plural } = FUNCTION_RESOURCE;
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const apps = kc.makeApiClient(AppsV1Api);
  const now = () => (options.now ?? (() => new Date()))().toISOString();
  const stats: ReconcilerStats = { reconciles: 0, applies: 0, deletes: 0, statusWrites: 0 };

  let queue: WorkQueue = createWorkQueue(options.queue);
  let workers: Promise<void> | undefined;
  let resync: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;

  const enqueue = (o: KubernetesObject) => queue.add(keyOf(o));
  /** Every event of a Function or of what it owns enqueues the Function. */
  function onObject(resource: CachedResource, o: KubernetesObject): void {
    const ns = o.metadata?.namespace ?? "";
    if (resource === "pods") {
      const fn = o.metadata?.labels?.[LABEL.function];
      if (fn) queue.add(`${ns}/${fn}`);
    } else if (resource === "secretindexes") {
      // The Functions of that namespace (and tenant) that name the secret.
      const tenant = o.metadata?.labels?.[LABEL.tenant];
      const secret = o.metadata?.labels?.[LABEL.secret];
      for (const fn of cache.functions()) {
        if (fn.metadata?.namespace !== ns) continue;
        const refs = (fn.spec as { secrets?: { name?: unknown }[] } | undefined)?.secrets;
        if (!Array.isArray(refs) || !refs.some((r) => r?.name === secret)) continue;
        if (tenants.kind === "label" && fn.metadata?.labels?.[LABEL.tenant] !== tenant) continue;
        enqueue(fn);
      }
    } else if (resource !== "endpointslices") enqueue(o);
  }

  const write = serverSideApply(objects);
  const apply = <T extends KubernetesObject>(body: T): Promise<T> => {
    stats.applies++;
    return write(body);
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
      cache.deployment(namespace, spec.name) ?? (await readLive(namespace, spec.name));
    if (existing) checkTakeOver(existing, spec, fn);
    let deployment = existing;
    if (!holdsObject(deployment, desired)) deployment = await apply(desired);
    const uid = deployment!.metadata?.uid ?? "";
    const service = buildService(spec, ref, uid);
    if (!holdsObject(cache.service(namespace, spec.name), service)) await apply(service);
    const hpa = buildHpa(spec, ref, uid);
    if (hpa) {
      if (!holdsObject(cache.hpa(namespace, spec.name), hpa)) await apply(hpa);
    } else if (cache.hpa(namespace, spec.name)) {
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
    const fn = cache.function(key.slice(0, slash), key.slice(slash + 1));
    // Gone: its Deployment (and what that owns) follows by owner reference.
    if (!fn || fn.metadata?.deletionTimestamp) return;
    // With a namespace per tenant, Functions outside the tenant namespaces are another
    // install's (one watching a single namespace), never this one's to judge.
    if (tenants.kind === "namespace" && !fn.metadata?.namespace?.startsWith(tenants.prefix)) return;
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
    const live = cache.pods(functionKey(spec.tenant, spec.name));
    await writeStatus(fn, functionStatus(fn, spec, deployment, live, now()));
  }

  return {
    stats: (): Readonly<ReconcilerStats> => ({ ...stats }),
    reconcile,
    /** Keys waiting or being processed (0 once everything has settled). */
    pending: () => queue.len() + queue.delayed(),
    /** Enqueues every cached Function (what the periodic resync does). */
    resync(): void {
      for (const fn of cache.functions()) enqueue(fn);
    },
    /** Subscribes to the cache, enqueues every Function and starts the workers. */
    start(): void {
      if (workers) return;
      if (queue.isShuttingDown()) queue = createWorkQueue(options.queue);
      unsubscribe = cache.onObject(onObject);
      this.resync();
      workers = runWorkers(queue, options.workers ?? 4, reconcile, {
        ...(options.onError ? { onError: options.onError } : {}),
      });
      resync = setInterval(() => this.resync(), options.resyncMs ?? 300_000);
      resync.unref();
    },
    async stop(): Promise<void> {
      if (resync) clearInterval(resync);
      resync = undefined;
      unsubscribe?.();
      unsubscribe = undefined;
      queue.shutDown();
      await workers;
      workers = undefined;
    },
  };
}

/** The reconciler's handle. */
export type FunctionReconciler = ReturnType<typeof createFunctionReconciler>;
