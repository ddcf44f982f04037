// What an async invocation stores of the caller's trace context (tracing off: no propagator is
// registered in this file, so the caller's headers are what is kept). Hostile values are not.
import { describe, expect, it } from "vitest";
import { queueTraceHeaders } from "../../src/tracing/queue-context.js";

const TP = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

describe("queueTraceHeaders", () => {
  it("keeps a valid traceparent with its tracestate and baggage", () => {
    expect(queueTraceHeaders({ traceparent: TP, tracestate: "a=1", baggage: "tier=gold" })).toEqual(
      { traceparent: TP, tracestate: "a=1", baggage: "tier=gold" },
    );
  });

  it.each([
    ["missing", {}],
    ["malformed", { traceparent: "00-xyz-01" }],
    ["with a header injection attempt", { traceparent: `${TP}\r\nx-admin: 1` }],
    ["too long", { traceparent: `${TP}-${"0".repeat(5000)}` }],
  ])("stores nothing when the traceparent is %s", (_, headers) => {
    expect(queueTraceHeaders(headers)).toBeUndefined();
  });

  it("drops a tracestate or baggage over the W3C limits", () => {
    const out = queueTraceHeaders({
      traceparent: TP,
      tracestate: `a=${"x".repeat(600)}`,
      baggage: `k=${"y".repeat(9000)}`,
    });
    expect(out).toEqual({ traceparent: TP });
  });
});
