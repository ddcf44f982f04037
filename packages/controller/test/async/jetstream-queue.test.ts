/** The queue contract on the JetStream backend, against a real nats-server (a stream per test). */
import { afterAll, beforeAll } from "vitest";
import { createJetStreamQueue } from "../../src/async/jetstream-queue.js";
import { queueContract } from "./queue-contract.js";
import { startNatsServer, type NatsServer } from "./nats-server.js";

let nats: NatsServer;
let n = 0;
beforeAll(async () => {
  nats = await startNatsServer();
});
afterAll(async () => {
  await nats?.stop();
});

queueContract("jetstream", async ({ ttlMs }) =>
  createJetStreamQueue({ servers: nats.url, stream: `CONTRACT_${n++}`, ackWaitMs: 2_000, ttlMs }),
);
