/**
 * serverless.yml functions as EventFlow function specs. Pure: takes the resolved service
 * (variables already substituted by the framework) and returns one create request per
 * function, or throws CONFIG_INVALID naming every bad key at once. Keys EventFlow does not
 * implement (AWS's role, layers, vpc, sqs events...) are never accepted silently: each one is
 * a warning naming the key.
 */
import { posix } from "node:path";
import {
  EventFlowError,
  checkFunctionName,
  type FieldIssue,
  type FunctionSpecInput,
} from "@eventflow/protocol";
import {
  DEFAULT_FUNCTION_SPEC_LIMITS,
  buildFunctionSpecSchema,
  type FunctionRetry,
  type FunctionSpecLimits,
} from "@eventflow/protocol/function-spec";
import {
  buildFunctionSchema,
  packageSchema,
  providerSchema,
  type ProviderConfig,
  type ServerlessFunction,
} from "./config-schema.js";
import { mapEvents } from "./events.js";
import { parseWith, toEnv, type Issues } from "./issues.js";

/** The parts of a resolved serverless service this module reads. */
export interface ServiceInput {
  readonly service: string;
  readonly stage: string;
  readonly provider: Readonly<Record<string, unknown>>;
  readonly functions: Readonly<Record<string, unknown>>;
  /** The service's `package` block (its `patterns` apply to every function). */
  readonly package?: unknown;
}

/** A handler `FILE.EXPORT` split: the file without its extension, and the export. */
export interface HandlerRef {
  readonly file: string;
  readonly exportName: string;
}

/** One function to deploy. */
export interface MappedFunction {
  /** Its key under `functions` (what `-f` names). */
  readonly key: string;
  /** Its EventFlow name: `name`, else SERVICE-STAGE-KEY. */
  readonly name: string;
  readonly handler: HandlerRef;
  /** Where its image goes (`image.repository`, else REGISTRY/NAME; none: a local OCI layout). */
  readonly repository: string | undefined;
  readonly base: string | undefined;
  /**
   * `package.patterns` of the service, then the function's: globs (relative to the service
   * directory) of files shipped in /app beside the bundle; `!GLOB` leaves files out.
   */
  readonly patterns: readonly string[];
  /** The spec without its image (known once built). */
  readonly spec: Omit<FunctionSpecInput, "image">;
}

/** The service as EventFlow sees it. */
export interface MappedService {
  readonly provider: ProviderConfig;
  readonly functions: readonly MappedFunction[];
  readonly warnings: readonly string[];
}

/** Exports the runtime finds by itself (see the SDK's resolve). */
export const HANDLER_EXPORTS = ["default", "handler", "handle", "main", "cloudEvent"] as const;

/** Retries when only AWS's `maximumRetryAttempts` is given: 1 s, doubling, at most a minute. */
export const DEFAULT_RETRY_BACKOFF = Object.freeze({
  initialMs: 1000,
  maxMs: 60_000,
  multiplier: 2,
});

/** Function keys EventFlow reads, and those the framework itself owns. */
const FUNCTION_KEYS = new Set([
  "handler",
  "name",
  "image",
  "environment",
  "memorySize",
  "timeout",
  "scaling",
  "retry",
  "maximumRetryAttempts",
  "events",
  "description",
  "package",
]);
const PROVIDER_KEYS = new Set([
  "name",
  "stage",
  "controller",
  "tenant",
  "registry",
  "base",
  "namespace",
  "environment",
  "memorySize",
  "timeout",
]);

/** `src/hello.default` -> `{ file: "src/hello", exportName: "default" }`. */
export function parseHandler(handler: string): HandlerRef {
  const at = handler.lastIndexOf(".");
  return { file: handler.slice(0, at), exportName: handler.slice(at + 1) };
}

function retryOf(fn: ServerlessFunction): FunctionRetry | undefined {
  if (fn.retry !== undefined) return fn.retry;
  if (fn.maximumRetryAttempts === undefined) return undefined;
  return { maxAttempts: fn.maximumRetryAttempts + 1, backoff: { ...DEFAULT_RETRY_BACKOFF } };
}

/** `scaling` with its containerConcurrency moved to the spec's top level. */
function scalingOf(
  fn: ServerlessFunction,
): Pick<FunctionSpecInput, "replicas" | "scaling" | "containerConcurrency"> {
  if (fn.scaling === undefined) return {};
  const { containerConcurrency, ...scaling } = fn.scaling;
  return {
    replicas: Math.max(1, scaling.minReplicas),
    scaling,
    ...(containerConcurrency === undefined ? {} : { containerConcurrency }),
  };
}

interface FunctionContext {
  readonly service: ServiceInput;
  readonly provider: ProviderConfig;
  readonly limits: FunctionSpecLimits;
  readonly issues: Issues;
  readonly warnings: string[];
  readonly patterns: readonly string[];
}

/** A relative path that stays inside its directory (no absolute path, no `..` out of it). */
export function isInside(file: string): boolean {
  const normal = posix.normalize(file.replaceAll("\\", "/"));
  return !posix.isAbsolute(normal) && normal !== ".." && !normal.startsWith("../");
}

