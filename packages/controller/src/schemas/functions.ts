/** Schemas of the function endpoints: request bodies (strict) and the status answered. */
import { z } from "zod";
import {
  cpuMillis,
  cpuSchema,
  functionNameSchema,
  imageSchema,
  memoryBytes,
  memorySchema,
  tenantSchema,
} from "./common.js";

/** Limits the function schemas depend on. */
export interface FunctionSchemaLimits {
  readonly maxReplicas: number;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const resourceQuantities = z.strictObject({
  cpu: cpuSchema.optional(),
  memory: memorySchema.optional(),
});

const resourcesSchema = z
  .strictObject({ requests: resourceQuantities.optional(), limits: resourceQuantities.optional() })
  .superRefine((r, ctx) => {
    const { requests, limits } = r;
    if (
      requests?.cpu !== undefined &&
      limits?.cpu !== undefined &&
      cpuMillis(requests.cpu) > cpuMillis(limits.cpu)
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["requests", "cpu"],
        message: "must not exceed limits.cpu",
      });
    }
    if (
      requests?.memory !== undefined &&
      limits?.memory !== undefined &&
      memoryBytes(requests.memory) > memoryBytes(limits.memory)
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["requests", "memory"],
        message: "must not exceed limits.memory",
      });
    }
  });

const envSchema = z
  .record(
    z
      .string()
      .regex(ENV_NAME, { error: "must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)" })
      .max(256),
    z.string().max(32 * 1024),
  )
  .refine((env) => Object.keys(env).length <= 128, { error: "at most 128 variables" })
  .meta({ example: { GREETING: "hello" } });

const argv = z.array(z.string().max(4096)).max(64);

function buildSpecFields(limits: FunctionSchemaLimits) {
  const replicas = z.number().int().min(0).max(limits.maxReplicas);
  const scaling = z
    .strictObject({
      minReplicas: replicas,
      maxReplicas: z.number().int().min(1).max(limits.maxReplicas),
      targetCPUUtilization: z.number().int().min(1).max(100).optional(),
      targetMemoryUtilization: z.number().int().min(1).max(100).optional(),
    })
    .refine((s) => s.minReplicas <= s.maxReplicas, {
      path: ["minReplicas"],
      error: "must not exceed maxReplicas",
    });
  return {
    image: imageSchema,
    replicas: replicas.default(1),
    command: argv.optional(),
    args: argv.optional(),
    env: envSchema.optional(),
    resources: resourcesSchema.optional(),
    scaling: scaling.optional(),
    timeoutSeconds: z.number().int().min(1).max(3600).optional(),
  };
}

/** Builds the request schemas of the function endpoints for the configured limits. */
export function buildFunctionSchemas(limits: FunctionSchemaLimits) {
  const fields = buildSpecFields(limits);
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
    ...buildSpecFields(limits),
  });
}

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
    spec: z.object({
      image: z.string(),
      replicas: z.number().int(),
      command: z.array(z.string()).optional(),
      args: z.array(z.string()).optional(),
      env: z.record(z.string(), z.string()).optional(),
      resources: z.unknown().optional(),
      scaling: z.unknown().optional(),
      timeoutSeconds: z.number().int().optional(),
    }),
  })
  .meta({ id: "FunctionStatus" });

/** The list answer: a bare array, as in the seed. */
export const functionListSchema = z.array(functionStatusSchema);
