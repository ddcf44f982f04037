/**
 * Runs the triggers of every function: one scheduler over the functions the driver lists (read
 * on every check, so a created, updated or deleted function's schedules apply within a check),
 * and the NATS subscriptions of their `nats` triggers, kept in step with the same list. Both
 * drivers list the stored specs, so this is one code path for local and Kubernetes.
 */
import { EventFlowError } from "@eventflow/protocol";
import type { FunctionTrigger } from "@eventflow/protocol/function-spec";
import type { NatsConnection } from "@nats-io/transport-node";
import type { AsyncConfig } from "../config.js";
import type { InvocationQueue } from "./invocations.js";
import { connectNats } from "./nats-connection.js";
import {
  createScheduler,
  parseSchedule,
  subscribeNatsTriggers,
  type NatsSubscriber,
  type Trigger,
  type TriggeredFunction,
} from "./triggers.js";

/** What the engine reads of a stored function. */
export interface FunctionWithTriggers {
  readonly tenant: string;
  readonly name: string;
  readonly triggers?: readonly FunctionTrigger[] | undefined;
}

/** The engine's view of a spec's triggers (the schema's one object per trigger, narrowed). */
export function toTriggers(triggers: readonly FunctionTrigger[]): Trigger[] {
  return triggers.map((t) =>
    t.type === "schedule"
      ? {
          type: "schedule",
          cron: t.cron ?? "",
          ...(t.timezone === undefined ? {} : { timezone: t.timezone }),
          ...(t.data === undefined ? {} : { data: t.data }),
        }
      : {
          type: "nats",
          subject: t.subject ?? "",
          ...(t.queue === undefined ? {} : { queue: t.queue }),
        },
  );
}

/**
 * Refuses triggers this controller cannot run: a cron or zone croner does not read
 * (REQUEST_VALIDATION_FAILED, by field), a `nats` trigger without EVENTFLOW_NATS_URL
 * (TRIGGER_NATS_UNAVAILABLE).
 */
export function checkTriggers(
  triggers: readonly FunctionTrigger[] | undefined,
  options: { readonly nats: boolean },
): void {
  const problems: { path: string; message: string }[] = [];
  for (const [i, trigger] of toTriggers(triggers ?? []).entries()) {
    if (trigger.type === "nats") {
      if (!options.nats)
        throw new EventFlowError(
          "TRIGGER_NATS_UNAVAILABLE",
          "a nats trigger needs a controller connected to NATS (EVENTFLOW_NATS_URL)",
          { details: [{ path: `triggers.${i}.subject`, message: "no NATS server is configured" }] },
        );
      continue;
    }
    try {
      parseSchedule(trigger);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const field = /time ?zone/i.test(message) ? "timezone" : "cron";
      problems.push({ path: `triggers.${i}.${field}`, message });
    }
  }
  if (problems.length > 0)
    throw new EventFlowError("REQUEST_VALIDATION_FAILED", "invalid triggers", {
      details: problems,
    });
}

/** A pino-like logger. */
interface EngineLogger {
  warn(obj: object, msg?: string): void;
}

/** Dependencies of {@link startTriggerEngine}. */
export interface TriggerEngineDeps {
  readonly queue: InvocationQueue;
  /** Every stored function (all tenants). */
  readonly functions: () => Promise<readonly FunctionWithTriggers[]>;
  /** The connection `nats` triggers subscribe on; without one they are not run. */
  readonly nats?: NatsSubscriber;
  readonly logger: EngineLogger;
  readonly intervalMs?: number;
}

/** A running engine. */
export interface TriggerEngine {
  stop(): Promise<void>;
}

/** Starts the scheduler and the NATS subscriptions of every function's triggers. */
export function startTriggerEngine(deps: TriggerEngineDeps): TriggerEngine {
  const subscriptions = new Map<string, { spec: string; sub: { stop(): void } }>();
  const onError = (error: unknown, fn?: TriggeredFunction) =>
    deps.logger.warn(
      { err: String(error), tenant: fn?.tenant, function: fn?.function },
      "trigger failed",
    );

  function syncSubscriptions(fns: readonly TriggeredFunction[]): void {
    const wanted = new Map<string, TriggeredFunction>();
    for (const fn of fns)
      if (fn.triggers.some((t) => t.type === "nats")) wanted.set(`${fn.tenant}/${fn.function}`, fn);
    for (const [key, held] of subscriptions) {
      const fn = wanted.get(key);
      if (fn === undefined || JSON.stringify(fn.triggers) !== held.spec) {
        held.sub.stop();
        subscriptions.delete(key);
      }
    }
    if (deps.nats === undefined) return;
    for (const [key, fn] of wanted) {
      if (subscriptions.has(key)) continue;
      try {
        const sub = subscribeNatsTriggers({
          nc: deps.nats,
          queue: deps.queue,
          fn,
          onError: (e) => onError(e, fn),
        });
        subscriptions.set(key, { spec: JSON.stringify(fn.triggers), sub });
      } catch (error) {
        onError(error, fn);
      }
    }
  }

  const scheduler = createScheduler({
    queue: deps.queue,
    async functions() {
      const fns = (await deps.functions())
        .filter((fn) => (fn.triggers?.length ?? 0) > 0)
        .map((fn) => ({
          tenant: fn.tenant,
          function: fn.name,
          triggers: toTriggers(fn.triggers ?? []),
        }));
      syncSubscriptions(fns);
      return fns;
    },
    onError,
    ...(deps.intervalMs === undefined ? {} : { intervalMs: deps.intervalMs }),
  });
  return {
    async stop() {
      await scheduler.stop();
      syncSubscriptions([]);
    },
  };
}

/** Opens the connection `nats` triggers use (when EVENTFLOW_NATS_URL is set). */
export async function connectTriggerNats(
  nats: NonNullable<AsyncConfig["nats"]>,
): Promise<NatsConnection> {
  return connectNats({
    servers: nats.servers,
    name: "eventflow-triggers",
    ...(nats.user === undefined ? {} : { user: nats.user, pass: nats.password ?? "" }),
    ...(nats.token === undefined ? {} : { token: nats.token }),
  });
}