function mapFunction(key: string, raw: unknown, ctx: FunctionContext): MappedFunction | undefined {
  const path = `functions.${key}`;
  const fn = parseWith(buildFunctionSchema(ctx.limits), raw, path, ctx.issues);
  if (fn === undefined) return undefined;
  for (const k of Object.keys(fn))
    if (!FUNCTION_KEYS.has(k))
      ctx.warnings.push(`${path}.${k}: not supported by EventFlow; ignored`);
  const handler = parseHandler(fn.handler);
  if (!isInside(handler.file))
    ctx.issues.push({
      path: `${path}.handler`,
      message: "must be a relative path inside the service directory",
    });
  for (const [i, pattern] of (fn.package?.patterns ?? []).entries())
    if (!isInside(pattern.replace(/^!/, "")))
      ctx.issues.push({
        path: `${path}.package.patterns.${i}`,
        message: "must be a glob inside the service directory",
      });
  for (const k of Object.keys(fn.package ?? {}))
    if (k !== "patterns" && k !== "individually")
      ctx.warnings.push(`${path}.package.${k}: not supported by EventFlow; ignored`);
  if (!(HANDLER_EXPORTS as readonly string[]).includes(handler.exportName))
    ctx.issues.push({
      path: `${path}.handler`,
      message: `the export must be one the runtime finds: ${HANDLER_EXPORTS.join(", ")}`,
    });
  const name = fn.name ?? `${ctx.service.service}-${ctx.service.stage}-${key}`.toLowerCase();
  const nameProblem = checkFunctionName(name);
  if (nameProblem !== undefined)
    ctx.issues.push({
      path: `${path}.name`,
      message: `${name}: ${nameProblem}; set functions.${key}.name`,
    });
  const events = mapEvents(fn.events ?? [], path, ctx);
  const env = { ...toEnv(ctx.provider.environment), ...toEnv(fn.environment) };
  const memory = fn.memorySize ?? ctx.provider.memorySize;
  const timeout = fn.timeout ?? ctx.provider.timeout;
  const retry = retryOf(fn);
  const spec: Omit<FunctionSpecInput, "image"> = {
    ...scalingOf(fn),
    ...(Object.keys(env).length === 0 ? {} : { env }),
    ...(memory === undefined
      ? {}
      : { resources: { requests: { memory: `${memory}Mi` }, limits: { memory: `${memory}Mi` } } }),
    ...(timeout === undefined ? {} : { timeoutSeconds: timeout }),
    ...events.http,
    ...(events.triggers.length === 0 ? {} : { triggers: events.triggers }),
    ...(retry === undefined ? {} : { retry }),
  };
  // The whole spec through the one function-spec schema (limits, cron shapes, CORS rules).
  parseWith(buildFunctionSpecSchema(ctx.limits).omit({ image: true }), spec, path, ctx.issues);
  const repository =
    fn.image?.repository ??
    (ctx.provider.registry === undefined
      ? undefined
      : `${ctx.provider.registry.replace(/\/+$/, "")}/${name}`);
  return {
    key,
    name,
    handler,
    repository,
    base: fn.image?.base ?? ctx.provider.base,
    patterns: [...ctx.patterns, ...(fn.package?.patterns ?? [])],
    spec,
  };
}

/** Maps a resolved service; throws CONFIG_INVALID with every problem. */
export function buildServiceSpecs(
  service: ServiceInput,
  limits: FunctionSpecLimits = DEFAULT_FUNCTION_SPEC_LIMITS,
): MappedService {
  const issues: Issues = [];
  const warnings: string[] = [];
  const provider = parseWith(providerSchema, service.provider, "provider", issues);
  if (provider === undefined) throw invalid(issues);
  for (const k of Object.keys(provider))
    if (!PROVIDER_KEYS.has(k)) warnings.push(`provider.${k}: not supported by EventFlow; ignored`);
  if (provider.namespace !== undefined)
    warnings.push(
      "provider.namespace: the controller places each tenant's functions in its namespace; use provider.tenant",
    );
  const pkg = parseWith(packageSchema.optional(), service.package, "package", issues);
  const patterns = pkg?.patterns ?? [];
  for (const [i, pattern] of patterns.entries())
    if (!isInside(pattern.replace(/^!/, "")))
      issues.push({
        path: `package.patterns.${i}`,
        message: "must be a glob inside the service directory",
      });
  const ctx: FunctionContext = { service, provider, limits, issues, warnings, patterns };
  const functions = Object.entries(service.functions).flatMap(([key, raw]) => {
    const mapped = mapFunction(key, raw, ctx);
    return mapped === undefined ? [] : [mapped];
  });
  if (issues.length > 0) throw invalid(issues);
  return { provider, functions, warnings };
}

function invalid(details: FieldIssue[]): EventFlowError {
  const summary = details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join("; ");
  return new EventFlowError("CONFIG_INVALID", `serverless.yml is invalid: ${summary}`, {
    details,
  });
}
