// The activator in the invoke path: invokes held while a function has no replica with room.
// Replicas are real HTTP servers on loopback that count the requests they hold at once; the
// driver is a stand-in that lists them (the drivers' own scale from zero is tested with them).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { EventFlowError } from "@eventflow/protocol";
import { request } from "undici";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Driver, Endpoint } from "../../src/drivers/driver.js";
import { createTestRecorder, startInvokeServer } from "./invoke-harness.js";

interface Replica {
  readonly endpoint: Endpoint;
  readonly seen: { now: number; max: number; total: number };
  close(): Promise<void>;
}

/** A replica that answers every request after `holdMs`, counting how many it holds at once. */
async function startReplica(name: string, holdMs: number): Promise<Replica> {
  const seen = { now: 0, max: 0, total: 0 };
  const server: Server = createServer((req, res) => {
    seen.now++;
    seen.total++;
    seen.max = Math.max(seen.max, seen.now);
    req.resume();
    setTimeout(() => {
      seen.now--;
      res.end(name);
    }, holdMs);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: { replica: name, url: `http://127.0.0.1:${port}` },
    seen,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** A driver whose endpoints are `list`; `waitForEndpoint` runs `wake` (default: never ready). */
function driverOf(list: { endpoints: Endpoint[] }, wake?: () => Promise<void>): Driver {
  let starts = 0;
  return {
    endpoints: () => list.endpoints,
    starts: () => starts,
    waitForEndpoint: async (_t: string, _n: string, timeoutMs: number) => {
      starts++;
      if (wake) {
        await wake();
        return list.endpoints[0]!;
      }
      await new Promise((r) => setTimeout(r, timeoutMs));
      throw new EventFlowError("FUNCTION_NOT_READY", "not ready");
    },
  } as unknown as Driver;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function invokeMany(url: string, n: number) {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const res = await request(`${url}/v1/functions/fx:invoke`, { method: "POST", body: "x" });
      const text = await res.body.text();
      return { status: res.statusCode, retryAfter: res.headers["retry-after"], text };
    }),
  );
}

describe("the activator", () => {
  it("never sends a replica more than containerConcurrency requests; the rest wait and all succeed", async () => {
    const replicas = await Promise.all([startReplica("r-0", 150), startReplica("r-1", 150)]);
    cleanups.push(...replicas.map((r) => () => r.close()));
    const s = await startInvokeServer({
      driver: driverOf({ endpoints: replicas.map((r) => r.endpoint) }),
      recorder: createTestRecorder(),
      tenant: "acme",
      targets: { fx: { containerConcurrency: 2 } },
    });
    cleanups.push(s.close);
    const answers = await invokeMany(s.url, 12);
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(200));
    for (const r of replicas) expect(r.seen.max).toBeLessThanOrEqual(2);
    expect(replicas[0]!.seen.total + replicas[1]!.seen.total).toBe(12);
  });

  it("at containerConcurrency 1, held invokes reach the replica in the order they came; one whose client left is skipped", async () => {
    const order: number[] = [];
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const server: Server = createServer((req, res) => {
      const seq = Number(req.headers["x-seq"]);
      order.push(seq);
      req.resume();
      void (seq === 0 ? gate : Promise.resolve()).then(() => res.end(String(seq)));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cleanups.push(() => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    });
    const { port } = server.address() as AddressInfo;
    const s = await startInvokeServer({
      driver: driverOf({ endpoints: [{ replica: "r-0", url: `http://127.0.0.1:${port}` }] }),
      recorder: createTestRecorder(),
      tenant: "acme",
      targets: { fx: { containerConcurrency: 1 } },
    });
    cleanups.push(s.close);
    const send = (seq: number, signal?: AbortSignal) =>
      request(`${s.url}/v1/functions/fx:invoke`, {
        method: "POST",
        body: "x",
        headers: { "x-seq": String(seq) },
        ...(signal ? { signal } : {}),
      }).then(async (res) => (await res.body.text(), res.statusCode));

    const answers = [send(0)];
    await vi.waitFor(() => expect(order).toEqual([0]));
    const leaving = new AbortController();
    let gone: Promise<unknown> = Promise.resolve();
    for (let seq = 1; seq <= 20; seq++) {
      if (seq === 7) gone = send(seq, leaving.signal).catch((e: unknown) => e);
      else answers.push(send(seq));
      // Each one is held before the next is sent, so the queue's order is the sending order.
      await vi.waitFor(() => expect(s.handler.queued("acme/fx")).toBe(seq));
    }
    leaving.abort();
    await gone;
    await vi.waitFor(() => expect(s.handler.queued("acme/fx")).toBe(19));
    open();
    expect(await Promise.all(answers)).toEqual(Array(20).fill(200));
    expect(order).toEqual([
      0,
      ...Array.from({ length: 20 }, (_, i) => i + 1).filter((i) => i !== 7),
    ]);
    expect(s.handler.queued("acme/fx")).toBe(0);
  });

  it("holds invokes at zero and sends them all once the first replica is ready; one cold start is recorded", async () => {
    const replica = await startReplica("r-0", 10);
    cleanups.push(() => replica.close());
    const list: { endpoints: Endpoint[] } = { endpoints: [] };
    const driver = driverOf(list, async () => {
      await new Promise((r) => setTimeout(r, 300));
      list.endpoints = [replica.endpoint];
    });
    const cold: number[] = [];
    const depths: number[] = [];
    const s = await startInvokeServer({
      driver,
      recorder: createTestRecorder(),
      tenant: "acme",
      activatorRecorder: {
        coldStart: (_fn, seconds) => cold.push(seconds),
        queueDepth: (_fn, depth) => depths.push(depth),
      },
    });
    cleanups.push(s.close);
    const answers = await invokeMany(s.url, 20);
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect((driver as unknown as { starts(): number }).starts()).toBe(1);
    expect(cold).toHaveLength(1);
    expect(cold[0]).toBeGreaterThan(0.2);
    expect(Math.max(...depths)).toBe(20);
    expect(depths.at(-1)).toBe(0);
    expect(s.handler.queued("acme/fx")).toBe(0);
  });

  it("a full queue answers 503 FUNCTION_NOT_READY with retry-after at once; the held ones time out, none hang", async () => {
    const s = await startInvokeServer({
      driver: driverOf({ endpoints: [] }),
      recorder: createTestRecorder(),
      tenant: "acme",
      config: { maxQueuedPerFunction: 3, coldStartTimeoutMs: 400 },
    });
    cleanups.push(s.close);
    const answers = await invokeMany(s.url, 8);
    const bodies = answers.map(
      (a) => JSON.parse(a.text) as { error: { code: string; details?: { queued?: number } } },
    );
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(503));
    expect(answers.every((a) => a.retryAfter === "1")).toBe(true);
    expect(bodies.every((b) => b.error.code === "FUNCTION_NOT_READY")).toBe(true);
    // Five were refused because three were already held.
    expect(bodies.filter((b) => b.error.details?.queued === 3)).toHaveLength(5);
    expect(s.handler.queued("acme/fx")).toBe(0);
  });

  it("a function that cannot start fails its held invokes with the driver's reason", async () => {
    const driver = {
      endpoints: () => [],
      waitForEndpoint: async () => {
        await new Promise((r) => setTimeout(r, 50));
        throw new EventFlowError("FUNCTION_CRASH_LOOP", "replica fx-0 exited with code 1");
      },
    } as unknown as Driver;
    const s = await startInvokeServer({ driver, recorder: createTestRecorder(), tenant: "acme" });
    cleanups.push(s.close);
    const answers = await invokeMany(s.url, 4);
    expect(answers.map((a) => a.status)).toEqual(Array(4).fill(503));
    for (const a of answers) expect(a.text).toContain("FUNCTION_CRASH_LOOP");
  });
});
