/** Schemas of the function endpoints: request bodies (strict) and the status answered. */
import {
  buildFunctionSpecSchema,
  corsSchema,
  secretRefSchema,
  functionNameSchema,
  retryPolicySchema,
  triggersSchema,
  type FunctionSpecLimits,
} from "@eventflow/protocol/function-spec";
import { z } from "zod";
import { tenantSchema } from "./common.js";

/** Limits the function schemas depend on. */
export type FunctionSchemaLimits = FunctionSpecLimits;

/** Builds the request schemas of the function endpoints for the configured limits. */
export function buildFunctionSchemas(limits: FunctionSchemaLimits) {
  const fields = buildFunctionSpecSchema(limits).shape;
  const create = z.strictObject({ name: functionNameSchema, ...fields });
  const update = z
    .strictObject({ name: functionNameSchema.optional(), ...fields })
    .meta({ description: "The full new spec; `name`, when given, must equal the path's name." });
  const scale = z.strictObject({ replicas: fields.replicas.unwrap() });
  return { create, update, scale };
}

/**
 * A spec as the local driver stores it (the create body plus its tenant), so a stored row is
 * held to exactly what the API would have accepted.
 */
export function buildStoredSpecSchema(limits: FunctionSchemaLimits) {
  return z.strictObject({
    tenant: tenantSchema,
    name: functionNameSchema,
    ...buildFunctionSpecSchema(limits).shape,
  });
}

/** Answer of `GET /v1/limits`: what the function spec is checked against on this controller. */
export const functionLimitsSchema = z
  .strictObject({
    maxReplicas: z.number().int().meta({ example: 20 }),
    maxBodyBytes: z.number().int().meta({ example: 6291456 }),
  })
  .meta({ id: "FunctionLimits" });

/** Path parameters of `/v1/functions/{name}...`. */
export const functionParamsSchema = z.strictObject({ name: functionNameSchema });

/** Query of routes addressing one function: `tenant` lets an admin reach another tenant. */
export const tenantQuerySchema = z.strictObject({
  tenant: tenantSchema
    .optional()
    .meta({ description: "Admins only: the tenant to act in (default: the token's)." }),
});

/** List query: admins see every tenant unless `tenant` narrows it. */
export const listQuerySchema = tenantQuerySchema;

const phase = z.enum(["Pending", "Deploying", "Running", "Degraded", "Failed", "ScaledToZero"]);

/** What the API answers for one function (the seed's fields plus tenant, spec, last_error). */
export const functionStatusSchema = z
  .object({
    name: z.string(),
    tenant: z.string(),
    image: z.string(),
    replicas: z.number().int(),
    available_replicas: z.number().int(),
    ready_replicas: z.number().int(),
    updated_replicas: z.number().int(),
    status: phase,
    created_at: z.string().meta({ format: "date-time" }),
    updated_at: z.string().meta({ format: "date-time" }),
    last_error: z.object({ code: z.string(), message: z.string(), at: z.string() }).optional(),
    url: z.string().meta({
      description: "The function's HTTP endpoint: any method and path below it reach the function.",
      example: "http://127.0.0.1:8080/fn/default/hello/",
    }),
    autoscaler: z
      .object({
        desired_replicas: z.number().int(),
        observed: z.number(),
        panic: z.boolean(),
        queued: z.number().int(),
      })
      .optional()
      .meta({
        description:
          "Request-driven scaling as the answering controller knows it: replicas wanted, the metric over the stable window, panic mode, invocations it holds.",
      }),
    traffic: z
      .array(
        z.object({
          revision: z.number().int(),
          name: z.string().meta({ example: "hello-00004" }),
          percent: z.number().int(),
          tag: z.string().optional(),
          latest_revision: z.boolean(),
          ready_replicas: z.number().int(),
        }),
      )
      .optional()
      .meta({
        description:
          "Where its requests go: each revision with a share or a tag, and its ready replicas.",
      }),
    rollout: z
      .object({
        revision: z.number().int(),
        from: z.number().int(),
        phase: z.enum(["progressing", "promoted", "rolledBack"]),
        step: z.number().int(),
        percent: z.number().int(),
        since: z.string().meta({ format: "date-time" }),
        reason: z.string().optional(),
      })
      .optional()
      .meta({ description: "The progressive rollout of its newest revision." }),
    spec: z.object({
      image: z.string(),
      replicas: z.number().int(),
      command: z.array(z.string()).optional(),
      args: z.array(z.string()).optional(),
      env: z.record(z.string(), z.string()).optional(),
      resources: z.unknown().optional(),
      scaling: z.unknown().optional(),
      containerConcurrency: z.number().int().optional(),
      timeoutSeconds: z.number().int().optional(),
      auth: z.enum(["token", "public"]).optional(),
      cors: corsSchema.optional(),
      maxBodyBytes: z.number().int().optional(),
      secrets: z.array(secretRefSchema).optional(),
      triggers: triggersSchema.optional(),
      retry: retryPolicySchema.optional(),
      revisionHistoryLimit: z.number().int().optional(),
      traffic: z
        .array(
          z.object({
            revision: z.number().int().optional(),
            latestRevision: z.boolean().optional(),
            percent: z.number().int(),
            tag: z.string().optional(),
          }),
        )
        .optional(),
      rollout: z
        .object({
          steps: z.array(z.number().int()),
          intervalSeconds: z.number().int(),
          maxErrorRate: z.number(),
          maxP95Ms: z.number().int(),
        })
        .optional(),
    }),
  })
  .meta({ id: "FunctionStatus" });

/** The list answer: a bare array, as in the seed. */
export const functionListSchema = z.array(functionStatusSchema);
