/**
 * Triggers and per-function retries through the whole controller (startController with the
 * local driver, as `npm start` runs it): a function's spec sets them over the API, the server
 * runs them, and clients see the invocations over HTTP. One controller on the sqlite queue
 * without NATS (schedules, retry, refusals), one with a real nats-server (subject triggers).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { startController, type StartedController } from "../../src/server.js";
import { tempDir } from "../local-driver/helpers/driver-harness.js";
import { writeTestImage } from "../local-driver/helpers/oci-image.js";
import { call, mintToken, TEST_SECRET } from "../support/harness.js";
import { startNatsServer, type NatsServer } from "./nats-server.js";
import { eventually } from "./queue-contract.js";

const APP = new URL("./fixtures/async-app.mjs", import.meta.url).pathname;
const text = (b64: string) => Buffer.from(b64, "base64").toString("utf8");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let data: Awaited<ReturnType<typeof tempDir>>;
let image: string;
let token: string;

beforeAll(async () => {
  data = await tempDir("triggers-api");
  image = await writeTestImage({
    dir: join(data.path, "layout"),
    files: { "app/index.mjs": await readFile(APP) },
  });
  token = await mintToken();
});
afterAll(async () => {
  await data?.cleanup();
});

async function start(name: string, env: Record<string, string> = {}) {
  return startController(
    parseConfig({
      JWT_SECRET: TEST_SECRET,
      PORT: "0",
      METRICS_PORT: "0",
      EVENTFLOW_HOST: "127.0.0.1",
      EVENTFLOW_DRIVER: "local",
      EVENTFLOW_DATA_DIR: join(data.path, name),
      DOCKER_CONFIG: join(data.path, "docker"),
      // The controller's policy: 5 attempts, so a function's own 2 shows.
      EVENTFLOW_ASYNC_MAX_ATTEMPTS: "5",
      EVENTFLOW_ASYNC_BACKOFF_INITIAL_MS: "20",
      EVENTFLOW_ASYNC_BACKOFF_MAX_MS: "50",
      ...env,
    }),
    { logger: createLogger("silent") },
  );
}

type Inv = {
  id: string;
  state: string;
  attempts: unknown[];
  maxAttempts: number;
  result?: { body: string };
};

async function invocations(url: string, fn: string): Promise<Inv[]> {
  const res = await call(url, "GET", `/v1/functions/${fn}/invocations?limit=100`, { token });
  expect(res.status).toBe(200);
  return res.body as Inv[];
}

async function succeeded(url: string, fn: string, atLeast: number): Promise<Inv[]> {
  const done = (list: Inv[]) => list.filter((i) => i.state === "succeeded");
  const list = await eventually(
    () => invocations(url, fn),
    (l) => done(l).length >= atLeast,
    20_000,
  );
  expect(done(list).length).toBeGreaterThanOrEqual(atLeast);
  return done(list);
}

async function ready(url: string, fn: string): Promise<void> {
  const status = await eventually(
    () => call(url, "GET", `/v1/functions/${fn}`, { token }),
    (r) => r.body?.ready_replicas === 1,
    20_000,
  );
  expect(status.body?.ready_replicas).toBe(1);
}

const cloudEventOf = (inv: Inv) =>
  JSON.parse(text(inv.result!.body)) as { cloudEvent: Record<string, string>; body: string };

describe("without NATS (local driver, sqlite queue)", () => {
  let controller: StartedController;
  beforeAll(async () => {
    controller = await start("local");
  }, 30_000);
  afterAll(async () => {
    await controller?.close();
  });

  it("runs a 6-field schedule as async invokes carrying a CloudEvent, until the function is deleted", async () => {
    const { url } = controller;
    const created = await call(url, "POST", "/v1/functions", {
      token,
      body: {
        name: "ticker",
        image,
        triggers: [{ type: "schedule", cron: "*/1 * * * * *", data: { hello: "tick" } }],
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.spec.triggers).toEqual([
      { type: "schedule", cron: "*/1 * * * * *", data: { hello: "tick" } },
    ]);
    const done = await succeeded(url, "ticker", 2);
    const event = cloudEventOf(done[0]!);
    expect(event.cloudEvent).toMatchObject({
      "ce-specversion": "1.0",
      "ce-type": "dev.eventflow.schedule.tick",
      "ce-source": "/v1/functions/ticker/triggers/0",
    });
    expect(Date.parse(event.cloudEvent["ce-time"]!)).not.toBeNaN();
    expect(JSON.parse(event.body)).toEqual({ hello: "tick" });

    const before = (await invocations(url, "ticker")).length;
    expect((await call(url, "DELETE", "/v1/functions/ticker", { token })).status).toBeLessThan(300);
    // Several ticks pass with the function gone; the same name again, without triggers.
    await sleep(3_000);
    const again = await call(url, "POST", "/v1/functions", {
      token,
      body: { name: "ticker", image },
    });
    expect(again.status).toBe(201);
    // At most the tick that raced the delete.
    expect((await invocations(url, "ticker")).length).toBeLessThanOrEqual(before + 1);
    await call(url, "DELETE", "/v1/functions/ticker", { token });
  }, 60_000);

  it("uses the function's retry: always failing, it is dead after exactly 2 attempts", async () => {
    const { url } = controller;
    const created = await call(url, "POST", "/v1/functions", {
      token,
      body: {
        name: "fragile",
        image,
        retry: { maxAttempts: 2, backoff: { initialMs: 10, maxMs: 20, multiplier: 2 } },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.spec.retry).toEqual({
      maxAttempts: 2,
      backoff: { initialMs: 10, maxMs: 20, multiplier: 2 },
    });
    await ready(url, "fragile");
    const accepted = await call(url, "POST", "/v1/functions/fragile:invoke?op=fail", {
      token,
      headers: { prefer: "respond-async" },
    });
    expect(accepted.status).toBe(202);
    const last = await eventually(
      () => call(url, "GET", `/v1/invocations/${accepted.body.id}`, { token }),
      (r) => r.body?.state === "dead",
      30_000,
    );
    expect(last.body.state).toBe("dead");
    expect(last.body.attempts).toHaveLength(2);
    expect(last.body.maxAttempts).toBe(2);
    await call(url, "DELETE", "/v1/functions/fragile", { token });
  }, 60_000);

  it.each([
    [
      "a cron of 4 fields",
      { triggers: [{ type: "schedule", cron: "* * * *" }] },
      "triggers.0.cron",
    ],
    [
      "a cron croner cannot read",
      { triggers: [{ type: "schedule", cron: "99 * * * *" }] },
      "triggers.0.cron",
    ],
    [
      "an unknown time zone",
      { triggers: [{ type: "schedule", cron: "* * * * *", timezone: "Mars/Base" }] },
      "triggers.0.timezone",
    ],
    ["a schedule without cron", { triggers: [{ type: "schedule" }] }, "triggers.0.cron"],
    [
      "a field of the other kind",
      { triggers: [{ type: "schedule", cron: "* * * * *", subject: "a.b" }] },
      "triggers.0.subject",
    ],
    [
      "more than 10 triggers",
      { triggers: Array.from({ length: 11 }, () => ({ type: "schedule", cron: "* * * * *" })) },
      "triggers",
    ],
    [
      "data that is not an object",
      { triggers: [{ type: "schedule", cron: "* * * * *", data: "x" }] },
      "triggers.0.data",
    ],
    [
      "too many attempts",
      { retry: { maxAttempts: 1000, backoff: { initialMs: 1, maxMs: 2, multiplier: 2 } } },
      "retry.maxAttempts",
    ],
    [
      "initialMs above maxMs",
      { retry: { maxAttempts: 2, backoff: { initialMs: 50, maxMs: 2, multiplier: 2 } } },
      "retry.backoff.initialMs",
    ],
  ])("refuses %s, naming the field", async (_name, spec, path) => {
    const res = await call(controller.url, "POST", "/v1/functions", {
      token,
      body: { name: "refused", image, ...spec },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("REQUEST_VALIDATION_FAILED");
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
  });

  it("refuses a nats trigger with TRIGGER_NATS_UNAVAILABLE", async () => {
    const res = await call(controller.url, "POST", "/v1/functions", {
      token,
      body: { name: "refused", image, triggers: [{ type: "nats", subject: "orders.>" }] },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("TRIGGER_NATS_UNAVAILABLE");
    expect(res.body.error.details[0].path).toBe("triggers.0.subject");
  });
});

describe("with NATS (JetStream queue)", () => {
  let nats: NatsServer;
  let controller: StartedController;
  beforeAll(async () => {
    nats = await startNatsServer();
    controller = await start("nats", { EVENTFLOW_NATS_URL: nats.url });
  }, 30_000);
  afterAll(async () => {
    await controller?.close();
    await nats?.stop();
  });

  it("delivers a message published on the trigger's subject as a CloudEvent", async () => {
    const { url } = controller;
    const created = await call(url, "POST", "/v1/functions", {
      token,
      body: { name: "listener", image, triggers: [{ type: "nats", subject: "orders.*" }] },
    });
    expect(created.status).toBe(201);
    await ready(url, "listener");
    const nc = await connect({ servers: nats.url });
    try {
      // Published until one is seen: the subscription starts on the engine's next check.
      const seen = await eventually(
        async () => {
          nc.publish("orders.created", JSON.stringify({ order: 7 }));
          await nc.flush();
          await sleep(200);
          return invocations(url, "listener");
        },
        (list) => list.length > 0,
        20_000,
      );
      expect(seen.length).toBeGreaterThan(0);
    } finally {
      await nc.close();
    }
    const [done] = await succeeded(url, "listener", 1);
    const event = cloudEventOf(done!);
    expect(event.cloudEvent).toMatchObject({
      "ce-specversion": "1.0",
      "ce-type": "dev.eventflow.nats.message",
      "ce-subject": "orders.created",
      "ce-source": "/v1/functions/listener/triggers/0",
    });
    expect(JSON.parse(event.body)).toEqual({ order: 7 });
  }, 60_000);
});
