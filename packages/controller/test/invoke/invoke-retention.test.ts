import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Pool } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInvokeHandler, type InvokeTarget } from "../../src/invoke/index.js";
import { createTestRecorder, stubDriver } from "./invoke-harness.js";

// An invoke that has answered must leave nothing of itself reachable: under load the young
// generation is collected every few hundred invokes, and whatever a finished invoke still
// reaches then is copied and promoted to the old generation with it (its request, response and
// buffers), which costs collection time on every invoke and long pauses in the latency tail.
// Each request here carries 64 KiB of ballast on its response object; the old generation is
// measured across young-generation collections only (V8's own, through --expose-gc).
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as (options?: { type: "minor" | "major" }) => void;
const oldSpaceBytes = () =>
  getHeapSpaceStatistics().find((s) => s.space_name === "old_space")!.space_used_size;

const BALLAST = 8192; // elements: 64 KiB each
const INVOKES = 200;
// Invokes in flight at once: finished invokes were kept alive only while others were pending
// (the shared deadline timer this replaced promoted 9.7 of the 12.5 MiB here).
const CONCURRENCY = 8;

/** The invoke router on a real server in front of `upstream`, for one function. */
async function startProxy(upstream: string, target: InvokeTarget) {
  const handler = createInvokeHandler({
    driver: stubDriver([{ replica: "r0", url: upstream }]),
    recorder: createTestRecorder(),
    config: { maxBodyBytes: 1024, defaultTimeoutSeconds: 30 },
  });
  const server = createServer((req, res) => {
    (res as unknown as { ballast: number[] }).ballast = new Array<number>(BALLAST).fill(1);
    void handler({ req, res, requestId: "r", querystring: "", protocol: "http" }, target);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const client = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, {
    connections: CONCURRENCY,
  });
  async function invoke(): Promise<void> {
    const res = await client.request({ path: "/", method: "POST", body: "{}" });
    expect(res.statusCode).toBe(200);
    await res.body.text();
  }
  return {
    /** Old-space bytes promoted by young collections after INVOKES invokes, CONCURRENCY at once. */
    async promotedBy(): Promise<number> {
      for (let i = 0; i < 20; i++) await invoke();
      gc();
      gc();
      const before = oldSpaceBytes();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (let i = 0; i < INVOKES / CONCURRENCY; i++) await invoke();
        }),
      );
      gc({ type: "minor" });
      gc({ type: "minor" });
      return oldSpaceBytes() - before;
    },
    async close() {
      await client.close();
      server.close();
      await handler.close();
    },
  };
}

describe("memory an invoke keeps after answering", () => {
  let replica: Server;
  let upstream: string;

  beforeAll(async () => {
    replica = createServer((_req, res) => res.end("ok"));
    await new Promise<void>((r) => replica.listen(0, "127.0.0.1", r));
    upstream = `http://127.0.0.1:${(replica.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    replica?.close();
  });

  // Kept alive, all of the ballast would be promoted (about 12.5 MiB); a quarter allows for the
  // requests in flight during the collections the run itself triggers (about 1 MiB).
  const LIMIT = (INVOKES * BALLAST * 8) / 4;

  it("is not promoted by young-generation collections once it has answered", async () => {
    const proxy = await startProxy(upstream, { tenant: "acme", name: "fx" });
    try {
      expect(await proxy.promotedBy()).toBeLessThan(LIMIT);
    } finally {
      await proxy.close();
    }
  });

  it("is not promoted either after the activator held it (containerConcurrency 1)", async () => {
    // One invoke at a replica at a time: the others wait in the activator's queue, and each
    // answer hands the slot to the next one.
    const proxy = await startProxy(upstream, {
      tenant: "acme",
      name: "fx",
      containerConcurrency: 1,
    });
    try {
      expect(await proxy.promotedBy()).toBeLessThan(LIMIT);
    } finally {
      await proxy.close();
    }
  });
});
