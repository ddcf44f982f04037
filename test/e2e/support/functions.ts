// What both e2e files ask of a deployed function: its live pods, and the CloudEvent the
// cloudevent-consumer example accepts.
import type { CoreV1Api, V1Pod } from "@kubernetes/client-node";

/** The function's pods in `namespace` that are not being deleted. */
export async function livePods(core: CoreV1Api, namespace: string, name: string): Promise<V1Pod[]> {
  const list = await core.listNamespacedPod({
    namespace,
    labelSelector: `eventflow.dev/function=${name}`,
  });
  return list.items.filter((p) => p.metadata?.deletionTimestamp === undefined);
}

/** An order-created CloudEvent in binary mode, as invoke options of the SDK client. */
export function orderEvent(orderId: string) {
  return {
    json: { orderId, amount: 42 },
    headers: {
      "ce-specversion": "1.0",
      "ce-id": `id-${orderId}`,
      "ce-type": "com.example.order.created",
      "ce-source": "/e2e",
    },
  };
}
