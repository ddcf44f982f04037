/**
 * What serverless.yml may say under `provider`, `functions.NAME` and each event, as zod schemas
 * built from the one function-spec schema (`@eventflow/protocol/function-spec`), and the same
 * as the JSON Schemas the framework validates the file with (`defineProvider`). Pure.
 */
import {
  DEFAULT_FUNCTION_SPEC_LIMITS,
  buildFunctionSpecSchema,
  buildScalingSchema,
  functionNameSchema,
  retryPolicySchema,
  type FunctionSpecLimits,
} from "@eventflow/protocol/function-spec";
import { z } from "zod";

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** serverless.yml environment values: YAML scalars, sent as strings. */
const environmentSchema = z.record(
  z.string().regex(ENV_NAME, { error: "must be an environment variable name" }),
  z.union([z.string(), z.number(), z.boolean()]),
);

/** `memorySize`: megabytes, as in every Serverless provider (4 MiB to 256 GiB). */
const memorySizeSchema = z.number().int().min(4).max(262_144);

/** `timeout`: seconds (the spec's `timeoutSeconds`). */
const timeoutSchema = z.number().int().min(1).max(3600);

/** The provider block: where to deploy and how to build. */
export const providerSchema = z.looseObject({
  name: z.literal("eventflow"),
  controller: z
    .url({ protocol: /^https?$/ })
    .optional()
    .meta({
      description:
        "the controller's URL (default: EVENTFLOW_URL, then the current `eventflow login` context)",
    }),
  tenant: z.string().min(1).max(63).optional().meta({
    description: "admins: the tenant to deploy into (default: the token's)",
  }),
  registry: z.string().min(1).optional().meta({
    description:
      "registry to push images to (REGISTRY/FUNCTION); without one, images go to an OCI layout the local driver reads",
  }),
  base: z.string().min(1).optional().meta({ description: "base image of every function" }),
  namespace: z.string().min(1).max(63).optional(),
  environment: environmentSchema.optional(),
  memorySize: memorySizeSchema.optional(),
  timeout: timeoutSchema.optional(),
});

/** serverless.yml's `provider` as validated. */
export type ProviderConfig = z.output<typeof providerSchema>;

/** `http` event: the function's endpoint, `/fn/TENANT/NAME/` (every path and method). */
export function buildHttpEventSchema(limits: FunctionSpecLimits) {
  const spec = buildFunctionSpecSchema(limits).shape;
  return z.union([
    z.string().min(1),
    z.strictObject({
      path: z.string().optional(),
      method: z.string().optional(),
      auth: spec.auth,
      cors: z.union([z.boolean(), spec.cors.unwrap()]).optional(),
    }),
  ]);
}

/** `schedule` event: `rate(...)`/`cron(...)`, or the object form. */
export const scheduleEventSchema = z.union([
  z.string().min(1),
  z.looseObject({
    rate: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    enabled: z.boolean().optional(),
    input: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    timezone: z.string().optional(),
    name: z.string().optional(),
    description: z.string().optional(),
  }),
]);

/** `nats` event: the spec's NATS trigger without its `type`. */
export const natsEventSchema = z.strictObject({
  subject: z.string().min(1),
  queue: z.string().min(1).optional(),
});

/** `package` (the service's or a function's): `patterns` selects files shipped beside the bundle. */
export const packageSchema = z.looseObject({
  patterns: z.array(z.string().min(1)).optional(),
  individually: z.boolean().optional(),
});

/** One function of serverless.yml. */
export function buildFunctionSchema(limits: FunctionSpecLimits) {
  return z.looseObject({
    handler: z.string().regex(/^[^\s]+\.[A-Za-z_$][A-Za-z0-9_$]*$/, {
      error: "must be FILE.EXPORT, such as src/hello.default",
    }),
    name: functionNameSchema.optional(),
    image: z
      .strictObject({
        repository: z.string().min(1).optional(),
        base: z.string().min(1).optional(),
      })
      .optional(),
    environment: environmentSchema.optional(),
    memorySize: memorySizeSchema.optional(),
    timeout: timeoutSchema.optional(),
    scaling: buildScalingSchema(limits)
      .safeExtend({
        containerConcurrency: z.number().int().min(0).max(10_000).optional(),
      })
      .optional(),
    retry: retryPolicySchema.optional(),
    maximumRetryAttempts: z.number().int().min(0).max(99).optional(),
    events: z.array(z.record(z.string(), z.unknown())).optional(),
    package: packageSchema.optional(),
  });
}

/** A function of serverless.yml as validated. */
export type ServerlessFunction = z.output<ReturnType<typeof buildFunctionSchema>>;

type Json = { [key: string]: unknown };

/** JSON Schema for the framework's validator (ajv, strict): no extensions, examples or union types. */
export function toFrameworkSchema(schema: z.ZodType): Json {
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip);
    if (typeof node !== "object" || node === null) return node;
    const { type, ...rest } = node as Json;
    const kept = Object.fromEntries(
      Object.entries(rest)
        .filter(([key]) => key !== "$schema" && key !== "example" && !key.startsWith("x-"))
        .map(([key, value]) => [key, strip(value)]),
    );
    // The framework's ajv runs in strict mode, which refuses `type: [..]` (union types).
    if (Array.isArray(type)) return { ...kept, anyOf: type.map((t: unknown) => ({ type: t })) };
    return type === undefined ? kept : { type, ...kept };
  };
  return strip(z.toJSONSchema(schema, { target: "draft-7", io: "input" })) as Json;
}

/** What `configSchemaHandler.defineProvider("eventflow", ...)` is given. */
export function buildProviderDefinition(limits: FunctionSpecLimits = DEFAULT_FUNCTION_SPEC_LIMITS) {
  const provider = toFrameworkSchema(providerSchema);
  const providerProperties = { ...(provider.properties as Json) };
  // The framework sets `provider.name` to the provider's name itself.
  delete providerProperties.name;
  const fn = toFrameworkSchema(buildFunctionSchema(limits));
  const fnProperties = { ...(fn.properties as Json) };
  // The framework's own function schema owns `name` and `events`.
  delete fnProperties.events;
  delete fnProperties.name;
  return {
    provider: { properties: providerProperties },
    function: { properties: fnProperties },
    functionEvents: {
      http: toFrameworkSchema(buildHttpEventSchema(limits)),
      schedule: toFrameworkSchema(scheduleEventSchema),
      nats: toFrameworkSchema(natsEventSchema),
    },
  };
}
