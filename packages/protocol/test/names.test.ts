import { describe, expect, it } from "vitest";
import { MAX_FUNCTION_NAME_LENGTH, checkFunctionName, parseFunctionName } from "../src/index.js";

describe("function names", () => {
  it.each(["a", "hello", "hello-world", "a1", "x".repeat(MAX_FUNCTION_NAME_LENGTH)])(
    "accepts %s",
    (name) => {
      expect(checkFunctionName(name)).toBeUndefined();
    },
  );

  it.each([
    "",
    "Hello",
    "1abc",
    "-a",
    "a-",
    "a_b",
    "a.b",
    "x".repeat(MAX_FUNCTION_NAME_LENGTH + 1),
    5,
    null,
  ])("refuses %s", (name) => {
    expect(checkFunctionName(name)).toBeTypeOf("string");
  });

  it("parseFunctionName throws REQUEST_VALIDATION_FAILED with the field", () => {
    expect(() => parseFunctionName("Bad")).toThrow(
      expect.objectContaining({
        code: "REQUEST_VALIDATION_FAILED",
        details: [expect.objectContaining({ path: "name" })],
      }),
    );
  });
});
