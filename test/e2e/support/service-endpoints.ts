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
  // Passive health as nginx's default `proxy_next_upstream error` does it: an endpoint that
  // refuses the connection (its process is gone; the kubelet has not failed its readiness
  // probe yet) is skipped for a while, and the request, which it never received, goes to the
  // next one.
  const refusedUntil = new Map<string, number>();
  const refused = (error: unknown) =>
    (error as { cause?: { code?: string } })?.cause?.code === "ECONNREFUSED";
  let next = 0;
  const viaEndpoint: typeof fetch = async (input, init) => {
    const raw = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (!raw.startsWith(base)) return fetch(input, init);
    const tried = new Set<string>();
    for (;;) {
      const all = ready().filter((e) => !tried.has(e));
      const healthy = all.filter((e) => (refusedUntil.get(e) ?? 0) <= Date.now());
      const now = healthy.length > 0 ? healthy : all;
      if (now.length === 0) throw new TypeError(`no ready endpoint of ${namespace}/${service}`);
      const target = now[next++ % now.length]!;
      used.set(target, (used.get(target) ?? 0) + 1);
      try {
        return await fetch(`http://${target}${raw.slice(base.length)}`, init);
      } catch (error) {
        if (!refused(error)) throw error;
        refusedUntil.set(target, Date.now() + 5_000);
        tried.add(target);
      }
    }
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
