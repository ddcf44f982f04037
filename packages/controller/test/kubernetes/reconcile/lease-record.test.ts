/** Tier 1: the Lease record leader election reads and writes, and the take-over decision. */
import { describe, expect, it } from "vitest";
import {
  buildLeaseSpec,
  buildReleasedSpec,
  isHeldByOther,
  toLeaseRecord,
  type LeaseRecord,
} from "../../../src/drivers/kubernetes/reconcile/lease-record.js";

const T0 = new Date("2026-01-01T00:00:00.000Z");
const T1 = new Date("2026-01-01T00:00:05.000Z");
const held = (holder: string, extra: Partial<LeaseRecord> = {}): LeaseRecord => ({
  holder,
  leaseDurationSeconds: 15,
  transitions: 3,
  acquireTime: T0,
  renewTime: T0,
  ...extra,
});

describe("toLeaseRecord", () => {
  it("reads the API server's MicroTime strings as dates, and an empty spec as unheld", () => {
    const record = toLeaseRecord({
      spec: {
        holderIdentity: "a",
        leaseDurationSeconds: 2,
        leaseTransitions: 4,
        renewTime: "2026-01-01T00:00:05.000000Z" as unknown as Date,
      },
    });
    expect(record).toEqual({ holder: "a", leaseDurationSeconds: 2, transitions: 4, renewTime: T1 });
    expect(toLeaseRecord({})).toEqual({ holder: "", leaseDurationSeconds: 0, transitions: 0 });
  });
});

describe("isHeldByOther", () => {
  const at = (observedAtMs: number, nowMs: number) => ({ observedAtMs, nowMs });
  it.each([
    ["another holder within its duration", held("b"), at(1000, 15_999), true],
    ["another holder at its expiry", held("b"), at(1000, 16_000), false],
    [
      "a short foreign lease past its own duration",
      held("b", { leaseDurationSeconds: 2 }),
      at(0, 2000),
      false,
    ],
    ["our own lease", held("a"), at(1000, 1001), false],
    ["a released lease", held("", { leaseDurationSeconds: 1 }), at(1000, 1001), false],
  ])("%s", (_, record, times, expected) => {
    expect(isHeldByOther(record, "a", times)).toBe(expected);
  });
});

describe("buildLeaseSpec", () => {
  it("renewing keeps acquireTime and the transition count", () => {
    const spec = buildLeaseSpec({
      identity: "a",
      previous: held("a"),
      leaseDurationSeconds: 15,
      now: T1,
    });
    expect(spec).toMatchObject({
      holderIdentity: "a",
      leaseTransitions: 3,
      leaseDurationSeconds: 15,
    });
    expect(spec.acquireTime?.getTime()).toBe(T0.getTime());
    expect(spec.renewTime?.getTime()).toBe(T1.getTime());
    // MicroTime: the API server wants six fractional digits.
    expect(spec.renewTime?.toISOString()).toBe("2026-01-01T00:00:05.000000Z");
  });

  it("a change of holder (a released lease too) counts a transition and acquires now", () => {
    for (const previous of [held("b"), held("")]) {
      const spec = buildLeaseSpec({ identity: "a", previous, leaseDurationSeconds: 2, now: T1 });
      expect(spec).toMatchObject({
        holderIdentity: "a",
        leaseTransitions: 4,
        leaseDurationSeconds: 2,
      });
      expect(spec.acquireTime?.getTime()).toBe(T1.getTime());
    }
  });

  it("a new lease starts at zero transitions", () => {
    const spec = buildLeaseSpec({
      identity: "a",
      previous: undefined,
      leaseDurationSeconds: 15,
      now: T0,
    });
    expect(spec.leaseTransitions).toBe(0);
  });
});

describe("buildReleasedSpec", () => {
  it("clears the holder with a one-second duration and keeps the transition count", () => {
    expect(buildReleasedSpec(held("a"), T1)).toMatchObject({
      holderIdentity: "",
      leaseDurationSeconds: 1,
      leaseTransitions: 3,
    });
  });
});
