import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config.js";
import { createTenantRateLimiter } from "../../src/invoke/rate-limit.js";
import { TEST_SECRET } from "../support/harness.js";

describe("createTenantRateLimiter", () => {
  it("lets a burst through, then one invoke per 1/rate seconds, per tenant", () => {
    let t = 0;
    const limiter = createTenantRateLimiter({ ratePerSecond: 2, burst: 3, now: () => t });
    expect([1, 2, 3, 4].map(() => limiter.take("acme"))).toEqual([0, 0, 0, 1]);
    // Another tenant has its own bucket.
    expect(limiter.take("other")).toBe(0);
    t += 499;
    expect(limiter.take("acme")).toBe(1);
    t += 2; // 501 ms after the last refill baseline: one token (2/s) is back
    expect(limiter.take("acme")).toBe(0);
    expect(limiter.take("acme")).toBe(1);
    // A long pause refills to the burst, never beyond.
    t += 3_600_000;
    expect([1, 2, 3, 4].map(() => limiter.take("acme"))).toEqual([0, 0, 0, 1]);
  });

  it.each([
    [0.5, 1, 2],
    [0.1, 1, 10],
    [100, 1, 1],
  ])("rate %s/s burst %s: retry after %s s", (ratePerSecond, burst, retry) => {
    const limiter = createTenantRateLimiter({ ratePerSecond, burst, now: () => 0 });
    expect(limiter.take("t")).toBe(0);
    expect(limiter.take("t")).toBe(retry);
  });
});

describe("EVENTFLOW_TENANT_INVOKE_RATE", () => {
  const parse = (env: Record<string, string>) =>
    parseConfig({ JWT_SECRET: TEST_SECRET, ...env }).limits.tenantInvokeRate;
  it.each<[Record<string, string>, unknown]>([
    [{}, undefined],
    [{ EVENTFLOW_TENANT_INVOKE_RATE: "0" }, undefined],
    [{ EVENTFLOW_TENANT_INVOKE_RATE: "50" }, { ratePerSecond: 50, burst: 100 }],
    [{ EVENTFLOW_TENANT_INVOKE_RATE: "0.2" }, { ratePerSecond: 0.2, burst: 1 }],
    [
      { EVENTFLOW_TENANT_INVOKE_RATE: "10", EVENTFLOW_TENANT_INVOKE_BURST: "500" },
      { ratePerSecond: 10, burst: 500 },
    ],
  ])("%j", (env, expected) => {
    expect(parse(env)).toEqual(expected);
  });

  it.each<Record<string, string>>([
    { EVENTFLOW_TENANT_INVOKE_RATE: "-1" },
    { EVENTFLOW_TENANT_INVOKE_BURST: "0" },
  ])("rejects %j at startup", (env) => {
    expect(() => parse(env)).toThrow(expect.objectContaining({ code: "CONFIG_INVALID" }));
  });
});
