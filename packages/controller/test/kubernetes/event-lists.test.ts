// The shared Events lists: callers within the window share one API call per namespace; a
// failed list and an expired one are asked again. The list function stands in for the API
// server's call (events.k8s.test.ts reads real Events through the driver).
import type { CoreV1EventList } from "@kubernetes/client-node";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createEventLists } from "../../src/drivers/kubernetes/event-lists.js";

const listOf = (n: number): CoreV1EventList => ({
  items: [],
  metadata: { resourceVersion: String(n) },
});

afterEach(() => vi.useRealTimers());

describe("createEventLists", () => {
  it("lists a namespace once for every caller within the window, then again", async () => {
    vi.useFakeTimers();
    const calls: string[] = [];
    const lists = createEventLists(async (ns) => {
      calls.push(ns);
      return listOf(calls.length);
    }, 2000);
    const [a, b] = await Promise.all([lists("acme"), lists("acme")]);
    expect(a).toBe(b);
    await lists("other");
    expect(calls).toEqual(["acme", "other"]);
    await vi.advanceTimersByTimeAsync(2001);
    expect((await lists("acme")).metadata?.resourceVersion).toBe("3");
    expect(calls).toEqual(["acme", "other", "acme"]);
  });

  it("does not keep a failed list: the next caller asks again", async () => {
    let n = 0;
    const lists = createEventLists(async () => {
      if (++n === 1) throw new Error("API server gone");
      return listOf(n);
    });
    await expect(lists("acme")).rejects.toThrow("API server gone");
    await Promise.resolve();
    expect((await lists("acme")).metadata?.resourceVersion).toBe("2");
  });
});
