/**
 * What runs a function besides HTTP (`triggers`: schedules and NATS subjects) and how its
 * asynchronous invokes are retried (`retry`). Browser-safe: a cron is checked here by its shape
 * (5 fields, or 6 with seconds first, of cron characters); the controller parses it fully
 * before it stores the spec.
 */
import { z } from "zod";

/** The most triggers one function may have. */
export const MAX_TRIGGERS = 10;

const CRON_FIELD = "[0-9A-Za-z*/,?#-]+";

/** A cron pattern's shape: 5 fields, or 6 with seconds first, each of cron characters. */
export const cronSchema = z
  .string()
  .min(1)
  .max(256)
  // A pattern (not a refinement) so that the Function CRD's schema checks it too.
  .regex(new RegExp(`^\\s*${CRON_FIELD}(?:\\s+${CRON_FIELD}){4,5}\\s*$`), {
    error: "must be a cron pattern of 5 fields, or 6 with seconds first (*/5 * * * * *)",
  })
  .meta({ example: "*/5 * * * *" });

const timezoneSchema = z
  .string()
  .max(64)
  .regex(/^[A-Za-z0-9_+/-]+$/, { error: "must be an IANA time zone such as Europe/Paris" });

const subjectSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[^\s.]+(?:\.[^\s.]+)*$/, {
    error: "must be a NATS subject: dot-separated tokens without spaces (orders.>)",
  });

const SCHEDULE_FIELDS = ["cron", "timezone", "data"] as const;
const NATS_FIELDS = ["subject", "queue"] as const;

/**
 * One trigger: `{ type: "schedule", cron, timezone?, data? }` runs the function at every tick
 * of `cron` in `timezone` (default UTC) with `data` (an object of at most 32 strings) as the
 * event's data (JSON);
 * `{ type: "nats", subject, queue? }` runs it once per message of `subject` (wildcards `*` and
 * `>`), in the queue group `queue` (default `eventflow-TENANT-FUNCTION`). One object with the
 * fields of both kinds rather than a union, so that the Function CRD's schema stays structural;
 * the rules below (and their CEL twins) refuse a field of the other kind.
 */
export const triggerSchema = z
  .strictObject({
    type: z.enum(["schedule", "nats"]),
    cron: cronSchema.optional(),
    timezone: timezoneSchema.optional(),
    data: z
      .record(z.string().max(256), z.string().max(4096))
      .refine((data) => Object.keys(data).length <= 32, { error: "at most 32 keys" })
      .meta({ maxProperties: 32 })
      .optional(),
    subject: subjectSchema.optional(),
    queue: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9_-]+$/, { error: "must be letters, digits, '-' or '_'" })
      .optional(),
  })
  .superRefine((t, ctx) => {
    const [needed, foreign] =
      t.type === "schedule"
        ? (["cron", NATS_FIELDS] as const)
        : (["subject", SCHEDULE_FIELDS] as const);
    if (t[needed] === undefined)
      ctx.addIssue({
        code: "custom",
        path: [needed],
        message: `is required for a ${t.type} trigger`,
      });
    for (const field of foreign)
      if (t[field] !== undefined)
        ctx.addIssue({
          code: "custom",
          path: [field],
          message: `is not a field of a ${t.type} trigger`,
        });
  })
  .meta({
    "x-kubernetes-validations": [
      {
        rule: "self.type != 'schedule' || (has(self.cron) && !has(self.subject) && !has(self.queue))",
        message: "a schedule trigger has cron (and timezone, data), not subject or queue",
      },
      {
        rule: "self.type != 'nats' || (has(self.subject) && !has(self.cron) && !has(self.timezone) && !has(self.data))",
        message: "a nats trigger has subject (and queue), not cron, timezone or data",
      },
    ],
  });

/** The triggers of a function: at most {@link MAX_TRIGGERS}. */
export const triggersSchema = z.array(triggerSchema).max(MAX_TRIGGERS);

/**
 * Retries of the function's asynchronous invokes (API and triggers): `maxAttempts` in all, the
 * n-th retry after `initialMs × multiplier^(n-1)` ms, at most `maxMs`.
 */
export const retryPolicySchema = z.strictObject({
  maxAttempts: z.number().int().min(1).max(100),
  backoff: z
    .strictObject({
      initialMs: z.number().int().min(1).max(86_400_000),
      maxMs: z.number().int().min(1).max(86_400_000),
      multiplier: z.number().min(1).max(10),
    })
    .refine((b) => b.initialMs <= b.maxMs, {
      path: ["initialMs"],
      error: "must not exceed maxMs",
    })
    .meta({
      "x-kubernetes-validations": [
        {
          rule: "self.initialMs <= self.maxMs",
          message: "initialMs must not exceed maxMs",
          fieldPath: ".initialMs",
        },
      ],
    }),
});

/** A function's trigger as validated. */
export type FunctionTrigger = z.output<typeof triggersSchema>[number];
/** A function's retry policy. */
export type FunctionRetry = z.output<typeof retryPolicySchema>;
