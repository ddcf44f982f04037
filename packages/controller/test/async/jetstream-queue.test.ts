/** The queue contract on the JetStream backend, against a real nats-server (a stream per test). */
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInvocationQueue, type InvocationQueue } from "../../src/async/invocations.js";
import {
  buildDeliverySubject,
  fromSubjectToken,
  parseDeliveryBody,
  toSubjectToken,
} from "../../src/async/jetstream-messages.js";
import { createJetStreamQueue } from "../../src/async/jetstream-queue.js";
import { buildInvocation, type RetryPolicy } from "../../src/async/model.js";
import { eventually, queueContract } from "./queue-contract.js";
import { startNatsServer, type NatsServer } from "./nats-server.js";

let nats: NatsServer;
let nc: NatsConnection;
let n = 0;
beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connect({ servers: nats.url });
});
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

queueContract("jetstream", async ({ ttlMs }) =>
  createJetStreamQueue({ servers: nats.url, stream: `CONTRACT_${n++}`, ackWaitMs: 2_000, ttlMs }),
);

const RETRY: RetryPolicy = { maxAttempts: 2, backoff: { initialMs: 10, maxMs: 10, multiplier: 1 } };
const request = { body: Buffer.from("{}").toString("base64"), querystring: "" };
const ok = async () =>
  ({ kind: "answered", result: { status: 200, body: "", truncated: false } }) as const;

async function open(stream: string) {
  const backend = await createJetStreamQueue({ servers: nats.url, stream, ttlMs: 60_000 });
  const queue = createInvocationQueue({
    backend,
    defaultRetry: RETRY,
    idempotencyWindowMs: 60_000,
    ttlMs: 60_000,
  });
  const kv = await new Kvm(jetstream(nc)).open(`${stream}_records`);
  const keys = async () => {
    const all: string[] = [];
    for await (const key of await kv.keys()) all.push(key);
    return all;
  };
  return { queue, keys };
}

/** Runs a worker until the invocation succeeded (or the wait ran out); its last record. */
async function runUntilDone(queue: InvocationQueue, tenant: string, id: string) {
  const worker = queue.startWorker({
    deliver: ok,
    concurrency: 4,
    maxInFlightPerFunction: 4,
    keepAliveMs: 1_000,
  });
  const done = await eventually(
    () => queue.get(tenant, id),
    (inv) => inv?.state === "succeeded",
  );
  await worker.stop();
  return done;
}

describe("jetstream queue: one stored message per enqueue", () => {
  it("an enqueue stores one message, on the invocation's subject, carrying the record", async () => {
    const { queue, keys } = await open("ONE_MESSAGE");
    const { invocation } = await queue.enqueue({ tenant: "acme", function: "f", request });
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info("ONE_MESSAGE", { subjects_filter: ">" });
    expect(info.state.messages).toBe(1);
    expect(Object.keys(info.state.subjects ?? {})).toEqual([
      `one_message.deliver.acme.${invocation.id}`,
    ]);
    expect(await keys()).toEqual([]);
    const done = await runUntilDone(queue, "acme", invocation.id);
    expect(done?.state).toBe("succeeded");
    expect(await keys()).toEqual([`r.acme.${invocation.id}`]);
    await queue.close();
  });

  it("delivers a pointer an older controller queued on the old subject", async () => {
    const { queue } = await open("OLD_POINTER");
    const inv = buildInvocation(
      { id: "0b5e1d6c-old", tenant: "acme", function: "f", request, retry: RETRY },
      new Date(),
    );
    const js = jetstream(nc);
    await (
      await new Kvm(js).open("OLD_POINTER_records")
    ).put("r.acme.0b5e1d6c-old", JSON.stringify(inv));
    await js.publish("old_pointer.deliver", JSON.stringify({ tenant: "acme", id: inv.id }));
    const done = await runUntilDone(queue, "acme", inv.id);
    expect(done?.state).toBe("succeeded");
    expect(done?.attempts).toHaveLength(1);
    await queue.close();
  });

  it("reads and lists a queued invocation of a tenant whose name is escaped in its subject", async () => {
    const { queue } = await open("TOKENS");
    const { invocation } = await queue.enqueue({ tenant: "team_one", function: "f", request });
    expect((await queue.get("team_one", invocation.id))?.state).toBe("queued");
    expect(await queue.get("team", invocation.id)).toBeUndefined();
    expect((await queue.list({ tenant: "team_one", limit: 5 })).map((i) => i.id)).toEqual([
      invocation.id,
    ]);
    await queue.close();
  });
});

describe("jetstream messages", () => {
  it.each([
    ["acme", "acme"],
    ["0b5e1d6c-4f1a", "0b5e1d6c-4f1a"],
    ["a.b", "a_2eb"],
    ["*", "_2a"],
    [">", "_3e"],
    ["a_b", "a_5fb"],
    ["é", "_c3_a9"],
    ["", "_"],
  ])("token of %j is %j and back", (value, token) => {
    expect(toSubjectToken(value)).toBe(token);
    expect(fromSubjectToken(token)).toBe(value);
  });

  it("builds one subject per invocation", () => {
    expect(buildDeliverySubject("s.deliver", "t.x", "id")).toBe("s.deliver.t_2ex.id");
  });

  it("tells a carried record from a pointer, and refuses anything else", () => {
    const inv = buildInvocation(
      { id: "i", tenant: "t", function: "f", request, retry: RETRY },
      new Date(0),
    );
    expect(parseDeliveryBody(JSON.parse(JSON.stringify(inv)))).toEqual({
      tenant: "t",
      id: "i",
      record: inv,
    });
    expect(parseDeliveryBody({ tenant: "t", id: "i" })).toEqual({ tenant: "t", id: "i" });
    expect(() => parseDeliveryBody({ id: "i" })).toThrow();
    expect(() => parseDeliveryBody("x")).toThrow();
  });
});
