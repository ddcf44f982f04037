// What the bench sees of the cluster from outside the driver: its own informers on the
// namespace's Functions, Deployments and Services (watches, no polling of the API server).
import { AppsV1Api, CoreV1Api, CustomObjectsApi, makeInformer } from "@kubernetes/client-node";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts informers on `namespace`; `resource` is the Function resource (group, version, plural). */
export async function observeNamespace(kc, namespace, resource) {
  const { group, version, plural } = resource;
  const custom = kc.makeApiClient(CustomObjectsApi);
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const informers = {
    functions: makeInformer(kc, `/apis/${group}/${version}/namespaces/${namespace}/${plural}`, () =>
      custom.listNamespacedCustomObject({ group, version, plural, namespace }),
    ),
    deployments: makeInformer(kc, `/apis/apps/v1/namespaces/${namespace}/deployments`, () =>
      apps.listNamespacedDeployment({ namespace }),
    ),
    services: makeInformer(kc, `/api/v1/namespaces/${namespace}/services`, () =>
      core.listNamespacedService({ namespace }),
    ),
  };
  let stopped = false;
  for (const informer of Object.values(informers))
    // A watch that fails is started again (its cache is kept and relisted).
    informer.on("error", () => {
      if (!stopped) setTimeout(() => !stopped && informer.start().catch(() => {}), 200);
    });
  await Promise.all(Object.values(informers).map((i) => i.start()));
  return {
    functions: () => informers.functions.list(namespace),
    deployment: (name) => informers.deployments.get(name, namespace),
    service: (name) => informers.services.get(name, namespace),
    /** Resolves once `check()` holds (checked every `everyMs`); throws after `timeoutMs`. */
    async until(what, check, { everyMs = 20, timeoutMs = 120_000 } = {}) {
      const deadline = performance.now() + timeoutMs;
      while (!check()) {
        if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await sleep(everyMs);
      }
    },
    async stop() {
      stopped = true;
      await Promise.all(Object.values(informers).map((i) => i.stop()));
    },
  };
}
