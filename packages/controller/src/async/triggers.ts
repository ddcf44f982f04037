/**
 * Triggers: a function runs on a schedule (cron, 5 fields or 6 with seconds) or on messages of
 * a NATS subject. Every trigger delivery is an asynchronous invoke (same retries, dead letters
 * and results) carrying a CloudEvent in binary mode (`ce-*` headers, the data as the body).
 *
 * Schedules fire once per tick however many controller replicas run the scheduler: each replica
 * enqueues the tick with the idempotency key `trigger:<index>:<tick time>`, and the queue keeps
 * one. Catch-up (the policy of a Kubernetes CronJob with `startingDeadlineSeconds`): a scheduler
 * that starts fires the latest tick it missed only if that tick is less than
 * `startingDeadlineMs` old; older ones are skipped, and never more than one.
 */
import { randomUUID } from "node:crypto";
import { Cron } from "croner";
import type { InvocationQueue } from "./invocations.js";

/** `{ type: "schedule", cron: "*\/5 * * * *", timezone?, data? }`. */
export interface ScheduleTrigger {
  readonly type: "schedule";
  /** 5 fields, or 6 with seconds first (`*\/2 * * * * *`: every 2 s). */
  readonly cron: string;
  /** An IANA zone (default UTC). */
  readonly timezone?: string;
  /** Sent as the event's data. */
  readonly data?: unknown;
}

/** `{ type: "nats", subject: "orders.>", queue? }`. */
export interface NatsTrigger {
  readonly type: "nats";
  readonly subject: string;
  /** The queue group (default `eventflow-TENANT-FUNCTION`). */
  readonly queue?: string;
}

/** A trigger of a function. */
export type Trigger = ScheduleTrigger | NatsTrigger;

/** A function and its triggers. */
export interface TriggeredFunction {
  readonly tenant: string;
  readonly function: string;
  readonly triggers: readonly Trigger[];
}

/** The CloudEvent `type` of a schedule tick and of a NATS message. */
export const SCHEDULE_EVENT_TYPE = "dev.eventflow.schedule.tick";
export const NATS_EVENT_TYPE = "dev.eventflow.nats.message";

/** Parses a schedule's cron (throws on a bad pattern or zone). */
export function parseSchedule(trigger: ScheduleTrigger): Cron {
  const cron = new Cron(trigger.cron, {
    paused: true,
    ...(trigger.timezone === undefined ? {} : { timezone: trigger.timezone }),
  });
  // croner checks the zone only when it computes a date: do it once here.
  cron.nextRun();
  return cron;
}

/**
 * The ticks to fire now: those in (`after`, `now`]; when more than one was missed only the latest
 * (at most one catch-up), and on a first check (`after` undefined) the latest tick before `now`
 * only if it is younger than `startingDeadlineMs`.
 */
export function dueTick(
  cron: Cron,
  after: Date | undefined,
  now: Date,
  startingDeadlineMs: number,
): Date | undefined {
  const from = after ?? new Date(now.getTime() - startingDeadlineMs);
  let latest: Date | undefined;
  for (let next = cron.nextRun(from); next !== null && next <= now; next = cron.nextRun(next)) {
    latest = next;
  }
  if (latest === undefined) return undefined;
  if (now.getTime() - latest.getTime() > startingDeadlineMs) return undefined;
  return latest;
}

/** The binary-mode CloudEvent of a trigger delivery: `ce-*` headers, the data as the body. */
export function buildTriggerEvent(input: {
  readonly type: string;
  readonly source: string;
  readonly id: string;
  readonly time: Date;
  readonly subject?: string;
  readonly data: Uint8Array | string;
  readonly contentType?: string;
}) {
  return {
    headers: {
      "ce-specversion": "1.0",
      "ce-type": input.type,
      "ce-source": input.source,
      "ce-id": input.id,
      "ce-time": input.time.toISOString(),
      ...(input.subject === undefined ? {} : { "ce-subject": input.subject }),
    },
    contentType: input.contentType ?? "application/json",
    body: Buffer.from(input.data).toString("base64"),
  };
}

/** Options of {@link createScheduler}. */
export interface SchedulerOptions {
  readonly queue: InvocationQueue;
  /** The functions with triggers, read on every check (so spec changes apply). */
  readonly functions: () => Promise<readonly TriggeredFunction[]>;
  readonly now?: () => Date;
  /** How often schedules are checked (default 1 s). */
  readonly intervalMs?: number;
  /** A tick missed by more than this is skipped (default 60 s; keep it above `intervalMs`). */
  readonly startingDeadlineMs?: number;
  readonly onError?: (error: unknown, fn?: TriggeredFunction) => void;
}

