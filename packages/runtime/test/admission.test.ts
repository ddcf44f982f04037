import { describe, expect, it } from "vitest";
import { refusal } from "../src/admission.js";

describe("admission (pure)", () => {
  it("takes requests when ready or draining, refuses while starting or stopped", () => {
    const open = { maxConcurrency: 0 };
    expect(refusal("ready", 1000, open)).toBeUndefined();
    expect(refusal("draining", 3, open)).toBeUndefined();
    expect(refusal("starting", 0, open)).toEqual({
      code: "RUNTIME_NOT_READY",
      message: "the runtime is starting",
    });
    expect(refusal("stopped", 0, open)?.code).toBe("RUNTIME_NOT_READY");
  });

  it("refuses at maxConcurrency, not below it", () => {
    expect(refusal("ready", 1, { maxConcurrency: 2 })).toBeUndefined();
    expect(refusal("ready", 2, { maxConcurrency: 2 })).toEqual({
      code: "RUNTIME_OVERLOADED",
      message: "this replica is at its limit of 2 concurrent invocations",
    });
  });
});
