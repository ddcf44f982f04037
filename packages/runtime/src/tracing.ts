/**
 * The runtime's side of tracing that costs nothing when tracing is off: the types the server
 * uses, `ctx.trace` read from the incoming `traceparent`, and the lazy load of the
 * OpenTelemetry SDK (./tracing-sdk.js), which only a process whose config enables tracing
 * imports.
 */
import type { IncomingMessage } from "node:http";
import type { TraceContext } from "@eventflow/sdk";
import type { TracingConfig } from "@eventflow/protocol";

/** Trace and span id of the span active right now, for log lines. */
export interface ActiveTraceIds {
  readonly traceId: string;
  readonly spanId: string;
}

/** The spans of one invocation: the runtime's server span and the handler's span inside it. */
export interface InvocationTrace {
  /** The handler span's ids (what `ctx.trace` shows). */
  readonly ids: TraceContext;
  /** Calls `fn` with the handler span as the active context (its awaits and fetches join it). */
  run<R>(fn: () => R): R;
  /** Ends the handler span (an error marks it failed). */
  handlerDone(error?: unknown): void;
  /** Ends the server span with the response's status. */
  end(status: number): void;
}

/** What {@link loadTracing} gives the server. */
export interface RuntimeTracing {
  /** Starts the spans of one request, continuing the caller's trace from its headers. */
  start(req: IncomingMessage, requestId: string): InvocationTrace;
  /**
   * Records a request the runtime answered itself before the handler (429 at its concurrency
   * limit, 503 while not ready, 413 for a body too large) as a server span without a handler span.
   */
  refused(req: IncomingMessage, requestId: string, status: number, code: string): void;
  /** The active span's ids, or undefined outside of any span. */
  activeIds(): ActiveTraceIds | undefined;
  /** Exports what is buffered and stops the exporter. */
  shutdown(): Promise<void>;
}

/** Options of {@link loadTracing}. */
export interface TracingOptions {
  readonly config: TracingConfig;
  readonly functionName: string;
}

/** Imports the OpenTelemetry SDK and sets it up; only called when `config.enabled`. */
export async function loadTracing(options: TracingOptions): Promise<RuntimeTracing> {
  const sdk = await import("./tracing-sdk.js");
  return sdk.createRuntimeTracing(options);
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/**
 * `ctx.trace` without the SDK: the ids of the caller's span as the incoming W3C traceparent
 * names them (the controller always sends one), or undefined when there is none or it is
 * malformed.
 */
export function traceFromHeader(header: string | string[] | undefined): TraceContext | undefined {
  if (typeof header !== "string") return undefined;
  const m = TRACEPARENT.exec(header.trim());
  if (m === null || /^0+$/.test(m[1]!) || /^0+$/.test(m[2]!)) return undefined;
  return { traceId: m[1]!, spanId: m[2]!, traceparent: header.trim() };
}
