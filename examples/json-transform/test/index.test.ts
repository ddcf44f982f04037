import { describe, expect, it } from "vitest";
import { invoke } from "@eventflow/sdk/testing";
import priceOrder, { type PricedOrder } from "../src/index.js";

describe("json-transform", () => {
  it("prices an order", async () => {
    const res = await invoke(priceOrder, {
      method: "POST",
      body: {
        lines: [
          { sku: "a", qty: 2, unitPrice: 150 },
          { sku: "b", qty: 1, unitPrice: 99 },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.json<PricedOrder>()).toMatchObject({ subtotal: 399, tax: 80, total: 479 });
    expect(res.logs[0]).toMatchObject({ message: "priced order", fields: { lines: 2 } });
  });

  it("lists every invalid field", async () => {
    const res = await invoke(priceOrder, {
      method: "POST",
      body: { lines: [{ sku: "", qty: 0, unitPrice: 1.5 }] },
    });
    expect(res.status).toBe(400);
    const { error } = res.json<{ error: { code: string; details: Array<{ path: string }> } }>();
    expect(error.code).toBe("ORDER_INVALID");
    expect(error.details.map((d) => d.path)).toEqual([
      "lines.0.sku",
      "lines.0.qty",
      "lines.0.unitPrice",
    ]);
  });

  it("refuses malformed JSON and other methods", async () => {
    const bad = await invoke(priceOrder, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{",
    });
    expect(bad.status).toBe(400);
    expect(bad.json<{ error: { code: string } }>().error.code).toBe("RUNTIME_INVALID_JSON");
    const get = await invoke(priceOrder, { method: "GET" });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe("POST");
  });
});
