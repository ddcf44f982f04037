import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { EventFlowError } from "@eventflow/protocol";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Driver, Endpoint } from "../../src/drivers/driver.js";
import { startDriver, tempDir, waitForStatus } from "../local-driver/helpers/driver-harness.js";
import { writeTestImage } from "../local-driver/helpers/oci-image.js";
import { createTestRecorder, startInvokeServer } from "./invoke-harness.js";

const T = "acme";

async function collectLogs(
  driver: Driver,
  name: string,
  match: string,
  timeoutMs: number,
): Promise<boolean> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  try {
    for await (const line of driver.logs(T, name, { follow: true, signal: ac.signal })) {
      if (line.line.includes(match)) return true;
    }
    return false;
  } finally {
    clearTimeout(timer);
  }
}

describe("invoke router against real replicas", () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let driver: Driver;
  let server: Awaited<ReturnType<typeof startInvokeServer>>;
  const recorder = createTestRecorder();
  let fxImage: string;

  beforeAll(async () => {
    data = await tempDir("invoke");
    const image = await writeTestImage({ dir: `${data.path}/layout` });
    fxImage = image;
    driver = await startDriver(`${data.path}/data`);
    await driver.create({ tenant: T, name: "fx", image, replicas: 2 });
    await driver.create({ tenant: T, name: "cold", image, replicas: 0 });
    await waitForStatus(driver, { tenant: T, name: "fx" }, (s) => s.status === "Running");
    server = await startInvokeServer({
      driver,
      recorder,
      tenant: T,
      config: { maxBodyBytes: 256 * 1024 },
      timeouts: { fx: 0.5 },
    });
  });
  afterAll(async () => {
    await server?.close();
    await driver?.close();
    await data?.cleanup();
  });

  it("passes the function's own error status, headers and body through unchanged", async () => {
    const res = await request(`${server.url}/v1/functions/fx:invoke?op=status&code=418`);
    expect(res.statusCode).toBe(418);
    expect(res.headers["x-custom"]).toBe("kept");
    expect(res.headers["content-type"]).toBe("text/plain");
    expect(res.headers["set-cookie"]).toEqual(["a=1", "b=2"]);
    expect(await res.body.text()).toBe("function's own error body");
    const five = await request(`${server.url}/v1/functions/fx:invoke?op=status&code=503`);
    expect(five.statusCode).toBe(503);
    expect(five.headers["retry-after"]).toBeUndefined();
    expect(await five.body.text()).toBe("function's own error body");
  });

  it("propagates the request id and W3C trace context, drops the platform credential", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const res = await request(`${server.url}/v1/functions/fx:invoke?op=headers&x=1`, {
      method: "POST",
      headers: {
        "x-request-id": "req-abc-123",
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
        tracestate: "vendor=1",
        authorization: "Bearer platform-token",
        "x-custom-in": "yes",
        "content-type": "application/json",
      },
      body: JSON.stringify({ payload: { a: 1 } }),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers["x-request-id"]).toBe("req-abc-123");
    const seen = (await res.body.json()) as {
      headers: Record<string, string>;
      url: string;
      method: string;
    };
    expect(seen.method).toBe("POST");
    expect(seen.url).toBe("/?op=headers&x=1");
    expect(seen.headers["x-request-id"]).toBe("req-abc-123");
    expect(seen.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(seen.headers.traceparent).not.toContain("00f067aa0ba902b7");
    expect(seen.headers.tracestate).toBe("vendor=1");
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers["x-custom-in"]).toBe("yes");
    expect(seen.headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(seen.headers["content-type"]).toBe("application/json");
  });

  it("starts a new trace when none is sent", async () => {
    const res = await request(`${server.url}/v1/functions/fx:invoke?op=headers`);
    const seen = (await res.body.json()) as { headers: Record<string, string> };
    expect(seen.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(res.headers["x-request-id"]).toBe(seen.headers["x-request-id"]);
  });

  it("streams a 64 KiB response as it is produced", async () => {
    const started = Date.now();
    const res = await request(`${server.url}/v1/functions/fx:invoke?op=stream&kb=64&gap=40`);
    expect(res.statusCode).toBe(200);
    let first = 0;
    let total = 0;
    for await (const chunk of res.body) {
      if (first === 0) first = Date.now() - started;
      total += (chunk as Buffer).length;
    }
    const end = Date.now() - started;
    expect(total).toBe(64 * 1024);
    // 8 chunks 40 ms apart: a buffering proxy would deliver the first byte only at the end.
    expect(end - first).toBeGreaterThan(150);
  });

  it("streams a 64 KiB request body both ways without buffering it", async () => {
    const chunk = Buffer.alloc(8 * 1024, "x");
    const echoed = await new Promise<{ status: number; bytes: number; firstBeforeEnd: boolean }>(
      (resolve, reject) => {
        const req = httpRequest(`${server.url}/v1/functions/fx:invoke?op=echo`, {
          method: "POST",
          headers: { "content-type": "application/octet-stream" },
        });
        let sent = 0;
        let bodyDone = false;
        let firstBeforeEnd = false;
        req.on("response", (res) => {
          let bytes = 0;
          res.on("data", (c: Buffer) => {
            if (bytes === 0) firstBeforeEnd = !bodyDone;
            bytes += c.length;
            // Send the next chunk only once the previous one came back: proves streaming both ways.
            if (sent < 8) {
              req.write(chunk);
              sent++;
            } else if (!bodyDone && bytes >= 64 * 1024) {
              bodyDone = true;
            }
            if (sent === 8 && !bodyDone) {
              bodyDone = true;
              req.end();
            }
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes, firstBeforeEnd }));
        });
        req.on("error", reject);
        req.flushHeaders();
        req.write(chunk);
        sent = 1;
      },
    );
    expect(echoed.status).toBe(200);
    expect(echoed.bytes).toBe(64 * 1024);
    expect(echoed.firstBeforeEnd).toBe(true);
  });

  it("closes the connection of a client trickling its body once the 504 is sent", async () => {
    const { port } = new URL(server.url);
    const socket = connect(Number(port), "127.0.0.1");
    let received = "";
    socket.on("data", (c: Buffer) => (received += c.toString()));
    socket.on("error", () => undefined);
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.write(
      "POST /v1/functions/fx:invoke HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\ncontent-length: 1000\r\n\r\nstart",
    );
    // One byte every 50 ms for at most 6 s: far slower than the function's 0.5 s timeout.
    let trickling = true;
    const trickle = (async () => {
      for (let i = 0; i < 120 && trickling && !socket.destroyed; i++) {
        socket.write("x");
        await sleep(50);
      }
    })();
    const outcome = await Promise.race([closed.then(() => "closed"), trickle.then(() => "open")]);
    trickling = false;
    socket.destroy();
    expect(received).toMatch(/^HTTP\/1\.1 504 /);
    expect(received.toLowerCase()).toContain("connection: close");
    expect(outcome).toBe("closed");
  });

  it("answers 504 INVOKE_TIMEOUT after the function's timeout and aborts the upstream request", async () => {
    const aborted = collectLogs(driver, "fx", "client aborted", 5_000);
    const res = await request(`${server.url}/v1/functions/fx:invoke?op=slow&ms=3000`);
    expect(res.statusCode).toBe(504);
    const body = (await res.body.json()) as { error: { code: string; requestId: string } };
    expect(body.error.code).toBe("INVOKE_TIMEOUT");
    expect(body.error.requestId).toBe(res.headers["x-request-id"]);
    expect(await aborted).toBe(true);
  });

  it("starts a scaled-to-zero function on the first invoke", async () => {
    expect(driver.endpoints(T, "cold")).toHaveLength(0);
    const res = await request(`${server.url}/v1/functions/cold:invoke`);
    expect(res.statusCode).toBe(200);
    expect(((await res.body.json()) as { hello: string }).hello).toBe("world");
    expect(recorder.seen.invocations.at(-1)).toMatchObject({
      name: "cold",
      status: 200,
      coldStart: true,
    });
  });

  it("propagates a client disconnect to the replica", async () => {
    const aborted = collectLogs(driver, "cold", "client aborted", 8_000);
    const before = recorder.seen.invocations.length;
    const ac = new AbortController();
    const pending = request(`${server.url}/v1/functions/cold:invoke?op=slow&ms=5000`, {
      signal: ac.signal,
    }).catch((e: Error) => e);
    await sleep(300);
    ac.abort();
    expect(await pending).toBeInstanceOf(Error);
    expect(await aborted).toBe(true);
    await sleep(50);
    expect(recorder.seen.invocations.slice(before).map((i) => i.status)).toContain(499);
  });

  it("survives a client that leaves mid-answer after a cold start", async () => {
    await driver.create({ tenant: T, name: "cold2", image: fxImage, replicas: 0 });
    const before = recorder.seen.invocations.length;
    const ac = new AbortController();
    const res = await request(`${server.url}/v1/functions/cold2:invoke?op=stream&kb=64&gap=200`, {
      signal: ac.signal,
    });
    expect(res.statusCode).toBe(200);
    for await (const _chunk of res.body) {
      ac.abort();
      break;
    }
    await sleep(300);
    const mine = recorder.seen.invocations.slice(before).filter((i) => i.name === "cold2");
    expect(mine).toEqual([expect.objectContaining({ status: 499, coldStart: true })]);
  });

  it("rejects bodies over the limit with 413, by length and while streaming", async () => {
    const big = await request(`${server.url}/v1/functions/fx:invoke?op=echo`, {
      method: "POST",
      body: Buffer.alloc(300 * 1024),
    });
    expect(big.statusCode).toBe(413);
    expect(((await big.body.json()) as { error: { code: string } }).error.code).toBe(
      "REQUEST_BODY_TOO_LARGE",
    );
    const chunks = Array.from({ length: 40 }, () => Buffer.alloc(8 * 1024));
    const streamed = await request(`${server.url}/v1/functions/fx:invoke?op=slow&ms=3000`, {
      method: "POST",
      body: Readable.from(chunks),
    });
    expect(streamed.statusCode).toBe(413);
    expect(((await streamed.body.json()) as { error: { code: string } }).error.code).toBe(
      "REQUEST_BODY_TOO_LARGE",
    );
  });

  it("sends each request to the replica with the fewest outstanding requests", async () => {
    const slow = request(`${server.url}/v1/functions/fx:invoke?op=slow&ms=400`);
    await sleep(50);
    const pids = new Set<unknown>();
    for (let i = 0; i < 6; i++) {
      const res = await request(`${server.url}/v1/functions/fx:invoke`);
      pids.add(((await res.body.json()) as { pid: number }).pid);
    }
    expect(pids.size).toBe(1);
    expect((await slow).statusCode).toBe(200);
    const after = new Set<unknown>();
    for (let i = 0; i < 6; i++) {
      const res = await request(`${server.url}/v1/functions/fx:invoke`);
      after.add(((await res.body.json()) as { pid: number }).pid);
    }
    expect(after.size).toBe(2);
  });

  it("answers 429 RATE_LIMITED with retry-after once the tenant's burst is spent", async () => {
    const limitedRecorder = Object.assign(createTestRecorder(), { limited: 0 });
    const limited = await startInvokeServer({
      driver,
      recorder: { ...limitedRecorder, rateLimited: () => void limitedRecorder.limited++ },
      tenant: T,
      config: { tenantRateLimit: { ratePerSecond: 0.01, burst: 2 } },
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 2; i++) {
        const ok = await request(`${limited.url}/v1/functions/fx:invoke`, { method: "POST" });
        statuses.push(ok.statusCode);
        await ok.body.dump();
      }
      const refused = await request(`${limited.url}/v1/functions/fx:invoke`, { method: "POST" });
      expect(statuses).toEqual([200, 200]);
      expect(refused.statusCode).toBe(429);
      expect(Number(refused.headers["retry-after"])).toBeGreaterThanOrEqual(1);
      expect(refused.headers["x-eventflow-error"]).toBe("RATE_LIMITED");
      expect(((await refused.body.json()) as { error: { code: string } }).error.code).toBe(
        "RATE_LIMITED",
      );
      // The refused invoke never reached a replica and is not an invocation.
      expect(limitedRecorder.seen.invocations).toHaveLength(2);
      expect(limitedRecorder.limited).toBe(1);
    } finally {
      await limited.close();
    }
  });

  it("records invocations and returns in-flight to zero", () => {
    expect(recorder.seen.inFlight).toBe(0);
    expect(recorder.seen.invocations.some((i) => i.status === 418)).toBe(true);
    expect(recorder.seen.invocations.some((i) => i.coldStart)).toBe(true);
  });
});

