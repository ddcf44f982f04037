import { HttpError, cloudEvent, defineFunction } from "@eventflow/sdk";

/** Data of a `com.example.order.created` event. */
export interface OrderCreated {
  orderId: string;
  amount: number;
}

/**
 * Consumes `com.example.order.created` CloudEvents (binary or structured mode) and replies
 * with a `com.example.order.accepted` event, in the same mode the request came in.
 */
export default defineFunction<OrderCreated>({
  cloudEvent(event, ctx) {
    if (event.type !== "com.example.order.created") {
      throw new HttpError(400, `unexpected event type ${event.type}`, {
        code: "EVENT_TYPE_UNSUPPORTED",
      });
    }
    const order = event.data;
    if (order === undefined || typeof order.orderId !== "string") {
      throw new HttpError(400, "event data must carry an orderId", { code: "EVENT_DATA_INVALID" });
    }
    ctx.log.info("order accepted", { orderId: order.orderId, source: event.source });
    return cloudEvent({
      type: "com.example.order.accepted",
      source: "/functions/cloudevent-consumer",
      subject: order.orderId,
      datacontenttype: "application/json",
      data: { orderId: order.orderId, acceptedAt: new Date().toISOString() },
    });
  },
});
