/**
 * The k8s tier's usual start: the test cluster, a namespace enforcing the Pod Security
 * "restricted" profile (as tenants' do), and a started Kubernetes driver that keeps every
 * function and its Lease in that namespace.
 */
import {
  createKubernetesDriver,
  type KubernetesDriver,
} from "../../../src/drivers/kubernetes/index.js";
import { startTestCluster, type TestCluster } from "./cluster.js";
import { apisFor, createRestrictedNamespace, type Apis } from "./k8s.js";

/** A driver in its own restricted namespace, and how to take it all down. */
export interface RestrictedDriver {
  readonly cluster: TestCluster;
  readonly api: Apis;
  readonly driver: KubernetesDriver;
  /** Closes the driver, deletes the namespace and stops the cluster (when this run started it). */
  stop(): Promise<void>;
}

/** Starts (or adopts) the cluster, creates `namespace` and starts a driver in it. */
export async function startRestrictedDriver(namespace: string): Promise<RestrictedDriver> {
  const cluster = await startTestCluster();
  const api = apisFor(cluster.kubeconfig);
  let driver: KubernetesDriver | undefined;
  const stop = async () => {
    await driver?.close();
    await api.core.deleteNamespace({ name: namespace }).catch(() => {});
    await cluster.stop();
  };
  try {
    await createRestrictedNamespace(api, namespace);
    driver = createKubernetesDriver({
      kubeconfig: cluster.kubeconfig,
      namespace,
      leaderElection: { namespace },
    });
    await driver.start();
  } catch (error) {
    await stop();
    throw error;
  }
  return { cluster, api, driver, stop };
}
