import { describe, expect, it } from "vitest";
import {
  FUNCTION_NAME_PATTERN,
  MAX_FUNCTION_NAME_LENGTH,
  MAX_REVISION_NUMBER,
  parseRevisionName,
  revisionName,
} from "../../src/index.js";

const longest = "f".repeat(MAX_FUNCTION_NAME_LENGTH);

describe("revisionName", () => {
  it.each([
    ["hello", 1, "hello-00001"],
    ["hello", 4, "hello-00004"],
    ["hello", 99_999, "hello-99999"],
    // Past five digits the number grows instead of stopping the function's deploys.
    ["hello", 100_000, "hello-100000"],
  ])("%s revision %d is %s", (fn, n, name) => {
    expect(revisionName(fn, n)).toBe(name);
  });

  it("stays a DNS label at the longest function name and the largest number", () => {
    const name = revisionName(longest, MAX_REVISION_NUMBER);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(FUNCTION_NAME_PATTERN);
  });

  it.each([
    ["hello", 0],
    ["hello", -1],
    ["hello", 1.5],
    ["hello", Number.NaN],
    ["hello", MAX_REVISION_NUMBER + 1],
    ["Hello", 1],
    ["", 1],
  ])("refuses %s revision %d with REVISION_NAME_INVALID", (fn, n) => {
    expect(() => revisionName(fn, n)).toThrow(
      expect.objectContaining({ code: "REVISION_NAME_INVALID", status: 400 }),
    );
  });
});

describe("parseRevisionName", () => {
  it.each([
    ["hello-00004", "hello", 4],
    ["hello-99999", "hello", 99_999],
    ["hello-100000", "hello", 100_000],
    ["a-1-00012", "a-1", 12],
  ])("reads %s as %s revision %d", (name, fn, number) => {
    expect(parseRevisionName(name)).toEqual({ function: fn, number });
  });

  it("round-trips every name revisionName makes", () => {
    for (const n of [1, 9, 10, 12_345, 99_999, 100_000, 1_234_567, MAX_REVISION_NUMBER]) {
      expect(parseRevisionName(revisionName(longest, n))).toEqual({ function: longest, number: n });
    }
  });

  it.each([
    "hello",
    "hello-",
    "-00004",
    "hello-4",
    "hello-0004",
    "hello-000004",
    "hello-00000",
    "hello_00004",
    "Hello-00004",
    "hello-00004 ",
    "hello-99999999999999999",
    `${"f".repeat(MAX_FUNCTION_NAME_LENGTH + 1)}-00001`,
    "",
    4,
    null,
  ])("refuses %s with REVISION_NAME_INVALID", (name) => {
    expect(() => parseRevisionName(name)).toThrow(
      expect.objectContaining({ code: "REVISION_NAME_INVALID", status: 400 }),
    );
  });

  it("refuses a function named like a revision (its revisions' workloads take such names)", () => {
    expect(() => revisionName("hello-00004", 1)).toThrow(
      expect.objectContaining({ code: "REVISION_NAME_INVALID" }),
    );
    expect(() => parseRevisionName("hello-00004-00001")).toThrow(
      expect.objectContaining({ code: "REVISION_NAME_INVALID" }),
    );
  });

  it("with a function, refuses another function's revision", () => {
    expect(parseRevisionName("hello-00004", "hello")).toEqual({ function: "hello", number: 4 });
    expect(() => parseRevisionName("world-00004", "hello")).toThrow(
      expect.objectContaining({ code: "REVISION_NAME_INVALID" }),
    );
  });
});
