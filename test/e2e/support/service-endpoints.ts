/**
 * A client-side view of a Service for the e2e tier: this cluster runs no kube-proxy, so a
 * Service's IP leads nowhere. Instead the test follows the Service's EndpointSlices (a watch,
 * like kube-proxy does) and sends each request to one of the endpoints that are ready at that
 * moment, in turn. A pod that starts terminating is dropped as soon as its EndpointSlice says
 * so; a pod that becomes ready is used from then on. Tested behaviour is then the Service's:
 * what a client behind kube-proxy or an ingress would see during a rollout.
 */
import {
  DiscoveryV1Api,
  makeInformer,
  type KubeConfig,
  type V1EndpointSlice,
} from "@kubernetes/client-node";

export interface ServiceEndpoints {
  /** A stable base URL for clients (`http://<service>.<namespace>.svc`): `fetch` resolves it. */
  readonly url: string;
  /** fetch that sends requests for `url` to a ready endpoint (round robin). */
  readonly fetch: typeof fetch;
  /** The `ip:port` endpoints ready now. */
  ready(): string[];
  /** How many requests went to each `ip:port`. */
  readonly used: ReadonlyMap<string, number>;
  close(): void;
}

export async function followService(
  kc: KubeConfig,
  options: { namespace: string; service: string; port: string },
): Promise<ServiceEndpoints> {
  const { namespace, service, port } = options;
  const api = kc.makeApiClient(DiscoveryV1Api);
  const selector = `kubernetes.io/service-name=${service}`;
  const informer = makeInformer<V1EndpointSlice>(
    kc,
    `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`,
    () => api.listNamespacedEndpointSlice({ namespace, labelSelector: selector }),
    selector,
  );
  let stopped = false;
  informer.on("error", () => {
    if (!stopped) setTimeout(() => void informer.start().catch(() => undefined), 300);
  });
  await informer.start();
  const ready = () =>
    informer.list().flatMap((slice) => {
      const p = slice.ports?.find((x) => x.name === port)?.port;
      if (p === undefined) return [];
      return (slice.endpoints ?? [])
        .filter((e) => e.conditions?.ready === true)
        .flatMap((e) => e.addresses.map((a) => `${a}:${p}`));
    });
  const base = `http://${service}.${namespace}.svc`;
  const used = new Map<string, number>();
  let next = 0;
  const viaEndpoint: typeof fetch = (input, init) => {
    const raw = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (!raw.startsWith(base)) return fetch(input, init);
    const now = ready();
    if (now.length === 0)
      return Promise.reject(new TypeError(`no ready endpoint of ${namespace}/${service}`));
    const target = now[next++ % now.length]!;
    used.set(target, (used.get(target) ?? 0) + 1);
    return fetch(`http://${target}${raw.slice(base.length)}`, init);
  };
  return {
    url: base,
    fetch: viaEndpoint,
    ready,
    used,
    close() {
      stopped = true;
      void informer.stop();
    },
  };
}
