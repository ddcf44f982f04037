/**
 * Optional vitest globalSetup for a dedicated k8s project: starts the test cluster once for all
 * files of the run and exports KUBECONFIG to the workers, whose `startTestCluster()` then
 * adopts it. Without it, each k8s file starts the cluster itself in its beforeAll.
 */
import { startTestCluster, type TestCluster } from "./cluster.js";

let cluster: TestCluster | undefined;

export async function setup(): Promise<void> {
  cluster = await startTestCluster();
  process.env.KUBECONFIG = cluster.kubeconfig;
  process.env.EVENTFLOW_TEST_METRICS_SERVER = cluster.metricsServer ? "1" : "0";
}

export async function teardown(): Promise<void> {
  await cluster?.stop();
}
