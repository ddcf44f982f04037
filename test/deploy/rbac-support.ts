// The set-up the rbac*.k8s.test.ts files share: deploy/kustomize/base applied to the test
// cluster (server-side dry run, then for real), a kubeconfig with a token for the controller's
// ServiceAccount (no admin credentials), the drivers a file runs with it, and their cleanup.
import type { KubeConfig } from "@kubernetes/client-node";
import { expect } from "vitest";
import {
  createKubernetesDriver,
  type KubernetesDriver,
} from "../../packages/controller/src/drivers/kubernetes/index.ts";
import type { FunctionStatus } from "../../packages/controller/src/drivers/driver.ts";
import { apisFor, eventually } from "../../packages/controller/test/kubernetes/support/k8s.ts";
import {
  clusterKubeconfig,
  DEPLOY,
  dryRunThenApply,
  kustomize,
  serviceAccountKubeConfig,
} from "./support.ts";

export const SYSTEM = "eventflow-system";
export const FUNCTIONS = "eventflow-functions";
export const SA = "eventflow-controller";
export const IMAGE = "registry.invalid/eventflow/hello:1";

/** Polls the driver's status of `tenant/name` until `ok` holds (45 s), and returns it. */
export function until(
  d: KubernetesDriver,
  tenant: string,
  name: string,
  ok: (s: FunctionStatus) => boolean,
) {
  return eventually(
    async () => {
      const s = await d.get(tenant, name);
      return ok(s) ? s : undefined;
    },
    45_000,
    `${tenant}/${name}`,
  );
}

/** The base applied, the ServiceAccount's kubeconfig, the admin's APIs and the drivers. */
export interface ServiceAccountSuite {
  /** The ServiceAccount's kubeconfig (its token from the TokenRequest API). */
  readonly sa: KubeConfig;
  /** The cluster's admin, for assertions and set-up. */
  readonly admin: ReturnType<typeof apisFor>;
  /** Starts a driver with `kc` (the ServiceAccount's), closed at stop. */
  startDriver(
    kc: KubeConfig,
    options: Parameters<typeof createKubernetesDriver>[0],
  ): Promise<KubernetesDriver>;
  /** Closes the drivers and deletes EventFlow's namespaces whose name includes `run`. */
  stop(): Promise<void>;
}

/** Applies deploy/kustomize/base and takes a token for its ServiceAccount. */
export async function startServiceAccountSuite(run: string): Promise<ServiceAccountSuite> {
  const admin = apisFor(clusterKubeconfig());
  const { dryRun, apply } = await dryRunThenApply(await kustomize(`${DEPLOY}/kustomize/base`));
  expect(dryRun.code, dryRun.stderr).toBe(0);
  expect(apply.code, apply.stderr).toBe(0);
  const sa = await serviceAccountKubeConfig(SYSTEM, SA);
  const drivers: KubernetesDriver[] = [];
  return {
    sa,
    admin,
    async startDriver(kc, options) {
      const d = createKubernetesDriver({ kubeconfig: kc, ...options });
      drivers.push(d);
      await d.start();
      return d;
    },
    async stop() {
      await Promise.all(drivers.map((d) => d.close()));
      const ns = await admin.core.listNamespace({
        labelSelector: "app.kubernetes.io/managed-by=eventflow",
      });
      for (const n of ns.items)
        if (n.metadata?.name?.includes(run))
          await admin.core.deleteNamespace({ name: n.metadata.name });
    },
  };
}