describe("invoke router when replicas are unreachable", () => {
  // A driver double: the real driver never lists a dead port for long, so the refused and
  // not-ready races are pinned here with endpoints that are known to be closed.
  function stubDriver(endpoints: Endpoint[], waitError?: EventFlowError): Driver {
    return {
      endpoints: () => endpoints,
      waitForEndpoint: () =>
        Promise.reject(waitError ?? new EventFlowError("FUNCTION_NOT_READY", "not ready")),
    } as unknown as Driver;
  }
  const closedPort = "http://127.0.0.1:9"; // discard port: nothing listens on loopback here

  it("answers 502 INVOKE_UPSTREAM_UNREACHABLE when the only replica refuses", async () => {
    const s = await startInvokeServer({
      driver: stubDriver([{ replica: "r-0", url: closedPort }]),
      recorder: createTestRecorder(),
      tenant: T,
    });
    try {
      const res = await request(`${s.url}/v1/functions/gone:invoke`, { method: "POST", body: "x" });
      expect(res.statusCode).toBe(502);
      expect(((await res.body.json()) as { error: { code: string } }).error.code).toBe(
        "INVOKE_UPSTREAM_UNREACHABLE",
      );
    } finally {
      await s.close();
    }
  });

  it("a small answer cut off by the replica becomes a clean 502; a long one is cut short", async () => {
    // A bare socket server stands in for a replica that dies mid-answer (the fixture app
    // answers whole): it sends the head and part of the declared body, then closes.
    const { createServer } = await import("node:net");
    const cutter = createServer((socket) => {
      socket.once("data", (head) => {
        const declared = head.toString().includes("size=big") ? 1_000_000 : 100;
        socket.end(`HTTP/1.1 200 OK\r\ncontent-length: ${declared}\r\n\r\n` + "x".repeat(10));
      });
    });
    await new Promise<void>((resolve) => cutter.listen(0, "127.0.0.1", resolve));
    const port = (cutter.address() as { port: number }).port;
    const s = await startInvokeServer({
      driver: stubDriver([{ replica: "r-0", url: `http://127.0.0.1:${port}` }]),
      recorder: createTestRecorder(),
      tenant: T,
    });
    try {
      const small = await request(`${s.url}/v1/functions/cut:invoke`, { method: "POST" });
      expect(small.statusCode).toBe(502);
      expect(small.headers["x-eventflow-error"]).toBe("INVOKE_UPSTREAM_UNREACHABLE");
      expect(((await small.body.json()) as { error: { code: string } }).error.code).toBe(
        "INVOKE_UPSTREAM_UNREACHABLE",
      );
      // Past the held size the head goes out at once, so the client sees a truncated body.
      const big = await request(`${s.url}/v1/functions/cut:invoke?size=big`, { method: "POST" });
      expect(big.statusCode).toBe(200);
      await expect(big.body.text()).rejects.toThrow();
    } finally {
      await s.close();
      cutter.close();
    }
  });

  it("answers 503 FUNCTION_NOT_READY with retry-after when no replica becomes ready", async () => {
    const s = await startInvokeServer({
      driver: stubDriver([]),
      recorder: createTestRecorder(),
      tenant: T,
    });
    try {
      const res = await request(`${s.url}/v1/functions/gone:invoke`);
      expect(res.statusCode).toBe(503);
      expect(res.headers["retry-after"]).toBe("1");
      expect(((await res.body.json()) as { error: { code: string } }).error.code).toBe(
        "FUNCTION_NOT_READY",
      );
    } finally {
      await s.close();
    }
  });
});
