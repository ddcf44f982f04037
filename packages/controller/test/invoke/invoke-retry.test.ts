import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestRecorder, startInvokeServer, stubDriver } from "./invoke-harness.js";

// Replicas that die under a request: real sockets on loopback. One answers, one resets every
// connection as soon as a request arrives (what a killed container does to a socket it had not
// read), one refuses (nothing listens). The driver is a double listing them, because the real
// drivers take a dead replica out of their endpoints only after a while: the race is pinned here.
function replica(
  behaviour: "answer" | "reset",
): Promise<{ server: Server; url: string; seen: number[] }> {
  const seen: number[] = [];
  const server = createServer((req, res) => {
    seen.push(1);
    if (behaviour === "reset") req.socket.resetAndDestroy();
    else res.end("ok");
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen }),
    ),
  );
}

const REFUSING = "http://127.0.0.1:9"; // discard port: nothing listens on loopback here

describe("invoke router retries on another replica", () => {
  let good: Awaited<ReturnType<typeof replica>>;
  let resetting: Awaited<ReturnType<typeof replica>>;
  let server: Awaited<ReturnType<typeof startInvokeServer>>;

  beforeAll(async () => {
    [good, resetting] = await Promise.all([replica("answer"), replica("reset")]);
    server = await startInvokeServer({
      driver: stubDriver([
        { replica: "reset", url: resetting.url },
        { replica: "good", url: good.url },
        { replica: "refused", url: REFUSING },
      ]),
      recorder: createTestRecorder(),
      tenant: "acme",
    });
  });
  afterAll(async () => {
    await server?.close();
    good?.server.close();
    resetting?.server.close();
  });

  async function invoke(method: string, headers: Record<string, string> = {}) {
    const res = await request(`${server.url}/v1/functions/fx:invoke`, {
      method: method as "GET",
      headers,
      ...(method === "GET" ? {} : { body: "payload" }),
    });
    const text = await res.body.text();
    return res.statusCode === 200
      ? 200
      : `${res.statusCode} ${(JSON.parse(text) as { error: { code: string } }).error.code}`;
  }

  it("idempotent requests whose connection broke before the answer, and refused ones, all succeed", async () => {
    const before = resetting.seen.length;
    const statuses = [];
    for (let i = 0; i < 12; i++) statuses.push(await invoke(i % 2 ? "GET" : "PUT"));
    expect(statuses).toEqual(Array(12).fill(200));
    // The resetting replica did get some of them first: the retry is what saved them.
    expect(resetting.seen.length - before).toBeGreaterThan(0);
  });

  it("a POST with an Idempotency-Key is retried like an idempotent method", async () => {
    const before = resetting.seen.length;
    const statuses = [];
    for (let i = 0; i < 12; i++)
      statuses.push(await invoke("POST", { "idempotency-key": `k-${i}` }));
    expect(statuses).toEqual(Array(12).fill(200));
    expect(resetting.seen.length - before).toBeGreaterThan(0);
  });

  it("a plain POST whose connection broke is not sent twice: 502 INVOKE_UPSTREAM_UNREACHABLE", async () => {
    const before = resetting.seen.length;
    const statuses = [];
    for (let i = 0; i < 12; i++) statuses.push(await invoke("POST"));
    const reset = resetting.seen.length - before;
    expect(reset).toBeGreaterThan(0);
    // Exactly the POSTs that reached the resetting replica failed; the refused ones were retried.
    expect(statuses.filter((s) => s !== 200)).toEqual(
      Array(reset).fill("502 INVOKE_UPSTREAM_UNREACHABLE"),
    );
  });
});
