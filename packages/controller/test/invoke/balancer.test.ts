import { afterEach, describe, expect, it } from "vitest";
import { createBalancer, type Balancer } from "../../src/invoke/balancer.js";
import type { Endpoint } from "../../src/drivers/driver.js";

// Pools are created lazily by undici: no replica needs to listen for pick() and eject().
const A: Endpoint = { replica: "a", url: "http://127.0.0.1:1" };
const B: Endpoint = { replica: "b", url: "http://127.0.0.1:2" };
const C: Endpoint = { replica: "c", url: "http://127.0.0.1:3" };

describe("balancer ejection of replicas that refused a connection", () => {
  let clock = 0;
  let balancer: Balancer;
  const make = (ejectMs = 1000) =>
    (balancer = createBalancer({
      connections: 1,
      keepAliveTimeoutMs: 1000,
      ejectMs,
      now: () => clock,
    }));
  const picks = (endpoints: readonly Endpoint[], n: number) =>
    Array.from({ length: n }, () => balancer.pick("t/fn", endpoints)!.replica);
  /** The upstream of `replica` (picks rotate, so it comes up within a round). */
  const upstreamOf = (endpoints: readonly Endpoint[], replica: string) =>
    Array.from({ length: endpoints.length }, () => balancer.pick("t/fn", endpoints)!).find(
      (u) => u.replica === replica,
    )!;
  afterEach(async () => {
    clock = 0;
    await balancer.close();
  });

  it("rotates between equally loaded replicas when none is ejected", () => {
    make();
    expect(new Set(picks([A, B, C], 6))).toEqual(new Set(["a", "b", "c"]));
  });

  it("skips an ejected replica until the ejection time has passed", () => {
    make(1000);
    const endpoints = [A, B];
    balancer.eject(upstreamOf(endpoints, "a"));
    expect(picks(endpoints, 10)).toEqual(Array(10).fill("b"));
    clock = 999;
    expect(picks(endpoints, 4)).toEqual(Array(4).fill("b"));
    clock = 1001;
    expect(new Set(picks(endpoints, 4))).toEqual(new Set(["a", "b"]));
  });

  it("lifts the ejection as soon as the endpoint list changes", () => {
    make(60_000);
    const first = [A, B];
    balancer.eject(upstreamOf(first, "a"));
    expect(picks(first, 4)).toEqual(Array(4).fill("b"));
    // The driver hands over a new array when its EndpointSlice changes (the restarted pod is
    // ready again): the same URLs, new news.
    const second = [A, B];
    expect(new Set(picks(second, 4))).toEqual(new Set(["a", "b"]));
  });

  it("still picks an ejected replica when no other one is left", () => {
    make();
    const only = [A];
    const a = balancer.pick("t/fn", only)!;
    balancer.eject(a);
    expect(balancer.pick("t/fn", only)).toBe(a);
    // ... but never the excluded one (the attempt that just failed).
    expect(balancer.pick("t/fn", only, a)).toBeUndefined();
  });

  it("prefers a live replica over an ejected one even when the live one is busier", () => {
    make();
    const endpoints = [A, B];
    const a = upstreamOf(endpoints, "a");
    const b = upstreamOf(endpoints, "b");
    b.outstanding = 50;
    balancer.eject(a);
    expect(balancer.pick("t/fn", endpoints)).toBe(b);
    b.outstanding = 0;
  });
});
