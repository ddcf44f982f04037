/**
 * `@eventflow/protocol/function-spec`: the function spec's zod schema and its JSON Schema. A
 * separate entry so that only its users load zod (the runtime and the CLI's warm paths do not).
 */
export {
  DEFAULT_FUNCTION_SPEC_LIMITS,
  MAX_BODY_BYTES_CEILING,
  MAX_REVISION_HISTORY_LIMIT,
  corsSchema,
  functionAuthSchema,
  secretKeySchema,
  secretMountSchema,
  secretNameSchema,
  secretRefSchema,
  secretRefsSchema,
  type FunctionAuth,
  type FunctionCors,
  type SecretRef,
  buildFunctionSpecSchema,
  buildScalingSchema,
  SCALING_METRICS,
  cpuMillis,
  cpuSchema,
  envSchema,
  functionNameSchema,
  imageSchema,
  memoryBytes,
  memorySchema,
  resourcesSchema,
  type FunctionResources,
  type FunctionScaling,
  type FunctionSpecFields,
  type FunctionSpecInput,
  type FunctionSpecLimits,
  type FunctionSpecSchema,
  type ResourceQuantities,
} from "./schema.js";
export {
  MAX_TRIGGERS,
  cronSchema,
  retryPolicySchema,
  triggerSchema,
  triggersSchema,
  type FunctionRetry,
  type FunctionTrigger,
} from "./triggers.js";
export { buildFunctionSpecJsonSchema, type JsonSchema } from "./json-schema.js";
