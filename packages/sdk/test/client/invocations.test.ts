// client.invocations against a real controller (local driver, real replica processes, the
// sqlite queue and the async worker as the server wires them): enqueue, wait, get, list,
// idempotency, dead letters, redrive and purge, and the errors.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInvocationQueue } from "../../../controller/src/async/invocations.js";
import { startAsyncWorker } from "../../../controller/src/async/index.js";
import { createSqliteQueue } from "../../../controller/src/async/sqlite-queue.js";
import type { Consumer } from "../../../controller/src/async/queue.js";
import { createInvokeHandler } from "../../../controller/src/invoke/index.js";
import { targetOf } from "../../../controller/src/routes/invoke.js";
import {
  startDriver,
  tempDir,
} from "../../../controller/test/local-driver/helpers/driver-harness.js";
import { startTestApp, type TestApp } from "../../../controller/test/support/harness.js";
import { createClient, type EventFlowClient } from "../../src/client/index.js";
import { rejection } from "./controller.js";

// See controller.ts: the OCI helper is loaded by a computed specifier.
const OCI_IMAGE_HELPER = new URL(
  "../../../controller/test/local-driver/helpers/oci-image.ts",
  import.meta.url,
).pathname;
type WriteTestImage = (options: { dir: string; tag?: string }) => Promise<string>;

describe("client.invocations against a real controller", () => {
  let client: EventFlowClient;
  let app: TestApp;
  let worker: Consumer;
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    const data = await tempDir("sdk-async");
    closers.push(() => data.cleanup());
    const { writeTestImage } = (await import(OCI_IMAGE_HELPER)) as {
      writeTestImage: WriteTestImage;
    };
    const image = await writeTestImage({ dir: `${data.path}/layout`, tag: "v1" });
    const driver = await startDriver(`${data.path}/data`);
    closers.unshift(() => driver.close());
    const router = createInvokeHandler({
      driver,
      recorder: { invocation() {}, inFlight() {} },
      config: { maxBodyBytes: 1024 * 1024, defaultTimeoutSeconds: 10 },
    });
    closers.unshift(() => router.close());
    const queue = createInvocationQueue({
      backend: createSqliteQueue({ path: `${data.path}/async.db`, pollMs: 20 }),
      defaultRetry: { maxAttempts: 2, backoff: { initialMs: 20, maxMs: 20, multiplier: 1 } },
      idempotencyWindowMs: 60_000,
      ttlMs: 3_600_000,
    });
    closers.unshift(() => queue.close());
    app = await startTestApp({
      driver,
      invoke: () => router,
      invocations: queue,
      env: { EVENTFLOW_DEV_AUTH: "true", LOG_LEVEL: "warn" },
    });
    closers.unshift(() => app.close());
    worker = startAsyncWorker({
      queue,
      config: app.config.async,
      invoke: router,
      target: async (tenant, name) => targetOf(await driver.get(tenant, name)),
      recorder: app.metrics.async,
      logger: { warn() {} },
    });
    closers.unshift(() => worker.stop());
    const { token } = await createClient({ url: app.url }).tokens.dev();
    client = createClient({ url: app.url, token });
    await client.functions.create({ name: "fx", image, replicas: 1 });
    await client.functions.waitUntilReady("fx");
  }, 60_000);
  afterAll(async () => {
    for (const close of closers) await close();
  });

  it("enqueues, waits for the end and reads the result", async () => {
    const accepted = await client.invocations.enqueue("fx", {
      json: { a: 1 },
      query: { op: "hello" },
    });
    expect(accepted).toMatchObject({ state: "queued", replayed: false });
    expect(accepted.location).toBe(`/v1/invocations/${accepted.id}`);
    const done = await client.invocations.wait(accepted.id, { intervalMs: 20 });
    expect(done.state).toBe("succeeded");
    expect(done.attempts).toHaveLength(1);
    const body = JSON.parse(atob(done.result!.body)) as { hello: string };
    expect(body.hello).toBe("world");
    expect((await client.invocations.get(accepted.id)).state).toBe("succeeded");
    const listed = await client.invocations.list("fx", { states: ["succeeded"] });
    expect(listed.map((i) => i.id)).toContain(accepted.id);
  });

  it("an idempotency key gives one invocation", async () => {
    const a = await client.invocations.enqueue("fx", { idempotencyKey: "sdk-1" });
    const b = await client.invocations.enqueue("fx", { idempotencyKey: "sdk-1" });
    expect(b.id).toBe(a.id);
    expect(b.replayed).toBe(true);
  });

  it("dead letters: listed, redriven, purged", async () => {
    const doomed = await client.invocations.enqueue("fx", { query: { op: "status", code: "500" } });
    const dead = await client.invocations.wait(doomed.id, { intervalMs: 20 });
    expect(dead.state).toBe("dead");
    expect(dead.attempts.map((a) => a.status)).toEqual([500, 500]);
    const letters = await client.invocations.deadLetters({ function: "fx" });
    expect(letters.map((l) => l.id)).toContain(doomed.id);
    expect(await client.invocations.redrive({ ids: [doomed.id] })).toEqual([doomed.id]);
    const again = await client.invocations.wait(doomed.id, { intervalMs: 20 });
    expect(again.attempts).toHaveLength(4);
    expect(await client.invocations.purge({ function: "fx" })).toContain(doomed.id);
    const gone = await rejection(client.invocations.get(doomed.id));
    expect(gone).toMatchObject({ code: "INVOCATION_NOT_FOUND", status: 404 });
  });

  it("rejects with the stable codes", async () => {
    expect(await rejection(client.invocations.enqueue("nope"))).toMatchObject({
      code: "FUNCTION_NOT_FOUND",
    });
    expect(
      await rejection(client.invocations.enqueue("fx", { callbackUrl: "ftp://x" })),
    ).toMatchObject({ code: "REQUEST_VALIDATION_FAILED" });
    expect(await rejection(client.invocations.get(".."))).toMatchObject({
      code: "REQUEST_VALIDATION_FAILED",
    });
  });
});
