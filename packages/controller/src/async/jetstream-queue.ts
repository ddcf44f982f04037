/**
 * The queue backend for controller replicas: NATS JetStream. Deliveries are messages of a
 * work-queue stream (file storage), one subject per invocation, read by one durable pull
 * consumer that every replica shares, so adding replicas adds workers. A new invocation is one
 * stored message, its delivery carrying the whole record; the worker writes the record to a KV
 * bucket (with the idempotency keys) when it starts it, and from then on the KV record is the
 * truth. Until then reads, lists and purges find the invocation in the stream by its subject.
 * A message not acked within the ack wait (its worker died) is delivered again; `nak(delay)`
 * schedules a retry; `working()` keeps a long attempt's message.
 */
import { createHash } from "node:crypto";
import {
  AckPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JsMsg,
} from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { nanos, type NatsConnection } from "@nats-io/transport-node";
import { EventFlowError, isEventFlowError } from "@eventflow/protocol";
import { consumeJetStream } from "./jetstream-consumer.js";
import {
  buildDeliverySubject,
  fromSubjectToken,
  parseDeliveryBody,
  toSubjectToken,
} from "./jetstream-messages.js";
import type { Invocation } from "./model.js";
import { connectNats } from "./nats-connection.js";
import type { Delivery, InsertResult, InvocationFilter, QueueBackend } from "./queue.js";

/** Options of {@link createJetStreamQueue}. */
export interface JetStreamQueueOptions {
  /** nats://host:port, comma-separated for several servers. */
  readonly servers: string;
  /** Stream name; the KV bucket and the subject are named after it. */
  readonly stream?: string;
  /** Stream and bucket replicas (1, 3 or 5; 1 on a single server). */
  readonly replicas?: number;
  /** How long a delivery is held without `working()` before it is delivered again. */
  readonly ackWaitMs?: number;
  /** How long final records are kept (the bucket's TTL also bounds queued ones). */
  readonly ttlMs: number;
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
  /** How long a JetStream request (publish, KV read or write) may take (default 5 s). */
  readonly requestTimeoutMs?: number;
  readonly now?: () => number;
}

/**
 * A list reads at most this many queued messages that no worker has started (a tenant with a
 * longer backlog gets some of them, not necessarily the newest: the stream's subject list has
 * no order).
 */
const QUEUED_LIST_MAX = 1_000;
/** How many of those reads are in flight at once. */
const QUEUED_READS_AT_ONCE = 32;

/** Foreign errors of this adapter become ASYNC_UNAVAILABLE (503, retryable), in one place. */
function unavailable(error: unknown): never {
  if (isEventFlowError(error)) throw error;
  throw new EventFlowError("ASYNC_UNAVAILABLE", "the JetStream queue did not answer", {
    cause: error,
  });
}

/** The backend with every call's foreign errors converted. */
function converted(backend: QueueBackend): QueueBackend {
  const wrap =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      call(...args).catch(unavailable);
  return {
    ...backend,
    enqueue: wrap(backend.enqueue),
    insert: wrap(backend.insert),
    get: wrap(backend.get),
    save: wrap(backend.save),
    list: wrap(backend.list),
    remove: wrap(backend.remove),
    dispatch: wrap(backend.dispatch),
    depth: wrap(backend.depth),
  };
}

