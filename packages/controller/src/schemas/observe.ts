/** Schemas of the logs and metrics endpoints. */
import { z } from "zod";
import { queryBool, tenantSchema } from "./common.js";

const DURATION = /^([0-9]{1,6})(s|m|h|d)$/;
const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Seconds in a duration such as `90s`, `15m`, `1h`, `2d`; undefined if it is not one. */
export function durationSeconds(text: string): number | undefined {
  const match = DURATION.exec(text);
  return match === null
    ? undefined
    : Number(match[1]) * (UNIT_SECONDS[match[2] ?? ""] ?? Number.NaN);
}

/** Parses `since`: an RFC 3339 instant or a duration back from now (`10m`). */
function sinceSchema(now: () => Date) {
  return z
    .string()
    .transform((text, ctx) => {
      const seconds = durationSeconds(text);
      if (seconds !== undefined) return new Date(now().getTime() - seconds * 1000);
      const instant = z.iso.datetime({ offset: true }).safeParse(text);
      if (instant.success) return new Date(text);
      ctx.addIssue({
        code: "custom",
        message: "must be an RFC 3339 instant or a duration such as 10m",
      });
      return z.NEVER;
    })
    .meta({
      description: "RFC 3339 instant or a duration back from now (`30s`, `10m`, `2h`)",
      example: "10m",
    });
}

/** Query of `GET /v1/functions/{name}/logs`. */
export function buildLogsQuerySchema(now: () => Date) {
  return z.strictObject({
    follow: queryBool.optional().meta({ description: "Keep the stream open and send new lines." }),
    tail: z
      .string()
      .regex(/^[0-9]{1,6}$/, { error: "must be a whole number" })
      .transform(Number)
      .pipe(z.number().max(100_000))
      .optional()
      .meta({ description: "Send only the last N lines of history first." }),
    since: sinceSchema(now).optional(),
    tenant: tenantSchema.optional(),
  });
}

/** Ranges of the function metrics time series and their step. */
export const METRIC_RANGES = {
  "5m": { seconds: 300, step: 10 },
  "15m": { seconds: 900, step: 30 },
  "1h": { seconds: 3600, step: 60 },
  "6h": { seconds: 21_600, step: 360 },
  "24h": { seconds: 86_400, step: 1440 },
} as const;

/** A range of the metrics endpoint. */
export type MetricRange = keyof typeof METRIC_RANGES;

/** Query of `GET /v1/functions/{name}/metrics`. */
export const metricsQuerySchema = z.strictObject({
  range: z
    .enum(Object.keys(METRIC_RANGES) as [MetricRange, ...MetricRange[]])
    .default("1h")
    .meta({ description: "How far back the series goes." }),
  tenant: tenantSchema.optional(),
});

/** One point of a function's metrics series. */
export const metricsPointSchema = z.object({
  timestamp: z.string().meta({ format: "date-time", description: "Start of the step." }),
  invocations: z.number().int(),
  errors: z.number().int().meta({ description: "Invocations answered with a 5xx status." }),
  client_errors: z.number().int().meta({ description: "Invocations answered with a 4xx status." }),
  p50_ms: z.number().nullable(),
  p95_ms: z.number().nullable(),
  cold_starts: z
    .number()
    .int()
    .meta({ description: "Invocations that waited for a replica to start." }),
  replicas_desired: z.number().int().nullable().meta({
    description:
      "Replicas the autoscaler asked for (the step's highest); null when none was recorded.",
  }),
  replicas_ready: z.number().int().nullable().meta({
    description: "Replicas ready to serve (the step's highest); null when none was recorded.",
  }),
});

/** The answer of `GET /v1/functions/{name}/metrics`. */
export const metricsSeriesSchema = z
  .object({
    name: z.string(),
    tenant: z.string(),
    range: z.string(),
    step_seconds: z.number().int(),
    points: z.array(metricsPointSchema),
  })
  .meta({ id: "FunctionMetrics" });

/** One SSE `log` event's data. */
export const logEventSchema = z
  .object({
    replica: z.string(),
    stream: z.enum(["stdout", "stderr"]),
    timestamp: z.string().meta({ format: "date-time" }),
    line: z.string(),
    partial: z.literal(true).optional().meta({
      description:
        "Only on the 16 KiB parts of a longer line but its last: the replica's next event continues the line.",
    }),
  })
  .meta({ id: "LogEvent" });
