/**
 * The function spec: what a function is (image, replicas, command, env, resources, scaling,
 * timeout, triggers, retries), as one zod schema. The API validates its bodies with it, the CLI the functions of
 * eventflow.yaml, the dashboard its form, and the Function CRD's schema is generated from it
 * (json-schema.ts). Limits a controller is configured with are passed in.
 */
import { z } from "zod";
import { parseImageSource } from "../image-reference.js";
import { checkFunctionName, FUNCTION_NAME_PATTERN, MAX_FUNCTION_NAME_LENGTH } from "../names.js";
import { retryPolicySchema, triggersSchema } from "./triggers.js";
import { rolloutSchema, trafficSchema } from "./revision-fields.js";
import { buildScalingSchema } from "./scaling-schema.js";

export { buildScalingSchema, SCALING_METRICS } from "./scaling-schema.js";

/** Limits of a controller that the spec depends on (`EVENTFLOW_MAX_REPLICAS`, `EVENTFLOW_MAX_INVOKE_BODY_BYTES`). */
export interface FunctionSpecLimits {
  readonly maxReplicas: number;
  /** The largest request body a function may accept (default {@link MAX_BODY_BYTES_CEILING}). */
  readonly maxBodyBytes?: number;
}

/** The largest invoke body any controller accepts (1 GiB, `EVENTFLOW_MAX_INVOKE_BODY_BYTES`' bound). */
export const MAX_BODY_BYTES_CEILING = 1024 * 1024 * 1024;

/** The most revisions a function may keep (`revisionHistoryLimit`). */
export const MAX_REVISION_HISTORY_LIMIT = 100;

/** A controller's limits when it is not configured otherwise. */
export const DEFAULT_FUNCTION_SPEC_LIMITS: FunctionSpecLimits = Object.freeze({
  maxReplicas: 20,
  maxBodyBytes: 6 * 1024 * 1024,
});

/**
 * A rule the Kubernetes API server evaluates (CEL, `x-kubernetes-validations`) for the Function
 * CRD: the refinement it sits beside, expressed so that the API server refuses what the API
 * does. Plain JSON Schema validators ignore the key.
 */
function kubernetesRule(rule: string, message: string, fieldPath?: string) {
  return {
    "x-kubernetes-validations": [
      { rule, message, ...(fieldPath === undefined ? {} : { fieldPath }) },
    ],
  };
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A DNS-1123 label with room for suffixes, as {@link checkFunctionName} checks it. */
function nameSchema(example: string) {
  return z
    .string()
    .superRefine((value, ctx) => {
      const problem = checkFunctionName(value);
      if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
    })
    .meta({
      description: "DNS-1123 label, at most 40 characters",
      example,
      pattern: FUNCTION_NAME_PATTERN.source,
      maxLength: MAX_FUNCTION_NAME_LENGTH,
    });
}

/** A function name. */
export const functionNameSchema = nameSchema("hello-world");

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
  .meta({
    example: "250m",
    ...kubernetesRule(
      "!isQuantity(self) || (quantity(self).isGreaterThan(quantity('0')) && quantity(self).compareTo(quantity('64')) <= 0)",
      "must be more than 0 and at most 64 cores",
    ),
  });

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
  .meta({
    example: "128Mi",
    ...kubernetesRule(
      "!isQuantity(self) || (quantity(self).compareTo(quantity('4Mi')) >= 0 && quantity(self).compareTo(quantity('256Gi')) <= 0)",
      "must be between 4Mi and 256Gi",
    ),
  });

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
  })
  .meta({
    "x-kubernetes-validations": (["cpu", "memory"] as const).map((kind) => ({
      rule:
        `!has(self.requests) || !has(self.limits) || !has(self.requests.${kind}) || ` +
        `!has(self.limits.${kind}) || !isQuantity(self.requests.${kind}) || ` +
        `!isQuantity(self.limits.${kind}) || ` +
        `quantity(self.requests.${kind}).compareTo(quantity(self.limits.${kind})) <= 0`,
      message: `must not exceed limits.${kind}`,
      fieldPath: `.requests.${kind}`,
    })),
  });

/** Environment variables: at most 128, names `[A-Za-z_][A-Za-z0-9_]*`, values up to 32 KiB. */
export const envSchema = z
  .record(
    z
      .string()
      .regex(ENV_NAME, {
        error: "must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)",
      })
      .max(256),
    z.string().max(32 * 1024),
  )
  .refine((env) => Object.keys(env).length <= 128, { error: "at most 128 variables" })
  .meta({
    example: { GREETING: "hello" },
    maxProperties: 128,
    ...kubernetesRule(
      `self.all(k, k.size() <= 256 && k.matches('${ENV_NAME.source}'))`,
      "names must be environment variable names ([A-Za-z_][A-Za-z0-9_]*, at most 256)",
    ),
  });

/**
 * A secret's name: a DNS-1123 label like a function's (it names a Kubernetes Secret and a
 * directory under /var/eventflow/secrets).
 */
export const secretNameSchema = nameSchema("stripe");

/**
 * A key of a secret: a Kubernetes Secret key (`[-._a-zA-Z0-9]+`, not `.` or `..` and not
 * starting with `..`, which the kubelet's secret volumes use for their own `..data` links), a
 * file name when mounted.
 */
