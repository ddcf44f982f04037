import { invoke } from "@eventflow/sdk/testing";
import { describe, expect, it } from "vitest";
import fn from "../src/index.js";

describe("__NAME__", () => {
  it("greets on GET", async () => {
    const res = await invoke(fn, { query: { name: "Ada" } });
    expect(res.status).toBe(200);
    expect(res.text()).toBe("Hello, Ada!");
  });

  it("answers JSON on POST", async () => {
    const res = await invoke(fn, { method: "POST", body: { name: "Ada" } });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ greeting: "Hello, Ada!" });
  });

  it("rejects a POST without a name", async () => {
    const res = await invoke(fn, { method: "POST", body: {} });
    expect(res.status).toBe(400);
  });
});
