import { describe, expect, it } from "vitest";
import { describeIssue, toFieldIssues, type ValidationIssue } from "../src/index.js";

// Issues written as zod 4 hands them to an error map (protocol depends on no validator).
describe("describeIssue", () => {
  const int65535 = { minValue: 0, maxValue: 65_535, isInt: true };
  it.each<[string, ValidationIssue, string]>([
    ["missing", { code: "invalid_type", expected: "string", input: undefined }, "is required"],
    [
      "NaN from a coerced number, bounds from the schema",
      { code: "invalid_type", expected: "number", input: Number.NaN, schema: int65535 },
      "must be a whole number between 0 and 65535",
    ],
    [
      "too big, bounds from the issue",
      { code: "too_big", origin: "number", maximum: 10, inclusive: true, input: 11 },
      "must be a number of at most 10",
    ],
    [
      "int() alone is not a bound anyone wrote",
      {
        code: "invalid_type",
        expected: "int",
        input: 1.5,
        schema: {
          minValue: Number.MIN_SAFE_INTEGER,
          maxValue: Number.MAX_SAFE_INTEGER,
          isInt: true,
        },
      },
      "must be a whole number",
    ],
    [
      "enum",
      { code: "invalid_value", values: ["local", "kubernetes"], input: "x" },
      "must be one of local, kubernetes",
    ],
    ["literal", { code: "invalid_value", values: [true], input: false }, "must be true"],
    [
      "empty string",
      { code: "too_small", origin: "string", minimum: 1, input: "" },
      "must not be empty",
    ],
    [
      "short string",
      { code: "too_small", origin: "string", minimum: 3, input: "ab" },
      "must be at least 3 characters",
    ],
    [
      "long list",
      { code: "too_big", origin: "array", maximum: 1, input: [1, 2] },
      "must have at most 1 item",
    ],
    ["url", { code: "invalid_format", format: "url", input: "nope" }, "must be a URL"],
    ["regex", { code: "invalid_format", format: "regex", input: "nope" }, "has the wrong format"],
    [
      "boolean",
      { code: "invalid_type", expected: "boolean", input: "yes" },
      "must be true or false",
    ],
    [
      "unknown code keeps its message",
      { code: "custom", message: "duplicate name" },
      "duplicate name",
    ],
  ])("%s", (_label, issue, text) => {
    expect(describeIssue(issue)).toBe(text);
  });
});

describe("toFieldIssues", () => {
  it("joins paths, expands unknown keys, quotes short primitive inputs", () => {
    expect(
      toFieldIssues(
        [
          {
            code: "too_big",
            path: ["scaling", "maxReplicas"],
            message: "must be at most 10",
            input: 11,
          },
          { code: "unrecognized_keys", path: ["resources"], keys: ["gpu", "tpu"], message: "x" },
          { code: "invalid_type", path: ["name"], message: "must be text", input: { a: 1 } },
          {
            code: "invalid_value",
            path: ["mode"],
            message: "must be a or b",
            input: "c".repeat(60),
          },
        ],
        { prefix: ["body"] },
      ),
    ).toEqual([
      { path: "body.scaling.maxReplicas", message: "must be at most 10 (got 11)" },
      { path: "body.resources.gpu", message: "unknown field" },
      { path: "body.resources.tpu", message: "unknown field" },
      { path: "body.name", message: "must be text" },
      { path: "body.mode", message: `must be a or b (got "${"c".repeat(39)}…")` },
    ]);
  });

  it("shows what inputOf returns instead of the input, and nothing when it returns undefined", () => {
    const issues: ValidationIssue[] = [
      { code: "invalid_type", path: ["PORT"], message: "must be a number", input: Number.NaN },
      { code: "too_small", path: ["SECRET"], message: "too short", input: "hunter2" },
    ];
    expect(
      toFieldIssues(issues, { inputOf: (path) => (path === "PORT" ? "abc" : undefined) }),
    ).toEqual([
      { path: "PORT", message: 'must be a number (got "abc")' },
      { path: "SECRET", message: "too short" },
    ]);
  });
});