export const secretKeySchema = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[-._a-zA-Z0-9]+$/, { error: "must consist of letters, digits, '-', '_' or '.'" })
  .refine((key) => key !== "." && key !== "..", { error: "must not be '.' or '..'" })
  .refine((key) => !key.startsWith(".."), { error: "must not start with '..'" })
  .meta({
    example: "api-key",
    ...kubernetesRule(
      "self != '.' && !self.startsWith('..')",
      "must not be '.' or start with '..'",
    ),
  });

/** How a function gets a secret: as read-only files (the default) or as environment variables. */
export const secretMountSchema = z.enum(["files", "env"]);

/**
 * One secret a function uses. `files`: each key is the file /var/eventflow/secrets/NAME/KEY;
 * `env`: each key is an environment variable of the same name (keys must then be variable
 * names). `keys` narrows it to some keys; every named key must exist when the function is
 * deployed.
 */
export const secretRefSchema = z
  .strictObject({
    name: secretNameSchema,
    mount: secretMountSchema.default("files"),
    keys: z.array(secretKeySchema).min(1).max(64).optional(),
  })
  .superRefine((ref, ctx) => {
    if (ref.mount !== "env") return;
    for (const [i, key] of (ref.keys ?? []).entries())
      if (!ENV_NAME.test(key))
        ctx.addIssue({
          code: "custom",
          path: ["keys", i],
          message: "must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*) to mount as env",
        });
  })
  .meta(
    kubernetesRule(
      `!has(self.mount) || self.mount != 'env' || !has(self.keys) || self.keys.all(k, k.matches('${ENV_NAME.source}'))`,
      "must be environment variable names ([A-Za-z_][A-Za-z0-9_]*) to mount as env",
      ".keys",
    ),
  );

/** The secrets of a function: at most 16, each named once. */
export const secretRefsSchema = z
  .array(secretRefSchema)
  .max(16)
  .superRefine((refs, ctx) => {
    const seen = new Set<string>();
    for (const [i, ref] of refs.entries()) {
      if (seen.has(ref.name))
        ctx.addIssue({ code: "custom", path: [i, "name"], message: `${ref.name} is listed twice` });
      seen.add(ref.name);
    }
  })
  // A list keyed by name for the API server: a name listed twice is refused, and server-side
  // apply merges the list by name.
  .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"] });

/**
 * Who may call the function's HTTP endpoint (`/fn/TENANT/NAME/...`): `token` (default) needs
 * a token that may invoke it, as `POST /v1/functions/NAME:invoke` does; `public` needs none
 * (webhooks), and the function then sees the caller's Authorization header.
 */
export const functionAuthSchema = z.enum(["token", "public"]);

const HTTP_METHOD = z.enum(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
const HEADER_NAME = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { error: "must be an HTTP header name" })
  .max(256);
const ORIGIN = z
  .string()
  .max(2048)
  .regex(/^(\*|https?:\/\/[^/\s?#]+)$/, {
    error: "must be * or an origin such as https://app.example.com (scheme and host, no path)",
  });

/**
 * CORS of the function's HTTP endpoint, answered by the controller (preflights never reach
 * the function, nor need a token).
 */
export const corsSchema = z
  .strictObject({
    allowOrigins: z.array(ORIGIN).min(1).max(32),
    allowMethods: z.array(HTTP_METHOD).min(1).optional(),
    allowHeaders: z.array(HEADER_NAME).max(64).optional(),
    exposeHeaders: z.array(HEADER_NAME).max(64).optional(),
    allowCredentials: z.boolean().optional(),
    maxAgeSeconds: z.number().int().min(0).max(86_400).optional(),
  })
  .refine((c) => !(c.allowCredentials === true && c.allowOrigins.includes("*")), {
    path: ["allowCredentials"],
    error: "cannot be true when allowOrigins is *: list the origins",
  })
  .meta(
    kubernetesRule(
      "!has(self.allowCredentials) || !self.allowCredentials || !self.allowOrigins.exists(o, o == '*')",
      "cannot be true when allowOrigins is *: list the origins",
      ".allowCredentials",
    ),
  );

const argv = z.array(z.string().max(4096)).max(64);

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
    containerConcurrency: z.number().int().min(0).max(10_000).optional().meta({
      description:
        "most requests one replica is sent at once (0 or absent: no limit); more wait in the controller",
    }),
    timeoutSeconds: z.number().int().min(1).max(3600).optional(),
    auth: functionAuthSchema.optional(),
    cors: corsSchema.optional(),
    maxBodyBytes: z
      .number()
      .int()
      .min(1)
      .max(limits.maxBodyBytes ?? MAX_BODY_BYTES_CEILING)
      .optional(),
    secrets: secretRefsSchema.optional(),
    triggers: triggersSchema.optional(),
    retry: retryPolicySchema.optional(),
    revisionHistoryLimit: z.number().int().min(1).max(MAX_REVISION_HISTORY_LIMIT).optional().meta({
      description:
        "revisions of the function's code and configuration kept to roll back to, the current one included (default 10)",
    }),
    traffic: trafficSchema.optional(),
    rollout: rolloutSchema.optional(),
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
/** CORS settings of a function's HTTP endpoint. */
export type FunctionCors = NonNullable<FunctionSpecInput["cors"]>;
/** Who may call a function's HTTP endpoint. */
export type FunctionAuth = NonNullable<FunctionSpecInput["auth"]>;
/** One secret a function uses, as validated (`mount` filled in). */
export type SecretRef = z.output<typeof secretRefSchema>;
/** Autoscaling bounds and targets. */
export type FunctionScaling = NonNullable<FunctionSpecInput["scaling"]>;
