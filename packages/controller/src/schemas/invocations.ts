/** Schemas of the asynchronous invocation routes (pure: zod only). */
import { z } from "zod";
import { tenantSchema } from "./common.js";
import { functionNameSchema } from "@eventflow/protocol/function-spec";

const STATES = ["queued", "running", "succeeded", "failed", "dead"] as const;
const DEAD_STATES = ["failed", "dead"] as const;

/** An invocation id (a UUID). */
export const invocationIdSchema = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, {
    error: "must be an invocation id (a UUID)",
  });

/** `GET /v1/invocations/{id}`. */
export const invocationParamsSchema = z.strictObject({ id: invocationIdSchema });

const tenant = tenantSchema
  .optional()
  .meta({ description: "Admins only: the tenant to act in (default: the token's)." });
const limit = z.coerce.number().int().min(1).max(1000).default(100);

/** A comma list of states, e.g. `dead,failed`. */
const statesOf = <T extends readonly [string, ...string[]]>(states: T) =>
  z
    .string()
    .transform((s) => s.split(",").map((v) => v.trim()))
    .pipe(z.array(z.enum(states)).min(1));

/** Query of one invocation. */
export const invocationQuerySchema = z.strictObject({ tenant });

/** Query of a function's invocations. */
export const invocationListQuerySchema = z.strictObject({
  tenant,
  state: statesOf(STATES).optional().meta({ description: "Comma list of states to keep." }),
  limit,
});

/** Query of the dead-letter list. */
export const deadLetterQuerySchema = z.strictObject({
  tenant,
  function: functionNameSchema.optional(),
  state: statesOf(DEAD_STATES).optional(),
  limit,
});

/** Which dead letters a redrive or purge acts on; one of the three must be given. */
export const deadLetterSelectorSchema = z
  .strictObject({
    ids: z.array(invocationIdSchema).min(1).max(1000).optional(),
    function: functionNameSchema.optional(),
    all: z.literal(true).optional(),
  })
  .refine((s) => s.ids !== undefined || s.function !== undefined || s.all === true, {
    error: "name the dead letters: ids, function, or all: true",
  })
  .meta({ id: "DeadLetterSelector" });

const attemptSchema = z.object({
  attempt: z.number(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  status: z.number().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

/** What the API answers for one invocation. */
export const invocationSchema = z
  .object({
    id: z.string(),
    tenant: z.string(),
    function: z.string(),
    state: z.enum(STATES),
    createdAt: z.string(),
    updatedAt: z.string(),
    nextAttemptAt: z.string().optional(),
    finishedAt: z.string().optional(),
    expiresAt: z.string().optional(),
    attempts: z.array(attemptSchema),
    maxAttempts: z.number(),
    result: z
      .object({
        status: z.number(),
        contentType: z.string().optional(),
        body: z.string().meta({ description: "base64" }),
        truncated: z.boolean(),
      })
      .optional(),
    callbackUrl: z.string().optional(),
    idempotencyKey: z.string().optional(),
  })
  .meta({ id: "Invocation" });

/** A list of invocations. */
export const invocationListSchema = z.array(invocationSchema);

/** The 202 of an asynchronous invoke. */
export const acceptedSchema = z
  .object({ id: z.string(), state: z.enum(STATES), location: z.string() })
  .meta({ id: "InvocationAccepted" });

/** What a redrive or purge did. */
export const deadLetterResultSchema = z.object({ ids: z.array(z.string()), count: z.number() });
