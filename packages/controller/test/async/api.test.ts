/**
 * The async invocation API end to end in one process: the real local driver runs the test
 * function (fixtures/async-app.mjs), the real invoke router delivers, the sqlite queue holds the
 * records, and clients use HTTP only. The callback receiver is read with the CloudEvents SDK.
 */
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { HTTP } from "cloudevents";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInvocationQueue, type InvocationQueue } from "../../src/async/invocations.js";
import { startAsyncWorker } from "../../src/async/index.js";
import { createSqliteQueue } from "../../src/async/sqlite-queue.js";
import type { Consumer } from "../../src/async/queue.js";
import type { Driver } from "../../src/drivers/driver.js";
import { createInvokeHandler, type InvokeRouter } from "../../src/invoke/index.js";
import { targetOf } from "../../src/routes/invoke.js";
import { startDriver, tempDir } from "../local-driver/helpers/driver-harness.js";
import { writeTestImage } from "../local-driver/helpers/oci-image.js";
import {
  call,
  mintToken,
  startTestApp,
  waitForFunction,
  type TestApp,
} from "../support/harness.js";
import { eventually } from "./queue-contract.js";

const APP = new URL("./fixtures/async-app.mjs", import.meta.url).pathname;

let data: { path: string; cleanup: () => Promise<void> };
let driver: Driver;
let router: InvokeRouter;
let queue: InvocationQueue;
let worker: Consumer;
let app: TestApp;
let token: string;
const received: Array<{ headers: Record<string, string>; body: string }> = [];
let receiver: Server;
let receiverUrl: string;

