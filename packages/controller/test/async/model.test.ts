/** The record's pure transitions: backoff, retry-after, attempt outcomes, lost attempts. */
import { describe, expect, it } from "vitest";
import {
  backoffMs,
  beginAttempt,
  buildInvocation,
  endAttempt,
  parseRetryAfter,
  redriven,
  type AttemptOutcome,
  type RetryPolicy,
} from "../../src/async/model.js";

const policy: RetryPolicy = {
  maxAttempts: 3,
  backoff: { initialMs: 100, maxMs: 1000, multiplier: 3 },
};
const t0 = new Date("2026-01-01T00:00:00Z");
const at = (ms: number) => new Date(t0.getTime() + ms);
const fresh = () =>
  buildInvocation(
    {
      id: "i1",
      tenant: "acme",
      function: "f",
      request: { body: "", querystring: "" },
      retry: policy,
    },
    t0,
  );
const status = (s: number, retryAfterMs?: number): AttemptOutcome => ({
  kind: "answered",
  result: { status: s, body: "", truncated: false },
  ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
});

describe("backoffMs", () => {
  it.each([
    [2, 100],
    [3, 300],
    [4, 900],
    [5, 1000],
    [30, 1000],
  ])("before attempt %i waits %i ms", (next, ms) => {
    expect(backoffMs(policy, next)).toBe(ms);
  });
});

describe("parseRetryAfter", () => {
  it.each([
    ["3", 3000],
    [" 0 ", 0],
    ["Thu, 01 Jan 2026 00:00:05 GMT", 5000],
    ["Wed, 31 Dec 2025 23:00:00 GMT", 0],
    ["soon", undefined],
    ["", undefined],
    [undefined, undefined],
  ])("%s -> %s", (value, ms) => {
    expect(parseRetryAfter(value, t0)).toBe(ms);
  });
});

describe("attempt transitions", () => {
  it.each([
    [200, "succeeded"],
    [204, "succeeded"],
    [302, "succeeded"],
    [400, "failed"],
    [404, "failed"],
    [500, "queued"],
    [503, "queued"],
    [429, "queued"],
    [408, "queued"],
  ])("an answer %i leaves the first attempt %s", (s, state) => {
    const { invocation } = endAttempt(beginAttempt(fresh(), t0), status(s), at(10));
    expect(invocation.state).toBe(state);
  });

  it("waits the larger of backoff and retry-after, and is dead after maxAttempts", () => {
    let inv = fresh();
    const first = endAttempt(beginAttempt(inv, t0), status(503, 50), at(5));
    expect(first.retryInMs).toBe(100);
    const second = endAttempt(beginAttempt(first.invocation, at(200)), status(429, 2000), at(210));
    expect(second.retryInMs).toBe(2000);
    expect(second.invocation.nextAttemptAt).toBe(at(2210).toISOString());
    inv = endAttempt(beginAttempt(second.invocation, at(3000)), status(500), at(3010)).invocation;
    expect(inv.state).toBe("dead");
    expect(inv.attempts).toHaveLength(3);
    expect(inv.finishedAt).toBe(at(3010).toISOString());
  });

  it("closes an attempt its worker never finished as lost, and counts it", () => {
    let inv = beginAttempt(fresh(), t0);
    inv = beginAttempt(inv, at(1000));
    expect(inv.attempts[0]?.error?.code).toBe("ASYNC_DELIVERY_LOST");
    expect(inv.attempts).toHaveLength(2);
    inv = beginAttempt(inv, at(2000));
    // The third lost attempt used the budget: dead without starting a fourth.
    inv = beginAttempt(inv, at(3000));
    expect(inv.state).toBe("dead");
    expect(inv.attempts).toHaveLength(3);
  });

  it("a redriven dead letter gets a fresh budget and keeps its history", () => {
    let inv = fresh();
    for (let i = 0; i < 3; i++) inv = endAttempt(beginAttempt(inv, t0), status(500), t0).invocation;
    expect(inv.state).toBe("dead");
    const again = redriven(inv, at(10));
    expect(again.state).toBe("queued");
    expect(again.dispatches).toBe(2);
    const next = endAttempt(beginAttempt(again, at(20)), status(500), at(30));
    expect(next.invocation.state).toBe("queued");
    expect(next.invocation.attempts).toHaveLength(4);
  });
});
