/** Tier 1: the process clock's timers and sleep, on vitest's fake timers. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { sleep, systemClock } from "../../../src/drivers/kubernetes/reconcile/index.js";

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

describe("systemClock", () => {
  it("fires a timer after its delay, not before, and not once cancelled", () => {
    const fired: string[] = [];
    systemClock.setTimer(() => fired.push("a"), 100);
    const cancel = systemClock.setTimer(() => fired.push("b"), 100);
    cancel();
    vi.advanceTimersByTime(99);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(["a"]);
    cancel();
  });

  it("waits a delay beyond setTimeout's 2^31-1 ms range instead of firing at once", () => {
    let fired = 0;
    const cancel = systemClock.setTimer(() => fired++, 2 ** 32);
    const never = systemClock.setTimer(() => fired++, Number.POSITIVE_INFINITY);
    vi.advanceTimersByTime(10);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(2 ** 32 - 11);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(1);
    expect(fired).toBe(1);
    cancel();
    vi.advanceTimersByTime(2 ** 33);
    expect(fired).toBe(1);
    never();
  });
});

describe("sleep", () => {
  it("resolves after its delay, or at once when the signal aborts", async () => {
    let done = false;
    void sleep(systemClock, 1000).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);

    const stop = new AbortController();
    let woke = false;
    void sleep(systemClock, 60_000, stop.signal).then(() => (woke = true));
    stop.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(woke).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    await expect(sleep(systemClock, 60_000, stop.signal)).resolves.toBeUndefined();
  });
});