beforeAll(async () => {
  data = await tempDir("async-api");
  const image = await writeTestImage({
    dir: `${data.path}/layout`,
    files: { "app/index.mjs": await readFile(APP) },
  });
  driver = await startDriver(`${data.path}/data`);
  router = createInvokeHandler({
    driver,
    recorder: { invocation() {}, inFlight() {} },
    config: { maxBodyBytes: 1024 * 1024, defaultTimeoutSeconds: 10 },
  });
  queue = createInvocationQueue({
    backend: createSqliteQueue({ path: `${data.path}/async.db`, pollMs: 20 }),
    defaultRetry: { maxAttempts: 3, backoff: { initialMs: 30, maxMs: 100, multiplier: 2 } },
    idempotencyWindowMs: 60_000,
    ttlMs: 3_600_000,
  });
  app = await startTestApp({
    driver,
    invoke: () => router,
    invocations: queue,
    env: { EVENTFLOW_MAX_INVOKE_BODY_BYTES: String(1024 * 1024) },
  });
  // The worker as the server starts it: deliveries, metrics and callbacks.
  worker = startAsyncWorker({
    queue,
    config: { ...app.config.async, resultMaxBytes: 256, concurrency: 4, maxInFlightPerFunction: 4 },
    invoke: router,
    target: async (tenant, name) => targetOf(await driver.get(tenant, name)),
    recorder: app.metrics.async,
    logger: { warn() {} },
  });
  token = await mintToken();
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({
        headers: req.headers as Record<string, string>,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const created = await call(app.url, "POST", "/v1/functions", {
    token,
    body: { name: "worker", image, replicas: 1 },
  });
  expect(created.status).toBe(201);
  await waitForFunction(app, token, "worker");
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await app?.close();
  await router?.close();
  await queue?.close();
  await driver?.close();
  receiver?.close();
  await data?.cleanup();
});

const ASYNC = { prefer: "respond-async" };

async function invokeAsync(
  query: string,
  options: { body?: unknown; headers?: Record<string, string>; token?: string } = {},
) {
  return call(app.url, "POST", `/v1/functions/worker:invoke${query}`, {
    token: options.token ?? token,
    ...(options.body === undefined ? {} : { body: options.body }),
    headers: { ...ASYNC, ...options.headers },
  });
}

async function settled(id: string, state: string, as = token) {
  const last = await eventually(
    () => call(app.url, "GET", `/v1/invocations/${id}`, { token: as }),
    (r) => r.body?.state === state,
  );
  expect(last.body?.state).toBe(state);
  return last.body;
}

const text = (b64: string) => Buffer.from(b64, "base64").toString("utf8");

describe("asynchronous invoke", () => {
  it("answers 202 with a Location, delivers through the invoke router and keeps the result", async () => {
    const accepted = await invokeAsync("?op=echo&x=1", { body: { order: 42 } });
    expect(accepted.status).toBe(202);
    expect(accepted.headers.get("preference-applied")).toBe("respond-async");
    const location = accepted.headers.get("location");
    expect(location).toBe(`/v1/invocations/${accepted.body.id}`);
    expect(accepted.body.state).toBe("queued");
    const inv = await settled(accepted.body.id, "succeeded");
    expect(inv.function).toBe("worker");
    expect(inv.attempts).toHaveLength(1);
    expect(inv.attempts[0].status).toBe(200);
    const echoed = JSON.parse(text(inv.result.body));
    expect(JSON.parse(echoed.body)).toEqual({ order: 42 });
    expect(echoed.contentType).toBe("application/json");
    expect(echoed.invocation).toBe(accepted.body.id);
    expect(echoed.attempt).toBe(1);
    expect(echoed.url).toBe("/?op=echo&x=1");
    // The platform credential never reaches the function.
    expect(echoed.authorization).toBeNull();
    expect(inv.request).toBeUndefined();
  });

  it("without Prefer, the same route answers synchronously", async () => {
    const sync = await call(app.url, "POST", "/v1/functions/worker:invoke?op=flaky&until=0", {
      token,
    });
    expect(sync.status).toBe(200);
    expect(sync.headers.get("location")).toBeNull();
  });

  it("retries a failing-then-succeeding function", async () => {
    const accepted = await invokeAsync("?op=flaky&until=3");
    const inv = await settled(accepted.body.id, "succeeded");
    expect(inv.attempts.map((a: { status: number }) => a.status)).toEqual([503, 503, 200]);
    expect(text(inv.result.body)).toBe("ok on attempt 3");
  });

  it("a function that always fails is dead after exactly maxAttempts; redrive and purge", async () => {
    const accepted = await invokeAsync("?op=fail");
    const dead = await settled(accepted.body.id, "dead");
    expect(dead.attempts).toHaveLength(3);
    expect(dead.maxAttempts).toBe(3);
    const letters = await call(app.url, "GET", "/v1/dead-letters?function=worker&state=dead", {
      token,
    });
    expect(letters.status).toBe(200);
    expect(letters.body.map((l: { id: string }) => l.id)).toContain(accepted.body.id);
    const redriven = await call(app.url, "POST", "/v1/dead-letters:redrive", {
      token,
      body: { ids: [accepted.body.id] },
    });
    expect(redriven.status).toBe(200);
    expect(redriven.body).toEqual({ ids: [accepted.body.id], count: 1 });
    const again = await settled(accepted.body.id, "dead");
    expect(again.attempts).toHaveLength(6);
    const purged = await call(app.url, "POST", "/v1/dead-letters:purge", {
      token,
      body: { function: "worker" },
    });
    expect(purged.status).toBe(200);
    expect(purged.body.ids).toContain(accepted.body.id);
    const gone = await call(app.url, "GET", `/v1/invocations/${accepted.body.id}`, { token });
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe("INVOCATION_NOT_FOUND");
  });

  it("a 4xx answer is not retried: failed after one attempt", async () => {
    const accepted = await invokeAsync("?op=bad");
    const failed = await settled(accepted.body.id, "failed");
    expect(failed.attempts).toHaveLength(1);
    expect(failed.result.status).toBe(400);
  });

  it("keeps a result only up to the size limit", async () => {
    const accepted = await invokeAsync("?op=big&bytes=1000");
    const inv = await settled(accepted.body.id, "succeeded");
    expect(inv.result.truncated).toBe(true);
    expect(text(inv.result.body)).toHaveLength(256);
  });

  it("dedupes by Idempotency-Key", async () => {
    const headers = { "idempotency-key": "order-42" };
    const first = await invokeAsync("?op=echo", { headers });
    const second = await invokeAsync("?op=echo", { headers });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(first.headers.get("idempotent-replayed")).toBeNull();
  });

  it("lists a function's invocations by state", async () => {
    const listed = await call(
      app.url,
      "GET",
      "/v1/functions/worker/invocations?state=succeeded&limit=50",
      {
        token,
      },
    );
    expect(listed.status).toBe(200);
    expect(listed.body.length).toBeGreaterThan(0);
    expect(listed.body.every((i: { state: string }) => i.state === "succeeded")).toBe(true);
  });

  it("posts the result to X-Callback-Url as a CloudEvent", async () => {
    const accepted = await invokeAsync("?op=echo", {
      body: "ping",
      headers: { "x-callback-url": receiverUrl, "content-type": "text/plain" },
    });
    await settled(accepted.body.id, "succeeded");
    const got = await eventually(
      async () => received.find((r) => r.body.includes(accepted.body.id)),
      (r) => r !== undefined,
    );
    expect(got).toBeDefined();
    // Read by the CloudEvents SDK, an independent client of the format.
    const event = HTTP.toEvent({ headers: got!.headers, body: got!.body });
    const one = Array.isArray(event) ? event[0]! : event;
    expect(one.specversion).toBe("1.0");
    expect(one.type).toBe("dev.eventflow.invocation.completed");
    expect(one.source).toBe("/v1/functions/worker");
    expect(one.subject).toBe(accepted.body.id);
    const payload = one.data as { state: string; result: { status: number } };
    expect(payload.state).toBe("succeeded");
    expect(payload.result.status).toBe(200);
  });
});

describe("asynchronous invoke: metrics", () => {
  it("counts attempts by outcome and dead letters, and reads the queue's depth", async () => {
    const text = await app.metrics.registry.metrics();
    expect(text).toMatch(/eventflow_async_attempts_total\{outcome="succeeded"\} [1-9]/);
    expect(text).toMatch(/eventflow_async_attempts_total\{outcome="retried"\} [1-9]/);
    expect(text).toMatch(/eventflow_async_attempts_total\{outcome="dead"\} [1-9]/);
    expect(text).toMatch(/eventflow_async_dead_letters_total [1-9]/);
    expect(text).toMatch(/eventflow_async_queue_depth \d+/);
    expect(text).toMatch(/eventflow_async_oldest_age_seconds \d/);
  });
});

describe("asynchronous invoke: tenants and hostile input", () => {
  it("another tenant sees none of it", async () => {
    const accepted = await invokeAsync("?op=fail");
    await settled(accepted.body.id, "dead");
    const evil = await mintToken({ tenant: "evil" });
    const peek = await call(app.url, "GET", `/v1/invocations/${accepted.body.id}`, { token: evil });
    expect(peek.status).toBe(404);
    expect(peek.body.error.code).toBe("INVOCATION_NOT_FOUND");
    const list = await call(app.url, "GET", "/v1/functions/worker/invocations", { token: evil });
    expect(list.status).toBe(404);
    expect(list.body.error.code).toBe("FUNCTION_NOT_FOUND");
    const letters = await call(app.url, "GET", "/v1/dead-letters", { token: evil });
    expect(letters.body).toEqual([]);
    const redrive = await call(app.url, "POST", "/v1/dead-letters:redrive", {
      token: evil,
      body: { ids: [accepted.body.id] },
    });
    expect(redrive.body).toEqual({ ids: [], count: 0 });
    const invoke = await invokeAsync("?op=echo", { token: evil });
    expect(invoke.status).toBe(404);
    const foreign = await call(app.url, "GET", `/v1/invocations/${accepted.body.id}?tenant=evil`, {
      token,
    });
    expect(foreign.status).toBe(403);
  });

  it("a viewer may read but not invoke, redrive or purge", async () => {
    const viewer = await mintToken({ role: "viewer" });
    expect((await invokeAsync("?op=echo", { token: viewer })).status).toBe(403);
    for (const action of ["redrive", "purge"]) {
      const r = await call(app.url, "POST", `/v1/dead-letters:${action}`, {
        token: viewer,
        body: { all: true },
      });
      expect(r.status).toBe(403);
    }
    expect((await call(app.url, "GET", "/v1/dead-letters", { token: viewer })).status).toBe(200);
  });

  it.each([
    ["x-callback-url", "file:///etc/passwd"],
    ["x-callback-url", "http://user:secret@example.test/"],
    ["x-callback-url", "not a url"],
    ["idempotency-key", "x".repeat(256)],
    ["idempotency-key", "has space"],
  ])("refuses %s %j (400, nothing queued)", async (header, value) => {
    const before = (await queue.depth()).pending;
    const r = await invokeAsync("?op=echo", { headers: { [header]: value } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("REQUEST_VALIDATION_FAILED");
    expect((await queue.depth()).pending).toBeLessThanOrEqual(before);
  });

  it("refuses a redrive or purge that names nothing, and ids that are not ids", async () => {
    for (const body of [{}, { ids: [] }, { ids: ["../../etc"] }, { all: false }]) {
      const r = await call(app.url, "POST", "/v1/dead-letters:purge", { token, body });
      expect(r.status).toBe(400);
    }
    const bad = await call(app.url, "GET", "/v1/invocations/not-an-id", { token });
    expect(bad.status).toBe(400);
  });

  it("refuses a body over the invoke limit before queueing it", async () => {
    const big = "x".repeat(2 * 1024 * 1024);
    const r = await invokeAsync("?op=echo", {
      body: big,
      headers: { "content-type": "text/plain" },
    });
    expect(r.status).toBe(413);
  });
});
