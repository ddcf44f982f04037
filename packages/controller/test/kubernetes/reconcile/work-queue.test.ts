/**
 * Tier 1: the reconciler's work queue, its rate limiter and its workers, on a clock the test
 * moves by hand (no real sleeps).
 */
import { describe, expect, it } from "vitest";
import {
  createRateLimiter,
  createWorkQueue,
  runWorkers,
} from "../../../src/drivers/kubernetes/reconcile/index.js";
import { createManualClock } from "./manual-clock.js";

/** Lets every pending promise callback run (the workers' awaits). */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
/** A rate limit that never binds, to look at the per-key backoff alone. */
const UNLIMITED = { qps: 1e9, burst: 1e9 };

/** "a" processing, "b" waiting, "later" delayed by 100 ms. */
async function oneProcessingOneWaitingOneDelayed() {
  const clock = createManualClock();
  const q = createWorkQueue({ clock });
  q.add("a");
  q.add("b");
  expect(await q.get()).toBe("a");
  q.addAfter("later", 100);
  return { clock, q };
}

describe("work queue", () => {
  it("keeps one entry per waiting key, in first-add order", async () => {
    const q = createWorkQueue({ clock: createManualClock() });
    for (const key of ["a", "b", "a", "c", "b"]) q.add(key);
    expect(q.len()).toBe(3);
    expect([await q.get(), await q.get(), await q.get()]).toEqual(["a", "b", "c"]);
    expect(q.len()).toBe(0);
  });

  it("never hands a key being processed to a second worker, and re-queues it once on done", async () => {
    const q = createWorkQueue({ clock: createManualClock() });
    q.add("a");
    expect(await q.get()).toBe("a");
    q.add("a");
    q.add("a");
    expect(q.len()).toBe(0);
    let second: string | undefined | null = null;
    void q.get().then((key) => (second = key));
    await flush();
    expect(second).toBeNull();
    q.done("a");
    await flush();
    expect(second).toBe("a");
    expect(q.len()).toBe(0);
    q.done("a");
    expect(q.len()).toBe(0);
  });

  it("does not re-queue a processed key that was not added again", async () => {
    const q = createWorkQueue({ clock: createManualClock() });
    q.add("a");
    q.done((await q.get())!);
    expect(q.len()).toBe(0);
    q.add("a");
    expect(q.len()).toBe(1);
  });

  it("hands keys to waiting getters in the order they asked", async () => {
    const q = createWorkQueue({ clock: createManualClock() });
    const got = [q.get(), q.get()];
    q.add("x");
    q.add("y");
    expect(await Promise.all(got)).toEqual(["x", "y"]);
    q.add("x");
    expect(q.len()).toBe(0);
  });

  it("delays addAfter keys and releases them in due order; an earlier add wins", () => {
    const clock = createManualClock();
    const q = createWorkQueue({ clock });
    q.addAfter("c", 30);
    q.addAfter("a", 10);
    q.addAfter("b", 20);
    q.addAfter("a", 50);
    q.addAfter("b", 5);
    expect(q.delayed()).toBe(3);
    expect(clock.pending()).toBe(3);
    clock.advance(4);
    expect(q.len()).toBe(0);
    clock.advance(26);
    expect(q.len()).toBe(3);
    expect(q.delayed()).toBe(0);
    expect(clock.pending()).toBe(0);
    return expect(Promise.all([q.get(), q.get(), q.get()])).resolves.toEqual(["b", "a", "c"]);
  });

  it("adds at once when addAfter gets no positive delay", () => {
    const q = createWorkQueue({ clock: createManualClock() });
    q.addAfter("a", 0);
    q.addAfter("b", -5);
    expect(q.len()).toBe(2);
  });

  it("retries a key after its exponential backoff, capped, and forget resets it", async () => {
    const clock = createManualClock();
    const q = createWorkQueue({
      clock,
      rateLimit: { ...UNLIMITED, baseDelayMs: 5, maxDelayMs: 1000 },
    });
    const delays: number[] = [];
    for (let i = 0; i < 10; i++) {
      const start = clock.now();
      q.addRateLimited("k");
      while (q.len() === 0 && clock.now() - start < 5000) clock.advance(1);
      delays.push(clock.now() - start);
      q.done((await q.get())!);
    }
    expect(delays).toEqual([5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
    expect(q.retries("k")).toBe(10);
    q.forget("k");
    expect(q.retries("k")).toBe(0);
  });

  it("uses client-go's defaults: 5 ms doubling up to 1000 s", () => {
    const limiter = createRateLimiter(createManualClock(), UNLIMITED);
    const delays = Array.from({ length: 40 }, () => limiter.when("k"));
    expect(delays.slice(0, 3)).toEqual([5, 10, 20]);
    expect(delays.at(-1)).toBe(1_000_000);
    expect(Math.max(...delays)).toBe(1_000_000);
    limiter.forget("k");
    expect(limiter.when("k")).toBe(5);
    // A key failing for ever stays finite.
    for (let i = 0; i < 5000; i++) limiter.when("forever");
    expect(limiter.when("forever")).toBe(1_000_000);
  });

  it("limits retries over all keys with a token bucket", () => {
    const clock = createManualClock();
    const limiter = createRateLimiter(clock, { baseDelayMs: 1, qps: 10, burst: 3 });
    // Three fresh keys ride the burst; the next wait for tokens at 10 per second.
    const first = ["a", "b", "c", "d", "e"].map((key) => limiter.when(key));
    expect(first).toEqual([1, 1, 1, 100, 200]);
    clock.advance(10_000);
    expect(["f", "g", "h", "i"].map((key) => limiter.when(key))).toEqual([1, 1, 1, 100]);
  });

  it("refuses settings that are not positive numbers with CONFIG_INVALID", () => {
    for (const bad of [{ qps: 0 }, { burst: -1 }, { baseDelayMs: Number.NaN }, { maxDelayMs: 0 }])
      expect(() => createRateLimiter(createManualClock(), bad)).toThrow(
        expect.objectContaining({ code: "CONFIG_INVALID" }),
      );
  });

  it("shutDown drops waiting and delayed keys, ends getters and ignores later adds", async () => {
    const { clock, q } = await oneProcessingOneWaitingOneDelayed();
    q.addRateLimited("failed");
    q.shutDown();
    expect(q.isShuttingDown()).toBe(true);
    expect(clock.pending()).toBe(0);
    expect(await q.get()).toBeUndefined();
    q.add("c");
    q.addAfter("d", 1);
    q.addRateLimited("e");
    clock.advance(1000);
    expect(q.len()).toBe(0);
    expect(q.delayed()).toBe(0);
    q.done("a");
    expect(q.len()).toBe(0);
  });

  it("shutDownWithDrain hands out queued keys, then resolves when the last is done", async () => {
    const { clock, q } = await oneProcessingOneWaitingOneDelayed();
    let drained = false;
    const drain = q.shutDownWithDrain().then(() => (drained = true));
    expect(q.shutDownWithDrain()).toBe(q.shutDownWithDrain());
    expect(clock.pending()).toBe(0);
    q.add("a");
    q.add("c");
    expect(await q.get()).toBe("b");
    expect(await q.get()).toBeUndefined();
    q.done("b");
    await flush();
    expect(drained).toBe(false);
    q.done("a");
    await drain;
    expect(drained).toBe(true);
    expect(q.len()).toBe(0);
  });
});

describe("runWorkers", () => {
  it("retries a failing key with growing backoff while other keys keep flowing", async () => {
    const clock = createManualClock();
    const q = createWorkQueue({ clock, rateLimit: UNLIMITED });
    const calls: [string, number][] = [];
    const errors: string[] = [];
    let brokenUntil = 3;
    const workers = runWorkers(
      q,
      2,
      async (key) => {
        calls.push([key, clock.now()]);
        if (key === "bad" && brokenUntil-- > 0) throw new Error("boom");
      },
      {
        onError: (key) => {
          errors.push(key);
          throw new Error("the hook itself fails");
        },
      },
    );
    q.add("bad");
    q.add("ok1");
    await flush();
    q.add("ok2");
    for (let i = 0; i < 100; i++) {
      clock.advance(1);
      await flush();
    }
    expect(errors).toEqual(["bad", "bad", "bad"]);
    const badTimes = calls.filter(([key]) => key === "bad").map(([, t]) => t);
    expect(badTimes).toEqual([0, 5, 15, 35]);
    expect(calls.filter(([key]) => key !== "bad").map(([key]) => key)).toEqual(["ok1", "ok2"]);
    expect(q.retries("bad")).toBe(0);
    q.shutDown();
    await workers;
  });

  it("refuses a worker count that is not a positive integer", async () => {
    const q = createWorkQueue({ clock: createManualClock() });
    for (const count of [0, 1.5, -1])
      await expect(runWorkers(q, count, async () => {})).rejects.toMatchObject({
        code: "CONFIG_INVALID",
      });
  });

  it("passes 10,000 keys through 8 workers, one worker per key, leaking no timer", async () => {
    const clock = createManualClock();
    const q = createWorkQueue({ clock, rateLimit: { qps: 1000, burst: 100 } });
    const active = new Set<string>();
    const runs = new Map<string, number>();
    const succeeded = new Set<string>();
    let overlaps = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    const workers = runWorkers(q, 8, async (key) => {
      if (active.has(key)) overlaps++;
      active.add(key);
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      const run = (runs.get(key) ?? 0) + 1;
      runs.set(key, run);
      // The first run adds its key again while busy across a turn of the event loop.
      if (run === 1) q.add(key);
      await flush();
      active.delete(key);
      inFlight--;
      // Every third key fails on its first run: it also comes back through the rate limiter.
      if (run === 1 && Number(key.slice(1)) % 3 === 0) throw new Error("transient");
      succeeded.add(key);
    });
    for (let i = 0; i < 10_000; i++) q.add(`k${i}`);
    for (let round = 0; round < 50_000; round++) {
      if (succeeded.size === 10_000 && q.len() === 0 && q.delayed() === 0 && inFlight === 0) break;
      clock.advance(5);
      await flush();
    }
    q.shutDown();
    await workers;
    expect(succeeded.size).toBe(10_000);
    expect(overlaps).toBe(0);
    expect(maxInFlight).toBe(8);
    // Two runs per key (the re-add); a failed key's retry merges with its waiting re-add or
    // makes a third run, never more.
    expect(Math.min(...runs.values())).toBe(2);
    expect(Math.max(...runs.values())).toBeLessThanOrEqual(3);
    expect([...runs.values()].reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(2 * 10_000 + 3334);
    expect(clock.pending()).toBe(0);
    expect([...runs.keys()].filter((key) => q.retries(key) > 0)).toEqual([]);
  }, 60_000);
});
