import { describe, expect, it } from "vitest";
import { setFlatHeader } from "../../src/tracing/invoke-spans.js";

describe("setFlatHeader (undici's flat header list)", () => {
  it("replaces the value of the header, whatever the case of its name", () => {
    const headers = ["Content-Type", "text/plain", "TraceParent", "00-old", "x-request-id", "r1"];
    setFlatHeader(headers, "traceparent", "00-new");
    expect(headers).toEqual([
      "Content-Type",
      "text/plain",
      "TraceParent",
      "00-new",
      "x-request-id",
      "r1",
    ]);
  });

  it("appends the header when the list has none, and leaves same-length names alone", () => {
    const headers = ["x-trace-parent", "a", "traceparenx", "b"];
    setFlatHeader(headers, "traceparent", "00-new");
    expect(headers).toEqual(["x-trace-parent", "a", "traceparenx", "b", "traceparent", "00-new"]);
    const empty: string[] = [];
    setFlatHeader(empty, "traceparent", "00-x");
    expect(empty).toEqual(["traceparent", "00-x"]);
  });

  it("never touches a value that merely looks like the name", () => {
    const headers = ["x-note", "traceparent", "traceparent", "00-old"];
    setFlatHeader(headers, "traceparent", "00-new");
    expect(headers).toEqual(["x-note", "traceparent", "traceparent", "00-new"]);
  });
});
