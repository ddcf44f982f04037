/**
 * The set-up the driver's k8s files share (driver.k8s.test.ts and its driver-*.k8s.test.ts
 * siblings): a restricted namespace with a started driver that leads its Lease, the other
 * drivers a file starts (candidates for the same Lease unless told otherwise), spec and status
 * helpers, and the cleanup of the namespace, the tenant namespaces and the cluster.
 */
import type { FunctionSpec, FunctionStatus } from "../../../src/drivers/driver.js";
import {
  createKubernetesDriver,
  type KubernetesDriver,
} from "../../../src/drivers/kubernetes/index.js";
import { eventually } from "./k8s.js";
import { startRestrictedDriver, type RestrictedDriver } from "./restricted-driver.js";

export const IMAGE = "registry.invalid/eventflow/hello:1";
export const IMAGE_2 = "registry.invalid/eventflow/hello:2";
export const UNPULLABLE = "registry.invalid/eventflow/unpullable:1";
export const CRASHING = "registry.invalid/eventflow/crashing:1";

/** A function of tenant "acme" with one replica of {@link IMAGE}, patched. */
export const spec = (name: string, patch: Partial<FunctionSpec> = {}): FunctionSpec => ({
  tenant: "acme",
  name,
  image: IMAGE,
  replicas: 1,
  ...patch,
});

/** Polls the driver's status of `tenant/name` until `ok` holds, and returns it. */
export function until(
  d: KubernetesDriver,
  tenant: string,
  name: string,
  ok: (s: FunctionStatus) => boolean,
  ms = 30_000,
) {
  return eventually(
    async () => {
      const s = await d.get(tenant, name);
      return ok(s) ? s : undefined;
    },
    ms,
    `${tenant}/${name} status`,
  );
}

/** A restricted namespace with its driver, and the drivers a test file adds. */
export interface DriverSuite extends RestrictedDriver {
  /**
   * A controller's driver. Those of one namespace are candidates for one Lease there, as the
   * replicas of one install are: one of them reconciles what any of them writes.
   */
  newDriver(options: Parameters<typeof createKubernetesDriver>[0]): Promise<KubernetesDriver>;
  /** Closes every driver, deletes the namespaces (tenant ones included), stops the cluster. */
  stop(): Promise<void>;
}

/**
 * Starts (or adopts) the cluster, `namespace` and its driver. Namespaces managed by EventFlow
 * whose name starts with `tenantPrefix` are deleted at stop, as tenants' are.
 */
export async function startDriverSuite(
  namespace: string,
  tenantPrefix?: string,
): Promise<DriverSuite> {
  const restricted = await startRestrictedDriver(namespace);
  const { api } = restricted;
  const drivers: KubernetesDriver[] = [];
  return {
    ...restricted,
    async newDriver(options) {
      const d = createKubernetesDriver({ leaderElection: { namespace }, ...options });
      drivers.push(d);
      await d.start();
      return d;
    },
    async stop() {
      try {
        await Promise.all(drivers.map((d) => d.close()));
        if (tenantPrefix) {
          const namespaces = await api.core.listNamespace({
            labelSelector: "app.kubernetes.io/managed-by=eventflow",
          });
          for (const ns of namespaces.items.map((n) => n.metadata!.name!))
            if (ns.startsWith(tenantPrefix))
              await api.core.deleteNamespace({ name: ns }).catch(() => {});
        }
      } finally {
        await restricted.stop();
      }
    },
  };
}
