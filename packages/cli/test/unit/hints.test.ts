// The `next:` hint printed under an error names the function the error is about.
import { describe, expect, it } from "vitest";
import { functionNameOf, hintFor } from "../../src/control/hints.js";

describe("hintFor", () => {
  it("puts the function's name from the error's details in place of NAME", () => {
    const details = { name: "greeter", status: "Failed" };
    expect(hintFor("CLIENT_WAIT_FAILED", functionNameOf(details))).toBe(
      "see what the function printed with `eventflow logs greeter --tail 50`",
    );
    expect(hintFor("FUNCTION_CRASH_LOOP", "greeter")).toContain("eventflow logs greeter");
  });

  it.each([[undefined], [[{ name: "x" }]], [{ name: 3 }], [{}]])(
    "keeps NAME when the details name no function (%j)",
    (details) => {
      expect(functionNameOf(details)).toBeUndefined();
      expect(hintFor("CLIENT_WAIT_FAILED", functionNameOf(details))).toContain("logs NAME");
    },
  );
});
