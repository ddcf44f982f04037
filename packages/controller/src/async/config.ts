/**
 * Asynchronous invocations' settings: their variables (spread into the controller's one env
 * schema) and the section of the frozen config built from them.
 */
import { join } from "node:path";
import { z } from "zod";
import { nonEmpty, positiveInt } from "../env-schema.js";

/** The variables (validated with the rest of the controller's environment). */
export const ASYNC_ENV = {
  EVENTFLOW_NATS_URL: z
    .string()
    .trim()
    .refine((v) => v.split(",").every((u) => /^(nats|tls):\/\/[^\s/]+$/.test(u.trim())), {
      error: "must be nats://host:port (comma-separated for several servers)",
    })
    .optional(),
  EVENTFLOW_NATS_STREAM: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: "must be a JetStream stream name ([A-Za-z0-9_-])" })
    .default("EVENTFLOW_INVOCATIONS"),
  EVENTFLOW_NATS_REPLICAS: z.coerce
    .number()
    .int()
    .refine((n) => n === 1 || n === 3 || n === 5, { error: "must be 1, 3 or 5" })
    .default(1),
  EVENTFLOW_NATS_USER: nonEmpty.optional(),
  EVENTFLOW_NATS_PASSWORD: nonEmpty.optional(),
  EVENTFLOW_NATS_TOKEN: nonEmpty.optional(),
  EVENTFLOW_ASYNC_MAX_ATTEMPTS: positiveInt(100).default(5),
  EVENTFLOW_ASYNC_BACKOFF_INITIAL_MS: positiveInt(3_600_000).default(1000),
  EVENTFLOW_ASYNC_BACKOFF_MAX_MS: positiveInt(86_400_000).default(300_000),
  EVENTFLOW_ASYNC_BACKOFF_MULTIPLIER: z.coerce.number().min(1).max(100).default(2),
  EVENTFLOW_ASYNC_CONCURRENCY: positiveInt(10_000).default(64),
  EVENTFLOW_ASYNC_MAX_IN_FLIGHT: positiveInt(10_000).default(16),
  EVENTFLOW_ASYNC_RESULT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(16 * 1024 * 1024)
    .default(64 * 1024),
  EVENTFLOW_ASYNC_TTL_SECONDS: positiveInt(90 * 86_400).default(7 * 86_400),
  EVENTFLOW_IDEMPOTENCY_WINDOW_SECONDS: positiveInt(30 * 86_400).default(86_400),
};

type AsyncEnv = z.output<z.ZodObject<typeof ASYNC_ENV>>;

/**
 * Asynchronous invocations: the queue (NATS JetStream when `EVENTFLOW_NATS_URL` is set, else
 * node:sqlite in the data dir), the default retry policy and the worker's limits.
 */
export interface AsyncConfig {
  readonly sqlitePath: string;
  readonly nats?: {
    readonly servers: string;
    readonly stream: string;
    readonly replicas: number;
    readonly user?: string;
    readonly password?: string;
    readonly token?: string;
  };
  /** Retries of one invocation (a function's `retry` overrides it). */
  readonly retry: {
    /** Attempts in all, the first included (>= 1). */
    readonly maxAttempts: number;
    readonly backoff: {
      readonly initialMs: number;
      readonly maxMs: number;
      readonly multiplier: number;
    };
  };
  /** Deliveries one controller works on at once. */
  readonly concurrency: number;
  /** Attempts of one function one controller runs at once. */
  readonly maxInFlightPerFunction: number;
  readonly resultMaxBytes: number;
  readonly ttlSeconds: number;
  readonly idempotencyWindowSeconds: number;
}

/** The async section of the config from the parsed variables. */
export function parseAsync(e: AsyncEnv, dataDir: string): AsyncConfig {
  const nats = e.EVENTFLOW_NATS_URL;
  return {
    sqlitePath: join(dataDir, "async-invocations.db"),
    ...(nats === undefined
      ? {}
      : {
          nats: {
            servers: nats,
            stream: e.EVENTFLOW_NATS_STREAM,
            replicas: e.EVENTFLOW_NATS_REPLICAS,
            ...(e.EVENTFLOW_NATS_USER === undefined ? {} : { user: e.EVENTFLOW_NATS_USER }),
            ...(e.EVENTFLOW_NATS_PASSWORD === undefined
              ? {}
              : { password: e.EVENTFLOW_NATS_PASSWORD }),
            ...(e.EVENTFLOW_NATS_TOKEN === undefined ? {} : { token: e.EVENTFLOW_NATS_TOKEN }),
          },
        }),
    retry: {
      maxAttempts: e.EVENTFLOW_ASYNC_MAX_ATTEMPTS,
      backoff: {
        initialMs: e.EVENTFLOW_ASYNC_BACKOFF_INITIAL_MS,
        maxMs: Math.max(e.EVENTFLOW_ASYNC_BACKOFF_MAX_MS, e.EVENTFLOW_ASYNC_BACKOFF_INITIAL_MS),
        multiplier: e.EVENTFLOW_ASYNC_BACKOFF_MULTIPLIER,
      },
    },
    concurrency: e.EVENTFLOW_ASYNC_CONCURRENCY,
    maxInFlightPerFunction: e.EVENTFLOW_ASYNC_MAX_IN_FLIGHT,
    resultMaxBytes: e.EVENTFLOW_ASYNC_RESULT_MAX_BYTES,
    ttlSeconds: e.EVENTFLOW_ASYNC_TTL_SECONDS,
    idempotencyWindowSeconds: e.EVENTFLOW_IDEMPOTENCY_WINDOW_SECONDS,
  };
}
