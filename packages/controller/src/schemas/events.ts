/** Schemas of `GET /v1/functions/{name}/events`: one event of a function as answered. */
import { FUNCTION_EVENT_TYPES, MAX_FUNCTION_EVENTS, SCALED_BY } from "@eventflow/protocol";
import { z } from "zod";
import { tenantQuerySchema } from "./functions.js";

/** Query of the events route: the tenant (admins) and how many to answer. */
export const eventsQuerySchema = tenantQuerySchema.extend({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_FUNCTION_EVENTS)
    .optional()
    .meta({
      description: `At most this many, newest first (default and most: ${MAX_FUNCTION_EVENTS}).`,
    }),
});

/** One event of a function (the wire type FunctionEvent of @eventflow/protocol). */
export const functionEventSchema = z
  .object({
    time: z.string().meta({ format: "date-time" }),
    type: z.enum(FUNCTION_EVENT_TYPES),
    reason: z.string().meta({ example: "OOMKilled" }),
    message: z.string(),
    replica: z.string().optional(),
    revision: z.number().int().optional(),
    count: z.number().int().optional().meta({ description: "How many times it was seen." }),
    from: z.number().int().optional().meta({ description: "`scaled`: replicas before." }),
    to: z.number().int().optional().meta({ description: "`scaled`: replicas after." }),
    by: z.enum(SCALED_BY).optional().meta({ description: "`scaled`: who changed the count." }),
    exit_code: z.number().int().optional(),
    signal: z.string().optional(),
  })
  .meta({ id: "FunctionEvent" });

/** A function's recent events, newest first. */
export const functionEventListSchema = z.array(functionEventSchema);
