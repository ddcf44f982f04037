import { cloudEvent, defineFunction } from "@eventflow/sdk";

interface OrderCreated {
  readonly orderId: string;
  readonly total: number;
}

/** Receives `com.example.order.created` events and answers with a `...order.accepted` event. */
export default defineFunction<OrderCreated>({
  cloudEvent(event, ctx) {
    ctx.log.info("order received", { orderId: event.data?.orderId });
    return cloudEvent({
      source: "/__NAME__",
      type: "com.example.order.accepted",
      data: { orderId: event.data?.orderId, accepted: (event.data?.total ?? 0) > 0 },
    });
  },
});
