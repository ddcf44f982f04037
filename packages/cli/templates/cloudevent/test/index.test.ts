import { invoke } from "@eventflow/sdk/testing";
import { describe, expect, it } from "vitest";
import fn from "../src/index.js";

describe("__NAME__", () => {
  it("answers an order with an accepted event", async () => {
    const res = await invoke(fn, {
      cloudEvent: {
        source: "/shop",
        type: "com.example.order.created",
        data: { orderId: "o-1", total: 12 },
      },
    });
    expect(res.status).toBe(200);
    expect(res.cloudEvent?.type).toBe("com.example.order.accepted");
    expect(res.cloudEvent?.data).toEqual({ orderId: "o-1", accepted: true });
  });
});
