import type {
  CloudEventHandler,
  Context,
  Handler,
  HandlerResult,
  HttpEvent,
  SendableResult,
} from "./types.js";
import type { CloudEvent } from "./cloudevent.js";

/** What readiness and lifecycle hooks receive. */
export interface LifecycleContext {
  /** The function's name (EVENTFLOW_FUNCTION_NAME). */
  readonly functionName: string;
  /** Fires when the runtime gives up waiting for the hook (init/shutdown timeout). */
  readonly signal: AbortSignal;
}

interface LifecycleHooks {
  /** Runs once before the server listens; the runtime is not ready until it resolves. */
  init?(ctx: LifecycleContext): void | Promise<void>;
  /** Runs on SIGTERM after in-flight invocations have drained. Close pools and flush here. */
  shutdown?(ctx: LifecycleContext): void | Promise<void>;
  /** Extra readiness check, polled by the readiness endpoint; false or a throw means not ready. */
  readiness?(): boolean | Promise<boolean>;
}

/** A function with lifecycle hooks and an HTTP handler. */
export interface HttpFunctionDefinition<
  TBody = unknown,
  R extends HandlerResult = HandlerResult,
> extends LifecycleHooks {
  handle: (event: HttpEvent<TBody>, ctx: Context) => SendableResult<R> | Promise<SendableResult<R>>;
  cloudEvent?: never;
}

/** A function with lifecycle hooks that receives CloudEvents only. */
export interface CloudEventFunctionDefinition<
  TData = unknown,
  R extends HandlerResult = HandlerResult,
> extends LifecycleHooks {
  cloudEvent: (
    event: CloudEvent<TData>,
    ctx: Context,
  ) => SendableResult<R> | Promise<SendableResult<R>>;
  handle?: never;
}

/** Either kind of function definition. */
export type FunctionDefinition =
  HttpFunctionDefinition<any, any> | CloudEventFunctionDefinition<any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DEFINITION = Symbol.for("eventflow.function.definition");

/**
 * Declares a function with lifecycle hooks:
 * `export default defineFunction({ init, handle, shutdown, readiness })`,
 * or `defineFunction({ cloudEvent: (event, ctx) => ... })` for CloudEvents.
 */
export function defineFunction<TBody = unknown, R extends HandlerResult = HandlerResult>(
  definition: HttpFunctionDefinition<TBody, R>,
): HttpFunctionDefinition<TBody, R>;
export function defineFunction<TData = unknown, R extends HandlerResult = HandlerResult>(
  definition: CloudEventFunctionDefinition<TData, R>,
): CloudEventFunctionDefinition<TData, R>;
export function defineFunction(definition: FunctionDefinition): FunctionDefinition {
  const hasHandle = typeof definition.handle === "function";
  const hasCloudEvent = typeof definition.cloudEvent === "function";
  if (hasHandle === hasCloudEvent) {
    throw new TypeError(
      "defineFunction() needs exactly one of `handle` or `cloudEvent` as a function",
    );
  }
  Object.defineProperty(definition, DEFINITION, { value: true });
  return definition;
}

/** Whether `value` came from {@link defineFunction} or has its shape. */
export function isFunctionDefinition(value: unknown): value is FunctionDefinition {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string | symbol, unknown>;
  return (
    v[DEFINITION] === true || typeof v.handle === "function" || typeof v.cloudEvent === "function"
  );
}

/** Type helper for a plain handler: `export default handler(async (event, ctx) => ...)`. */
export function handler<TBody = unknown, R extends HandlerResult = HandlerResult>(
  fn: (event: HttpEvent<TBody>, ctx: Context) => SendableResult<R> | Promise<SendableResult<R>>,
): Handler<TBody, R> {
  return fn as Handler<TBody, R>;
}

/** Type helper for a plain CloudEvent handler. */
export function cloudEventHandler<TData = unknown, R extends HandlerResult = HandlerResult>(
  fn: (event: CloudEvent<TData>, ctx: Context) => SendableResult<R> | Promise<SendableResult<R>>,
): CloudEventHandler<TData, R> {
  return fn as CloudEventHandler<TData, R>;
}
