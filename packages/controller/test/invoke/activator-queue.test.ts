// The activator's queue on its own: who gets a freed slot, and how many looks at the replicas'
// room that costs. The room is the real balancer's; the driver is a stand-in that lists the
// endpoints a test sets (the drivers' own scale from zero is tested with them), and a request
// "in flight" is the balancer's outstanding count, raised and lowered as an attempt does.
import { EventFlowError } from "@eventflow/protocol";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Driver, Endpoint } from "../../src/drivers/driver.js";
import { createActivator } from "../../src/invoke/activator.js";
import { createBalancer } from "../../src/invoke/balancer.js";

const FN = { tenant: "acme", name: "fx" };
const KEY = "acme/fx";
const replica = (i: number): Endpoint => ({ replica: `r-${i}`, url: `http://127.0.0.1:${9 + i}` });
/** Lets every timer-free continuation run (promise callbacks, then one macrotask turn). */
const settled = () => new Promise((r) => setImmediate(r));

const balancers: ReturnType<typeof createBalancer>[] = [];
afterEach(async () => {
  await Promise.all(balancers.splice(0).map((b) => b.close()));
});

function setup(options: {
  limit: number;
  recheckMs: number;
  waitForEndpoint?: () => Promise<Endpoint>;
}) {
  const list = { endpoints: [replica(0)] };
  const balancer = createBalancer({ connections: 1, keepAliveTimeoutMs: 1000 });
  balancers.push(balancer);
  const looks = { count: 0 };
  const driver = {
    endpoints: () => list.endpoints,
    waitForEndpoint: options.waitForEndpoint ?? (() => new Promise<Endpoint>(() => undefined)),
  } as unknown as Driver;
  const activator = createActivator(
    driver,
    (fnKey, endpoints, limit) => {
      looks.count++;
      return balancer.room(fnKey, endpoints, limit);
    },
    { maxQueued: 1000, recheckMs: options.recheckMs },
  );
  /** An attempt starts on the least loaded replica with room (as startAttempt counts it). */
  function startAttempt() {
    const upstream = balancer.pick(KEY, list.endpoints, undefined, options.limit);
    if (upstream === undefined) throw new Error("no replica with room");
    upstream.outstanding++;
    return () => {
      upstream.outstanding--;
      activator.release(KEY);
    };
  }
  /** Holds invoke `id`; once handed a slot it starts its attempt and settles, as the router does. */
  function hold(
    id: number,
    served: number[],
    ends: (() => void)[],
    timeoutMs = 60_000,
    signal?: Promise<never>,
  ) {
    return activator.admit(KEY, FN, options.limit, timeoutMs, signal).then(() => {
      served.push(id);
      ends.push(startAttempt());
      activator.settle(KEY);
    });
  }
  return { list, activator, looks, startAttempt, hold };
}

describe("the activator's queue", () => {
  it("200 held at containerConcurrency 1: each request's end hands its slot to one waiter, oldest first, with one look at the room", async () => {
    const { activator, looks, startAttempt, hold } = setup({ limit: 1, recheckMs: 60_000 });
    const ends = [startAttempt()];
    const served: number[] = [];
    const all = Array.from({ length: 200 }, (_, id) => hold(id, served, ends));
    await settled();
    expect(served).toEqual([]);
    expect(activator.queued(KEY)).toBe(200);
    for (let i = 0; i < 200; i++) {
      const before = looks.count;
      ends.shift()!();
      await settled();
      expect(served).toHaveLength(i + 1);
      expect(served[i]).toBe(i);
      expect(activator.queued(KEY)).toBe(199 - i);
      // The release's look, and the settle's once the attempt started: not one per waiter.
      expect(looks.count - before).toBeLessThanOrEqual(2);
    }
    await Promise.all(all);
    expect(served).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it("a waiter that left (client gone, deadline) or was handed a slot it did not use passes the slot on", async () => {
    const { activator, startAttempt } = setup({ limit: 1, recheckMs: 60_000 });
    const end = startAttempt();
    let leave!: (reason: unknown) => void;
    const gone = new Promise<never>((_, reject) => (leave = reject));
    const left = activator.admit(KEY, FN, 1, 60_000, gone);
    const late = activator.admit(KEY, FN, 1, 30);
    const unused = activator.admit(KEY, FN, 1, 60_000);
    const next = activator.admit(KEY, FN, 1, 60_000);
    const order: string[] = [];
    void unused.then(() => order.push("unused"));
    void next.then(() => order.push("next"));
    leave(new Error("client closed"));
    await expect(left).rejects.toThrow("client closed");
    await expect(late).rejects.toMatchObject({ code: "FUNCTION_NOT_READY" });
    expect(activator.queued(KEY)).toBe(2);

    end();
    await settled();
    expect(order).toEqual(["unused"]);
    // The invoke handed the slot gives up before its attempt: the slot goes to the next waiter.
    activator.settle(KEY);
    await settled();
    expect(order).toEqual(["unused", "next"]);
    expect(activator.queued(KEY)).toBe(0);
  });

  it("a new replica hands as many slots as it has room for, and no more while they are not yet taken", async () => {
    const { list, activator, startAttempt } = setup({ limit: 2, recheckMs: 5 });
    const ends = [startAttempt(), startAttempt()];
    const handed: number[] = [];
    for (let id = 0; id < 5; id++)
      void activator.admit(KEY, FN, 2, 60_000).then(() => handed.push(id));
    await settled();
    expect(handed).toEqual([]);

    list.endpoints = [replica(0), replica(1)];
    await vi.waitFor(() => expect(handed).toEqual([0, 1]));
    // Several more looks while the two handed slots are not yet counted by the replica.
    await new Promise((r) => setTimeout(r, 50));
    expect(handed).toEqual([0, 1]);
    for (let i = 0; i < 2; i++) {
      ends.push(startAttempt());
      activator.settle(KEY);
    }
    await new Promise((r) => setTimeout(r, 20));
    expect(handed).toEqual([0, 1]);
    expect(activator.queued(KEY)).toBe(3);

    ends.shift()!();
    await settled();
    expect(handed).toEqual([0, 1, 2]);
  });

  it("held invokes of a function that went to zero and cannot start fail with the driver's code", async () => {
    const starts: number[] = [];
    const { list, activator, startAttempt } = setup({
      limit: 1,
      recheckMs: 5,
      waitForEndpoint: async () => {
        starts.push(1);
        throw new EventFlowError("FUNCTION_NOT_FOUND", "fx was deleted");
      },
    });
    startAttempt();
    const held = Array.from({ length: 3 }, () => activator.admit(KEY, FN, 1, 60_000));
    await settled();
    expect(activator.queued(KEY)).toBe(3);
    list.endpoints = [];
    for (const h of held) await expect(h).rejects.toMatchObject({ code: "FUNCTION_NOT_FOUND" });
    expect(starts).toHaveLength(1);
    expect(activator.queued(KEY)).toBe(0);
  });
});
