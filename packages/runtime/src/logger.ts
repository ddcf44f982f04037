import { AsyncLocalStorage } from "node:async_hooks";
import { format } from "node:util";
import type { Logger } from "@eventflow/sdk";
import type { LogLevel } from "./config.js";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Writes one JSON line per entry: `{level, time, function, requestId?, msg, ...fields}`. */
export interface RuntimeLogger extends Logger {
  /** A logger whose lines carry `requestId`. */
  forRequest(requestId: string): Logger;
  /** Writes an entry with an explicit request id (or none). */
  write(
    level: LogLevel,
    message: string,
    fields: Record<string, unknown> | undefined,
    requestId: string | undefined,
  ): void;
}

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  readonly level: LogLevel;
  readonly functionName: string;
  /** Where lines go; default process.stdout. */
  readonly sink?: (line: string) => void;
  readonly now?: () => number;
  /** Ids of the active span (tracing on): lines written inside one carry trace_id/span_id. */
  readonly traceIds?: () => { readonly traceId: string; readonly spanId: string } | undefined;
}

function serialiseError(error: Error): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: error.name,
    message: error.message,
    stack: error.stack,
  };
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) out.code = code;
  if (error.cause instanceof Error) out.cause = serialiseError(error.cause);
  return out;
}

function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return serialiseError(value);
  if (typeof value === "bigint") return value.toString();
  return value;
}

/** Creates the runtime's JSON-lines logger. */
export function createLogger(options: LoggerOptions): RuntimeLogger {
  const min = RANK[options.level];
  const sink = options.sink ?? ((line: string) => void process.stdout.write(line));
  const now = options.now ?? Date.now;
  const fn = options.functionName;
  const traceIds = options.traceIds;

  const write = (
    level: LogLevel,
    message: string,
    fields: Record<string, unknown> | undefined,
    requestId: string | undefined,
  ): void => {
    if (RANK[level] < min) return;
    const entry: Record<string, unknown> = {
      level,
      time: new Date(now()).toISOString(),
      function: fn,
    };
    if (requestId !== undefined) entry.requestId = requestId;
    const ids = traceIds?.();
    if (ids !== undefined) {
      entry.trace_id = ids.traceId;
      entry.span_id = ids.spanId;
    }
    entry.msg = message;
    if (fields !== undefined)
      for (const key of Object.keys(fields)) if (!(key in entry)) entry[key] = fields[key];
    let line: string;
    try {
      line = JSON.stringify(entry, replacer);
    } catch {
      line = JSON.stringify({
        level,
        time: entry.time,
        function: fn,
        requestId,
        msg: message,
        fieldsError: "fields not serialisable",
      });
    }
    sink(line + "\n");
  };

  const bound = (requestId: string | undefined): Logger => ({
    debug: (m, f) => write("debug", m, f, requestId),
    info: (m, f) => write("info", m, f, requestId),
    warn: (m, f) => write("warn", m, f, requestId),
    error: (m, f) => write("error", m, f, requestId),
  });

  return { ...bound(undefined), forRequest: bound, write };
}

/** Request-scoped store read by the console capture (across awaits). */
export const requestContext = new AsyncLocalStorage<string>();

/** The request whose handler is running synchronously right now, if any. */
export const syncRequest: { id: string | undefined } = { id: undefined };

const CONSOLE_LEVELS: ReadonlyArray<[keyof Console, LogLevel]> = [
  ["log", "info"],
  ["info", "info"],
  ["debug", "debug"],
  ["trace", "debug"],
  ["warn", "warn"],
  ["error", "error"],
];

/**
 * Routes `console.*` through the logger, so a handler's `console.log` becomes a JSON line
 * tagged with the request id of the invocation that printed it. Returns a function that
 * restores the original console.
 */
export function captureConsole(logger: RuntimeLogger): () => void {
  const saved = new Map<keyof Console, unknown>();
  for (const [method, level] of CONSOLE_LEVELS) {
    saved.set(method, console[method]);
    (console as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      logger.write(
        level,
        format(...args),
        { source: "console" },
        requestContext.getStore() ?? syncRequest.id,
      );
    };
  }
  return () => {
    for (const [method, original] of saved)
      (console as unknown as Record<string, unknown>)[method] = original;
  };
}
