/** Direct API access for assertions, and polling helpers (the driver under test is separate). */
import {
  ApiextensionsV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  KubeConfig,
  NetworkingV1Api,
  ApiException,
} from "@kubernetes/client-node";

import { buildFunctionCrd } from "../../../src/drivers/kubernetes/build-crd.js";

export interface Apis {
  readonly kc: KubeConfig;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly autoscaling: AutoscalingV2Api;
  readonly networking: NetworkingV1Api;
}

export function apisFor(kubeconfig: string): Apis {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return {
    kc,
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    autoscaling: kc.makeApiClient(AutoscalingV2Api),
    networking: kc.makeApiClient(NetworkingV1Api),
  };
}

/**
 * Installs the Function CRD (as deploy/ ships it) and waits until the API server serves it;
 * every cluster of the tier has it, as every install of EventFlow does.
 */
export async function installFunctionCrd(kc: KubeConfig): Promise<void> {
  const crd = buildFunctionCrd();
  await KubernetesObjectApi.makeApiClient(kc).patch(
    crd,
    undefined,
    undefined,
    "eventflow-test",
    true,
    PatchStrategy.ServerSideApply,
  );
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  await eventually(
    async () => {
      const live = await ext.readCustomResourceDefinition({ name: crd.metadata!.name! });
      return live.status?.conditions?.some((c) => c.type === "Established" && c.status === "True");
    },
    60_000,
    "Function CRD established",
  );
  // Its storage answers 429 for a moment after that.
  const custom = kc.makeApiClient(CustomObjectsApi);
  await eventually(
    () =>
      custom
        .listClusterCustomObject({
          group: "eventflow.dev",
          version: "v1alpha1",
          plural: "functions",
        })
        .then(() => true)
        .catch(() => false),
    60_000,
    "Function objects served",
  );
}

/** Creates a namespace that enforces the Pod Security "restricted" profile, as tenants' do. */
export async function createRestrictedNamespace(api: Apis, name: string): Promise<void> {
  await api.core.createNamespace({
    body: {
      metadata: {
        name,
        labels: {
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/enforce-version": "latest",
        },
      },
    },
  });
}

/** A copy of `kc` whose server is `https://127.0.0.1:<port>` (a proxy), same TLS identity. */
export function viaPort(kc: KubeConfig, port: number): KubeConfig {
  const cluster = kc.getCurrentCluster()!;
  const original = new URL(cluster.server);
  const out = new KubeConfig();
  out.loadFromOptions({
    clusters: [
      {
        ...cluster,
        server: `https://127.0.0.1:${port}`,
        ...(original.hostname === "127.0.0.1" ? {} : { tlsServerName: original.hostname }),
      },
    ],
    users: [kc.getCurrentUser()!],
    contexts: [{ name: "proxied", cluster: cluster.name, user: kc.getCurrentUser()!.name }],
    currentContext: "proxied",
  });
  return out;
}

/** The HTTP status of a failed call (404 when the object is gone), or 200. */
export async function statusOf(call: () => Promise<unknown>): Promise<number> {
  try {
    await call();
    return 200;
  } catch (error) {
    if (error instanceof ApiException) return error.code;
    throw error;
  }
}

/** Polls `probe` until it returns a value that is not undefined/false, or fails after `ms`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  ms = 30_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${what}`, { cause: last });
    await new Promise((r) => setTimeout(r, 200));
  }
}
