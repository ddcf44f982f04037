/**
 * Triggers: the schedule's tick rule (table), two schedulers ("controller replicas") over one
 * JetStream queue firing each tick of a 6-field cron exactly once, and a NATS subject trigger
 * subscribed by two replicas in one queue group queueing each message once. Deliveries carry
 * binary-mode CloudEvents, read back with the CloudEvents SDK.
 */
import { connect, headers, type NatsConnection } from "@nats-io/transport-node";
import { HTTP } from "cloudevents";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInvocationQueue, type InvocationQueue } from "../../src/async/invocations.js";
import { createJetStreamQueue } from "../../src/async/jetstream-queue.js";
import {
  createScheduler,
  dueTick,
  NATS_EVENT_TYPE,
  parseSchedule,
  SCHEDULE_EVENT_TYPE,
  subscribeNatsTriggers,
  type TriggeredFunction,
} from "../../src/async/triggers.js";
import type { Invocation } from "../../src/async/model.js";
import { eventually } from "./queue-contract.js";
import { startNatsServer, type NatsServer } from "./nats-server.js";

const t = (iso: string) => new Date(`2026-01-01T${iso}Z`);

describe("dueTick", () => {
  const everyTwo = parseSchedule({ type: "schedule", cron: "*/2 * * * * *" });
  it.each([
    ["a tick since the last check", "00:00:01", "00:00:02.1", 60_000, "00:00:02"],
    ["nothing since the last check", "00:00:02", "00:00:03.9", 60_000, undefined],
    ["many missed: only the latest", "00:00:01", "00:00:09", 60_000, "00:00:08"],
    ["the missed tick is past the deadline", "00:00:01", "00:00:09", 500, undefined],
    ["first check: the latest within the deadline", undefined, "00:00:09", 5_000, "00:00:08"],
    ["first check: none within the deadline", undefined, "00:00:09", 500, undefined],
  ])("%s", (_name, after, now, deadline, expected) => {
    const due = dueTick(everyTwo, after === undefined ? undefined : t(after), t(now), deadline);
    expect(due?.toISOString()).toBe(expected === undefined ? undefined : t(expected).toISOString());
  });

  it("reads 5-field crons in their timezone and refuses bad ones", () => {
    const hourly = parseSchedule({
      type: "schedule",
      cron: "0 9 * * *",
      timezone: "Europe/Berlin",
    });
    expect(dueTick(hourly, t("07:59:00"), t("08:00:30"), 60_000)?.toISOString()).toBe(
      t("08:00:00").toISOString(),
    );
    expect(() => parseSchedule({ type: "schedule", cron: "bogus" })).toThrow();
    expect(() =>
      parseSchedule({ type: "schedule", cron: "* * * * *", timezone: "Mars/Base" }),
    ).toThrow();
  });
});

let nats: NatsServer;
let n = 0;
const open: Array<() => Promise<void>> = [];
beforeAll(async () => {
  nats = await startNatsServer();
});
afterAll(async () => {
  for (const close of open.reverse()) await close();
  await nats?.stop();
});

async function replicaQueue(stream: string): Promise<InvocationQueue> {
  const queue = createInvocationQueue({
    backend: await createJetStreamQueue({ servers: nats.url, stream, ttlMs: 3_600_000 }),
    defaultRetry: { maxAttempts: 2, backoff: { initialMs: 20, maxMs: 20, multiplier: 1 } },
    idempotencyWindowMs: 60_000,
    ttlMs: 3_600_000,
  });
  open.push(() => queue.close());
  return queue;
}

function cloudEvent(inv: Invocation) {
  const body = Buffer.from(inv.request.body, "base64").toString("utf8");
  const headers = { ...inv.request.headers, "content-type": inv.request.contentType ?? "" };
  const event = HTTP.toEvent({ headers, body });
  return Array.isArray(event) ? event[0]! : event;
}

