import { EventFlowError } from "@eventflow/protocol";
import { describe, expect, it } from "vitest";
import { frameworkMessage } from "../src/issues.js";

describe("frameworkMessage", () => {
  it("adds each field problem the message does not name", () => {
    const error = new EventFlowError(
      "REQUEST_VALIDATION_FAILED",
      "invalid spec: image: is required",
      {
        details: [
          { path: "image", message: "is required" },
          { path: "replicas", message: "must be at most 20" },
        ],
      },
    );
    expect(frameworkMessage(error)).toBe(
      "invalid spec: image: is required (REQUEST_VALIDATION_FAILED)\n  replicas: must be at most 20",
    );
  });

  // A failed image push carries an object (the registry's answer), not a list: printing it once
  // threw "details.filter is not a function" and hid the real error.
  it.each([
    ["an object", { status: 503, registry: "127.0.0.1:5000" }],
    ["a string", "registry said no"],
    ["a list of odd values", [null, 3, { path: 7 }]],
  ])("prints the message and code when details is %s", (_, details) => {
    const error = new EventFlowError("REGISTRY_UNAVAILABLE", "the registry did not answer", {
      details,
    });
    expect(frameworkMessage(error)).toBe("the registry did not answer (REGISTRY_UNAVAILABLE)");
  });
});