/** A running scheduler. */
export interface Scheduler {
  /** One check of every schedule (the loop calls it; tests may too). */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts checking schedules; every due tick becomes an asynchronous invoke. */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const now = options.now ?? (() => new Date());
  const deadline = options.startingDeadlineMs ?? 60_000;
  const checked = new Map<string, Date>();
  const crons = new Map<string, { pattern: string; cron: Cron }>();

  async function fire(fn: TriggeredFunction, index: number, trigger: ScheduleTrigger, at: Date) {
    const source = `/v1/functions/${fn.function}/triggers/${index}`;
    const event = buildTriggerEvent({
      type: SCHEDULE_EVENT_TYPE,
      source,
      id: `${fn.tenant}/${fn.function}/${index}/${at.toISOString()}`,
      time: at,
      data: JSON.stringify(trigger.data ?? null),
    });
    await options.queue.enqueue({
      tenant: fn.tenant,
      function: fn.function,
      request: {
        body: event.body,
        contentType: event.contentType,
        querystring: "",
        headers: event.headers,
      },
      idempotencyKey: `trigger:${index}:${at.toISOString()}`,
    });
  }

  async function tick(): Promise<void> {
    const at = now();
    for (const fn of await options.functions()) {
      for (const [index, trigger] of fn.triggers.entries()) {
        if (trigger.type !== "schedule") continue;
        const key = `${fn.tenant}/${fn.function}/${index}`;
        try {
          let entry = crons.get(key);
          if (entry?.pattern !== `${trigger.cron}|${trigger.timezone ?? ""}`) {
            entry = {
              pattern: `${trigger.cron}|${trigger.timezone ?? ""}`,
              cron: parseSchedule(trigger),
            };
            crons.set(key, entry);
          }
          const due = dueTick(entry.cron, checked.get(key), at, deadline);
          if (due !== undefined) await fire(fn, index, trigger, due);
          checked.set(key, at);
        } catch (error) {
          options.onError?.(error, fn);
        }
      }
    }
  }

  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    if (stopped) return;
    running = running.then(tick).catch((error: unknown) => options.onError?.(error));
  }, options.intervalMs ?? 1000);
  return {
    tick,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

/** What a NATS subject trigger needs of a connection (the JetStream queue's, or its own). */
export interface NatsSubscriber {
  subscribe(
    subject: string,
    options: {
      queue: string;
      callback: (
        error: Error | null,
        msg: { subject: string; data: Uint8Array; headers?: { get(name: string): string } },
      ) => void;
    },
  ): { unsubscribe(): void };
}

/** A media type as a NATS header may carry it: `type/subtype`, then parameters. */
const MEDIA_TYPE = /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+(?:\s*;[\x20-\x7e]*)?$/;

/**
 * The content type a message's data is delivered with: its publisher's `Content-Type` header when
 * that is a media type (so `application/json` reaches an SDK handler parsed), else
 * `application/octet-stream` (the bytes as they are). Anything else a publisher sends there is
 * not passed on.
 */
export function messageContentType(header: string | undefined): string {
  const value = header?.trim() ?? "";
  return value.length > 0 && value.length <= 200 && MEDIA_TYPE.test(value)
    ? value
    : "application/octet-stream";
}

/**
 * Subscribes a function's `nats` triggers in the queue group `eventflow-<tenant>-<function>`,
 * so each message reaches one controller replica, which queues it as an asynchronous invoke.
 */
export function subscribeNatsTriggers(options: {
  readonly nc: NatsSubscriber;
  readonly queue: InvocationQueue;
  readonly fn: TriggeredFunction;
  readonly onError?: (error: unknown) => void;
  readonly now?: () => Date;
}): { stop(): void } {
  const now = options.now ?? (() => new Date());
  const { fn } = options;
  const subs = fn.triggers.flatMap((trigger, index) => {
    if (trigger.type !== "nats") return [];
    return [
      options.nc.subscribe(trigger.subject, {
        queue: trigger.queue ?? `eventflow-${fn.tenant}-${fn.function}`,
        callback: (error, msg) => {
          if (error !== null) return options.onError?.(error);
          const event = buildTriggerEvent({
            type: NATS_EVENT_TYPE,
            source: `/v1/functions/${fn.function}/triggers/${index}`,
            id: randomUUID(),
            time: now(),
            subject: msg.subject,
            data: msg.data,
            contentType: messageContentType(msg.headers?.get("Content-Type")),
          });
          options.queue
            .enqueue({
              tenant: fn.tenant,
              function: fn.function,
              request: {
                body: event.body,
                contentType: event.contentType,
                querystring: "",
                headers: event.headers,
              },
            })
            .catch((e: unknown) => options.onError?.(e));
        },
      }),
    ];
  });
  return { stop: () => subs.forEach((s) => s.unsubscribe()) };
}