describe("schedule triggers on two replicas", () => {
  it("fire each tick of a 6-field cron once, as CloudEvents", async () => {
    const stream = `SCHED_${n++}`;
    const [a, b] = [await replicaQueue(stream), await replicaQueue(stream)];
    const fns: TriggeredFunction[] = [
      {
        tenant: "acme",
        function: "ticker",
        triggers: [{ type: "schedule", cron: "* * * * * *", data: { hello: "tick" } }],
      },
    ];
    const schedulers = [a, b].map((queue) =>
      createScheduler({
        queue,
        functions: async () => fns,
        intervalMs: 100,
        startingDeadlineMs: 1000,
      }),
    );
    const started = Date.now();
    await new Promise((r) => setTimeout(r, 3500));
    for (const s of schedulers) await s.stop();
    const seconds = Math.floor((Date.now() - started) / 1000);
    const list = await a.list({ tenant: "acme", function: "ticker", limit: 100 });
    const ticks = list.map((inv) => cloudEvent(inv).time);
    // One invocation per tick although both replicas saw every tick.
    expect(new Set(ticks).size).toBe(list.length);
    // About one a second (the first check may also fire the tick just before the start).
    expect(list.length).toBeGreaterThanOrEqual(seconds - 1);
    expect(list.length).toBeLessThanOrEqual(seconds + 2);
    const event = cloudEvent(list[0]!);
    expect(event.type).toBe(SCHEDULE_EVENT_TYPE);
    expect(event.source).toBe("/v1/functions/ticker/triggers/0");
    expect(event.specversion).toBe("1.0");
    expect(event.data).toEqual({ hello: "tick" });
  });
});

describe("nats subject triggers on two replicas", () => {
  it("queue each message once, with its subject and bytes", async () => {
    const stream = `SUBJ_${n++}`;
    const replicas = [await replicaQueue(stream), await replicaQueue(stream)];
    const fn: TriggeredFunction = {
      tenant: "acme",
      function: "orders",
      triggers: [{ type: "nats", subject: "orders.>" }],
    };
    const conns: NatsConnection[] = [];
    for (const queue of replicas) {
      const nc = await connect({ servers: nats.url });
      conns.push(nc);
      open.push(() => nc.close());
      const sub = subscribeNatsTriggers({ nc, queue, fn });
      open.push(async () => sub.stop());
    }
    await Promise.all(conns.map((c) => c.flush()));
    const publisher = await connect({ servers: nats.url });
    open.push(() => publisher.close());
    for (let i = 0; i < 10; i++) publisher.publish(`orders.created.${i}`, `order-${i}`);
    await publisher.flush();
    const list = await eventually(
      () => replicas[0]!.list({ tenant: "acme", function: "orders", limit: 100 }),
      (l) => l.length >= 10,
    );
    await new Promise((r) => setTimeout(r, 300));
    const all = await replicas[0]!.list({ tenant: "acme", function: "orders", limit: 100 });
    expect(all).toHaveLength(10);
    expect(list.length).toBe(10);
    const events = all.map(cloudEvent);
    expect(new Set(events.map((e) => e.subject))).toEqual(
      new Set(Array.from({ length: 10 }, (_, i) => `orders.created.${i}`)),
    );
    for (const e of events) {
      expect(e.type).toBe(NATS_EVENT_TYPE);
      const i = e.subject!.split(".").at(-1);
      expect(Buffer.from(e.data as Uint8Array).toString()).toBe(`order-${i}`);
    }
  });

  it("keep a publisher's Content-Type (JSON reaches the handler parsed), refuse what is not one", async () => {
    const stream = `CTYPE_${n++}`;
    const queue = await replicaQueue(stream);
    const fn: TriggeredFunction = {
      tenant: "acme",
      function: "typed",
      triggers: [{ type: "nats", subject: "typed.*" }],
    };
    const nc = await connect({ servers: nats.url });
    open.push(() => nc.close());
    const sub = subscribeNatsTriggers({ nc, queue, fn });
    open.push(async () => sub.stop());
    await nc.flush();
    const publisher = await connect({ servers: nats.url });
    open.push(() => publisher.close());
    const sent = [
      ["typed.json", "application/json; charset=utf-8"],
      ["typed.bad", "not a media type"],
      ["typed.none", undefined],
    ] as const;
    for (const [subject, type] of sent) {
      const h = headers();
      if (type !== undefined) h.set("Content-Type", type);
      publisher.publish(subject, '{"order":7}', { headers: h });
    }
    await publisher.flush();
    const list = await eventually(
      () => queue.list({ tenant: "acme", function: "typed", limit: 10 }),
      (l) => l.length >= 3,
    );
    const typeOf = (subject: string) =>
      list.find((inv) => cloudEvent(inv).subject === subject)!.request.contentType;
    expect(typeOf("typed.json")).toBe("application/json; charset=utf-8");
    expect(typeOf("typed.bad")).toBe("application/octet-stream");
    expect(typeOf("typed.none")).toBe("application/octet-stream");
    const json = cloudEvent(list.find((inv) => cloudEvent(inv).subject === "typed.json")!);
    expect(json.data).toEqual({ order: 7 });
  });
});
