import { describe, expect, it } from "vitest";
import { MAX_FUNCTION_NAME_LENGTH, checkFunctionName, parseFunctionName } from "../src/index.js";

describe("function names", () => {
  it.each([
    "a",
    "hello",
    "hello-world",
    "a1",
    "v-1234",
    "api-2024x",
    "x".repeat(MAX_FUNCTION_NAME_LENGTH),
  ])("accepts %s", (name) => {
    expect(checkFunctionName(name)).toBeUndefined();
  });

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

  it.each(["hello-00004", "api-123456"])("keeps %s for a revision's workload", (name) => {
    expect(checkFunctionName(name)).toMatch(/kept for revisions/);
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
