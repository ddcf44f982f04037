import { describe, expect, it } from "vitest";
import { invoke } from "@eventflow/sdk/testing";
import consumer from "../src/index.js";

const order = {
  type: "com.example.order.created",
  source: "/shop",
  data: { orderId: "o-1", amount: 10 },
};

describe("cloudevent-consumer", () => {
  it.each(["binary", "structured"] as const)(
    "answers a %s-mode event with an acceptance event",
    async (mode) => {
      const res = await invoke(consumer, {
        method: "POST",
        cloudEvent: order,
        cloudEventMode: mode,
      });
      expect(res.status).toBe(200);
      expect(res.cloudEvent).toMatchObject({
        type: "com.example.order.accepted",
        subject: "o-1",
        data: { orderId: "o-1" },
      });
    },
  );

  it("refuses plain HTTP and other event types", async () => {
    expect((await invoke(consumer, { method: "POST", body: { orderId: "x" } })).status).toBe(400);
    const other = await invoke(consumer, {
      method: "POST",
      cloudEvent: { ...order, type: "com.example.other" },
    });
    expect(other.status).toBe(400);
    expect(other.json<{ error: { code: string } }>().error.code).toBe("EVENT_TYPE_UNSUPPORTED");
  });
});