/** The JetStream backend, its connection open. */
export async function createJetStreamQueue(options: JetStreamQueueOptions): Promise<QueueBackend> {
  const stream = options.stream ?? "EVENTFLOW_INVOCATIONS";
  // `<base>`: pointer messages of older controllers; `<base>.<tenant>.<id>`: one invocation's.
  const base = `${stream.toLowerCase()}.deliver`;
  const subjectOf = (tenant: string, id: string) => buildDeliverySubject(base, tenant, id);
  const durable = "workers";
  const replicas = options.replicas ?? 1;
  const clock = options.now ?? Date.now;
  const nc: NatsConnection = await connectNats({
    servers: options.servers,
    name: "eventflow-controller",
    ...(options.user === undefined ? {} : { user: options.user, pass: options.pass ?? "" }),
    ...(options.token === undefined ? {} : { token: options.token }),
  });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc, { timeout: options.requestTimeoutMs ?? 5_000 });
  const streamConfig = {
    name: stream,
    subjects: [base, `${base}.>`],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    num_replicas: replicas,
    duplicate_window: nanos(120_000),
  };
  try {
    await jsm.streams.info(stream);
    await jsm.streams.update(stream, streamConfig);
  } catch {
    await jsm.streams.add(streamConfig);
  }
  const ackWait = nanos(options.ackWaitMs ?? 30_000);
  try {
    await jsm.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      ack_wait: ackWait,
      max_deliver: -1,
      max_ack_pending: 10_000,
    });
  } catch {
    // Another replica made it with other settings (a rolling update): take ours.
    await jsm.consumers.update(stream, durable, { ack_wait: ackWait, max_ack_pending: 10_000 });
  }
  const kv: KV = await new Kvm(js).create(`${stream}_records`, {
    history: 1,
    storage: StorageType.File,
    replicas,
    ttl: options.ttlMs * 2,
  });

  const recordKey = (tenant: string, id: string) => `r.${tenant}.${id}`;
  const idemKey = (inv: Invocation, key: string) =>
    `i.${inv.tenant}.${createHash("sha256").update(`${inv.function}\0${key}`).digest("hex")}`;

  async function read(key: string): Promise<{ value: Invocation; revision: number } | undefined> {
    const entry = await kv.get(key);
    if (entry === null || entry.operation !== "PUT") return undefined;
    return { value: entry.json<Invocation>(), revision: entry.revision };
  }

  function live(inv: Invocation | undefined): Invocation | undefined {
    if (inv?.expiresAt !== undefined && Date.parse(inv.expiresAt) < clock()) return undefined;
    return inv;
  }

  async function stored(tenant: string, id: string): Promise<Invocation | undefined> {
    return live((await read(recordKey(tenant, id)))?.value);
  }

  /** The record a queued message carries (the stream leader's copy), if it carries one. */
  async function carried(tenant: string, id: string): Promise<Invocation | undefined> {
    const m = await jsm.streams.getMessage(stream, { last_by_subj: subjectOf(tenant, id) });
    return m === null ? undefined : live(parseDeliveryBody(m.json()).record);
  }

  async function get(tenant: string, id: string): Promise<Invocation | undefined> {
    // KV first; a worker may store the record and ack the message between the two reads
    // below, so a miss in the stream looks in KV once more.
    return (await stored(tenant, id)) ?? (await carried(tenant, id)) ?? (await stored(tenant, id));
  }

  /** The live invocation an idempotency key holds, or undefined (and its revision). */
  async function heldBy(key: string, tenant: string) {
    const entry = await kv.get(key);
    if (entry === null || entry.operation !== "PUT") return { revision: entry?.revision ?? 0 };
    const held = entry.json<{ id: string; until: number }>();
    const inv = held.until > clock() ? await stored(tenant, held.id) : undefined;
    return { revision: entry.revision, inv };
  }

  async function insert(
    inv: Invocation,
    idempotency: { key: string; windowMs: number },
  ): Promise<InsertResult> {
    await kv.put(recordKey(inv.tenant, inv.id), JSON.stringify(inv));
    const key = idemKey(inv, idempotency.key);
    const value = JSON.stringify({ id: inv.id, until: clock() + idempotency.windowMs });
    for (let round = 0; round < 5; round++) {
      try {
        await kv.create(key, value);
        return { invocation: inv, created: true };
      } catch {
        const held = await heldBy(key, inv.tenant);
        if (held.inv !== undefined) {
          await kv.purge(recordKey(inv.tenant, inv.id));
          return { invocation: held.inv, created: false };
        }
        try {
          await kv.update(key, value, held.revision);
          return { invocation: inv, created: true };
        } catch {
          // Another request took the key between our read and write: read it again.
        }
      }
    }
    throw new Error(`idempotency key ${idempotency.key} is contended`);
  }

  function delivery(m: JsMsg): Delivery {
    const { tenant, id, record } = parseDeliveryBody(m.json());
    return {
      tenant,
      id,
      deliveryCount: m.info.deliveryCount,
      // A redelivery after a worker started the invocation finds the KV record, which wins.
      load: async () => (await stored(tenant, id)) ?? live(record),
      keepAlive: () => m.working(),
      ack: async () => void (await m.ackAck()),
      retry: async (delayMs) => m.nak(Math.max(1, Math.round(delayMs))),
    };
  }

  const matches = (filter: InvocationFilter, inv: Invocation | undefined): inv is Invocation =>
    inv !== undefined &&
    (filter.function === undefined || inv.function === filter.function) &&
    (filter.states === undefined ||
      filter.states.length === 0 ||
      filter.states.includes(inv.state));

  /**
   * A tenant's KV records, plus its invocations queued in the stream that no worker has started
   * (no KV record yet). The work on the stream is bounded: one stream info lists the subjects
   * under the tenant's prefix (only when the filter admits `queued`), and at most
   * QUEUED_LIST_MAX of those messages are read, QUEUED_READS_AT_ONCE at a time.
   */
  async function list(filter: InvocationFilter): Promise<Invocation[]> {
    const admitsQueued =
      filter.states === undefined || filter.states.length === 0 || filter.states.includes("queued");
    const prefix = `${base}.${toSubjectToken(filter.tenant)}.`;
    // The stream before the keys: one a worker starts after this look has its KV key by then.
    const info = admitsQueued
      ? await jsm.streams.info(stream, { subjects_filter: `${prefix}>` })
      : undefined;
    const keyPrefix = `r.${filter.tenant}.`;
    const keys: string[] = [];
    for await (const key of await kv.keys(`${keyPrefix}>`)) keys.push(key);
    const found = new Map<string, Invocation>();
    for (const key of keys) {
      const inv = live((await read(key))?.value);
      if (matches(filter, inv)) found.set(inv.id, inv);
    }
    const storedIds = new Set(keys.map((key) => key.slice(keyPrefix.length)));
    const unstarted = Object.keys(info?.state.subjects ?? {})
      .map((subject) => fromSubjectToken(subject.slice(prefix.length)))
      .filter((id) => !storedIds.has(id))
      .slice(0, QUEUED_LIST_MAX);
    for (let i = 0; i < unstarted.length; i += QUEUED_READS_AT_ONCE) {
      const batch = unstarted.slice(i, i + QUEUED_READS_AT_ONCE);
      await Promise.all(
        batch.map(async (id) => {
          // Acked since the stream info: the worker stored its record.
          const inv = (await carried(filter.tenant, id)) ?? (await stored(filter.tenant, id));
          if (matches(filter, inv)) found.set(inv.id, inv);
        }),
      );
    }
    return [...found.values()]
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .slice(0, filter.limit);
  }

  /** Publishes a delivery: the record itself, or a pointer to the stored one. */
  async function publish(inv: Invocation, body: string): Promise<void> {
    await js.publish(subjectOf(inv.tenant, inv.id), body, {
      msgID: `${inv.tenant}.${inv.id}.${inv.dispatches}`,
    });
  }

  return converted({
    enqueue: (inv) => publish(inv, JSON.stringify(inv)),
    insert,
    get,
    async save(inv) {
      await kv.put(recordKey(inv.tenant, inv.id), JSON.stringify(inv));
    },
    list,
    async remove(tenant, ids) {
      for (const id of ids) {
        await kv.purge(recordKey(tenant, id));
        await jsm.streams.purge(stream, { filter: subjectOf(tenant, id) });
      }
    },
    dispatch: (inv) => publish(inv, JSON.stringify({ tenant: inv.tenant, id: inv.id })),
    consume: (handler, { concurrency }) =>
      consumeJetStream({ js, stream, durable, toDelivery: delivery, handler, concurrency }),
    async depth() {
      const info = await jsm.streams.info(stream);
      const pending = info.state.messages;
      return pending === 0
        ? { pending }
        : { pending, oldestQueuedAt: new Date(info.state.first_ts) };
    },
    async close() {
      await nc.drain();
    },
  });
}
