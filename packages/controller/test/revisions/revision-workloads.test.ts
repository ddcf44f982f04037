import { describe, expect, it } from "vitest";
import { withRevisionWorkloads } from "../../src/revisions/revision-workloads.js";
import { createMemoryDriver } from "../support/memory-driver.js";

// The API's driver over the in-memory TEST DOUBLE driver: only the wrapper's guard is under test.
describe("withRevisionWorkloads", () => {
  it("tells an invoke nothing of a revision's workload, and the function itself as the driver does", async () => {
    const base = createMemoryDriver();
    await base.create({ tenant: "acme", name: "hello", image: "img:1", replicas: 1 });
    await base.create({ tenant: "acme", name: "hello-00001", image: "img:0", replicas: 1 });
    const api = withRevisionWorkloads(base);
    expect(base.invokeInfo?.("acme", "hello-00001")?.spec.image).toBe("img:0");
    expect(api.invokeInfo?.("acme", "hello-00001")).toBeUndefined();
    await expect(api.get("acme", "hello-00001")).rejects.toMatchObject({
      code: "FUNCTION_NOT_FOUND",
    });
    expect(api.invokeInfo?.("acme", "hello")).toEqual(base.invokeInfo?.("acme", "hello"));
    expect(api.invokeInfo?.("acme", "hello")?.spec.image).toBe("img:1");
  });
});
