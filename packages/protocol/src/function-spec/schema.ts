/**
 * The function spec: what a function is (image, replicas, command, env, resources, scaling,
 * timeout), as one zod schema. The API validates its bodies with it, the CLI the functions of
 * eventflow.yaml, the dashboard its form, and the Function CRD's schema is generated from it
 * (json-schema.ts). Limits a controller is configured with are passed in.
 */
import { z } from "zod";
import { parseImageSource } from "../image-reference.js";
import { checkFunctionName } from "../names.js";

/** Limits of a controller that the spec depends on (`EVENTFLOW_MAX_REPLICAS`). */
export interface FunctionSpecLimits {
  readonly maxReplicas: number;
}

/** A controller's limits when it is not configured otherwise. */
export const DEFAULT_FUNCTION_SPEC_LIMITS: FunctionSpecLimits = Object.freeze({ maxReplicas: 20 });

/** A function name: a DNS-1123 label with room for suffixes (see {@link checkFunctionName}). */
export const functionNameSchema = z
  .string()
  .superRefine((value, ctx) => {
    const problem = checkFunctionName(value);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
  })
  .meta({ description: "DNS-1123 label, at most 40 characters", example: "hello-world" });

/** An image: a registry reference (`registry/repo:tag@digest`) or `oci:DIR[:TAG]`. */
export const imageSchema = z
  .string()
  .min(1)
  .max(1024)
  .superRefine((value, ctx) => {
    try {
      parseImageSource(value);
    } catch (error) {
      ctx.addIssue({
        code: "custom",
        message: error instanceof Error ? error.message : "invalid image reference",
      });
    }
  })
  .meta({ example: "127.0.0.1:5000/hello:1.0.0" });

/** Millicores of a valid CPU quantity (`250m`, `1.5`). */
export function cpuMillis(quantity: string): number {
  return quantity.endsWith("m")
    ? Number(quantity.slice(0, -1))
    : Math.round(Number(quantity) * 1000);
}

const MEMORY_UNITS: Readonly<Record<string, number>> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

/** Bytes of a valid memory quantity (`128Mi`, `1G`); NaN for anything else. */
export function memoryBytes(quantity: string): number {
  const match = /^([0-9]+)([A-Za-z]*)$/.exec(quantity);
  return match === null
    ? Number.NaN
    : Number(match[1]) * (MEMORY_UNITS[match[2] ?? ""] ?? Number.NaN);
}

/** CPU in Kubernetes notation: `250m`, `1`, `1.5`; at most 64 cores. */
export const cpuSchema = z
  .string()
  .regex(/^(?:[0-9]+m|[0-9]+(?:\.[0-9]{1,3})?)$/, {
    error: "must be a CPU quantity such as 250m or 1.5",
    abort: true,
  })
  .refine((q) => cpuMillis(q) > 0 && cpuMillis(q) <= 64_000, {
    error: "must be more than 0 and at most 64 cores",
  })
  .meta({ example: "250m" });

/** Memory in Kubernetes notation: `128Mi`, `1Gi`, `500M`; at most 256Gi. */
export const memorySchema = z
  .string()
  .regex(/^[0-9]+(?:Ki|Mi|Gi|Ti|k|M|G|T)?$/, {
    error: "must be a memory quantity such as 128Mi or 1Gi",
    abort: true,
  })
  .refine((q) => memoryBytes(q) >= 4 * 1024 * 1024 && memoryBytes(q) <= 256 * 1024 ** 3, {
    error: "must be between 4Mi and 256Gi",
  })
  .meta({ example: "128Mi" });

const resourceQuantities = z.strictObject({
  cpu: cpuSchema.optional(),
  memory: memorySchema.optional(),
});

/** Requests and limits; a request must not exceed its limit. */
export const resourcesSchema = z
  .strictObject({ requests: resourceQuantities.optional(), limits: resourceQuantities.optional() })
  .superRefine(({ requests, limits }, ctx) => {
    const over = (a: string | undefined, b: string | undefined, amount: typeof cpuMillis) =>
      a !== undefined && b !== undefined && amount(a) > amount(b);
    if (over(requests?.cpu, limits?.cpu, cpuMillis))
      ctx.addIssue({
        code: "custom",
        path: ["requests", "cpu"],
        message: "must not exceed limits.cpu",
      });
    if (over(requests?.memory, limits?.memory, memoryBytes))
      ctx.addIssue({
        code: "custom",
        path: ["requests", "memory"],
        message: "must not exceed limits.memory",
      });
  });

/** Environment variables: at most 128, names `[A-Za-z_][A-Za-z0-9_]*`, values up to 32 KiB. */
export const envSchema = z
  .record(
    z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
        error: "must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)",
      })
      .max(256),
    z.string().max(32 * 1024),
  )
  .refine((env) => Object.keys(env).length <= 128, { error: "at most 128 variables" })
  .meta({ example: { GREETING: "hello" }, maxProperties: 128 });

const argv = z.array(z.string().max(4096)).max(64);
const percent = z.number().int().min(1).max(100);

/** Autoscaling bounds (within the controller's replica limit) and utilisation targets. */
export function buildScalingSchema(limits: FunctionSpecLimits) {
  return z
    .strictObject({
      minReplicas: z.number().int().min(0).max(limits.maxReplicas),
      maxReplicas: z.number().int().min(1).max(limits.maxReplicas),
      targetCPUUtilization: percent.optional(),
      targetMemoryUtilization: percent.optional(),
    })
    .refine((s) => s.minReplicas <= s.maxReplicas, {
      path: ["minReplicas"],
      error: "must not exceed maxReplicas",
    });
}

/**
 * The spec of one function (everything but its name) for a controller's limits: the body of
 * `PUT /v1/functions/{name}`, and of `POST /v1/functions` with `name` added.
 */
export function buildFunctionSpecSchema(limits: FunctionSpecLimits) {
  return z.strictObject({
    image: imageSchema,
    replicas: z.number().int().min(0).max(limits.maxReplicas).default(1),
    command: argv.optional(),
    args: argv.optional(),
    env: envSchema.optional(),
    resources: resourcesSchema.optional(),
    scaling: buildScalingSchema(limits).optional(),
    timeoutSeconds: z.number().int().min(1).max(3600).optional(),
  });
}

/** The spec schema's type (any limits). */
export type FunctionSpecSchema = ReturnType<typeof buildFunctionSpecSchema>;
/** A spec as a client writes it (`replicas` may be left out). */
export type FunctionSpecInput = z.input<FunctionSpecSchema>;
/** A validated spec (`replicas` filled in). */
export type FunctionSpecFields = z.output<FunctionSpecSchema>;
/** Requests and limits of a function's replicas. */
export type FunctionResources = NonNullable<FunctionSpecInput["resources"]>;
/** CPU and memory quantities in Kubernetes notation (`250m`, `128Mi`). */
export type ResourceQuantities = NonNullable<FunctionResources["requests"]>;
/** Autoscaling bounds and targets. */
export type FunctionScaling = NonNullable<FunctionSpecInput["scaling"]>;
