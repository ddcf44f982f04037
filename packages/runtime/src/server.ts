import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { EventFlowError } from "@eventflow/protocol";
import {
  errorToResponse,
  invokeFunction,
  isThenable,
  type PreparedResponse,
  type RawRequest,
  type ResolvedFunction,
} from "@eventflow/sdk/internal";
import { refusal, type RuntimeState } from "./admission.js";
import { EMPTY_BODY, hasBody, readBody } from "./body.js";
import type { RuntimeConfig } from "./config.js";
import { LoadCounter } from "./load-counter.js";
import { InvocationContext } from "./context.js";
import { requestContext, syncRequest, type RuntimeLogger } from "./logger.js";
import type { RuntimeMetrics } from "./metrics.js";
import { writeComplete, writeError, writeResponse } from "./respond.js";
import { serveReserved, RESERVED_PREFIX } from "./reserved.js";
import { createReplicaKeyCheck, isProbePath } from "./replica-key.js";
import { formatMs, isAsyncFunction, requestIdOf, sleep, withTimeout } from "./support.js";
import type { InvocationTrace, RuntimeTracing } from "./tracing.js";

export type { RuntimeState } from "./admission.js";

/** Starts an invocation's spans; the server span ends with the response. */
function startTrace(
  tracing: RuntimeTracing,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
): InvocationTrace {
  const span = tracing.start(req, requestId);
  res.once("close", () => span.end(res.statusCode));
  return span;
}

/** Runs the handler inside its span, which ends when the handler's answer settles. */
function traced<T>(span: InvocationTrace, call: () => T): T {
  let out: T;
  try {
    out = span.run(call);
  } catch (error) {
    span.handlerDone(error);
    throw error;
  }
  if (isThenable(out))
    (out as PromiseLike<unknown>).then(
      () => span.handlerDone(),
      (error: unknown) => span.handlerDone(error),
    );
  else span.handlerDone();
  return out;
}

/** Dependencies of {@link createRuntime}. */
export interface RuntimeOptions {
  readonly fn: ResolvedFunction;
  readonly config: RuntimeConfig;
  readonly logger: RuntimeLogger;
  readonly metrics?: RuntimeMetrics | undefined;
  /** Spans per invocation (tracing on); absent: no tracing work at all. */
  readonly tracing?: RuntimeTracing | undefined;
  /** Milliseconds clock for the shutdown grace deadline; default Date.now. */
  readonly now?: () => number;
}

/** A handler served over HTTP, with its lifecycle. */
export interface Runtime {
  readonly server: Server;
  readonly state: RuntimeState;
  readonly inFlight: number;
  /** Runs `init`, then listens; resolves with the bound address once ready. */
  start(): Promise<AddressInfo>;
  /**
   * Graceful stop: readiness fails at once, new connections stop after the shutdown delay,
   * in-flight requests finish, `shutdown` runs. Resolves true when everything finished within
   * the grace period, false when it had to cut requests or the hook short.
   */
  stop(): Promise<boolean>;
  /** Whether the readiness endpoint would answer 200 now. */
  isReady(): Promise<boolean>;
}

/** Builds the HTTP server around a resolved handler. Nothing listens until `start()`. */
export function createRuntime(options: RuntimeOptions): Runtime {
  const { fn, config, logger, metrics, tracing } = options;
  const now = options.now ?? Date.now;
  let state: RuntimeState = "starting";
  const load = new LoadCounter();
  let idleWaiters: Array<() => void> = [];

  const settle = (at: number): void => {
    load.end(at);
    if (load.inFlight === 0 && idleWaiters.length > 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const wake of waiters) wake();
    }
  };

  const isComplete = (body: PreparedResponse["body"]): body is null | string | Uint8Array =>
    body === null || typeof body === "string" || body instanceof Uint8Array;

  // The platform's headers go straight into the prepared response's own (fresh) header object.
  const stampHeaders = (
    prepared: PreparedResponse,
    requestId: string,
    started: number,
    at: number,
  ): PreparedResponse => {
    const headers = prepared.headers as Record<string, string>;
    headers["x-request-id"] = requestId;
    headers["x-eventflow-duration-ms"] = formatMs(at - started);
    if (state === "draining") headers.connection = "close";
    return prepared;
  };

  const done = (res: ServerResponse, started: number, at: number): void => {
    settle(at);
    metrics?.observe(res.statusCode, (at - started) / 1000);
  };

  const mapError = (error: unknown, requestId: string): PreparedResponse => {
    const mapped = errorToResponse(error, requestId);
    if (mapped.unexpected) logger.write("error", "handler failed", { err: error }, requestId);
    else {
      const code = (error as { code?: string }).code;
      logger.write(
        "info",
        "invocation refused",
        { status: mapped.response.status, code },
        requestId,
      );
    }
    return mapped.response;
  };

  const writeFailed = (res: ServerResponse, error: unknown, requestId: string): void => {
    logger.write("error", "could not write the handler's response", { err: error }, requestId);
    if (!res.headersSent) {
      writeError(res, "RUNTIME_HANDLER_FAILED", "invalid response from handler", { requestId });
    } else res.destroy(error as Error);
  };

  // Handlers that answer synchronously with a complete body are written in the same tick:
  // no promise chain, no timeout timer, no close listener (measured: about 2 µs a request).
  const writeNow = (
    res: ServerResponse,
    prepared: PreparedResponse,
    requestId: string,
    started: number,
  ): void => {
    const at = performance.now();
    try {
      writeComplete(res, stampHeaders(prepared, requestId, started, at));
    } catch (error) {
      writeFailed(res, error, requestId);
    }
    done(res, started, at);
  };

  const finishLater = async (
    res: ServerResponse,
    ctx: InvocationContext,
    pending: PreparedResponse | Promise<PreparedResponse>,
    requestId: string,
    started: number,
  ): Promise<void> => {
    res.once("close", () => done(res, started, performance.now()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctx.abort(
        new EventFlowError("RUNTIME_TIMEOUT", `invocation exceeded ${config.timeoutMs} ms`),
      );
      logger.write("warn", "invocation timed out", { timeoutMs: config.timeoutMs }, requestId);
      if (!res.headersSent) {
        const message = `the function did not answer within ${config.timeoutMs} ms`;
        writeError(res, "RUNTIME_TIMEOUT", message, { requestId });
      } else res.destroy();
    }, config.timeoutMs);
    let prepared: PreparedResponse;
    try {
      prepared = await pending;
    } catch (error) {
      if (timedOut) return;
      prepared = mapError(error, requestId);
    }
    if (timedOut) return;
    if (isComplete(prepared.body)) clearTimeout(timer);
    try {
      await writeResponse(res, stampHeaders(prepared, requestId, started, performance.now()));
    } catch (error) {
      writeFailed(res, error, requestId);
    }
    clearTimeout(timer);
  };

  // Console lines are tagged with the request id: during the synchronous part of a handler
  // through `syncRequest`, and across awaits through AsyncLocalStorage, which costs a little
  // per request and is therefore used only once the handler has shown it is asynchronous.
  let useAsyncContext = config.logRequestContext && isAsyncFunction(fn.cloudEvent ?? fn.handle);

  const callHandler = (raw: RawRequest, ctx: InvocationContext, requestId: string) =>
    useAsyncContext
      ? requestContext.run(requestId, invokeFunction, fn, raw, ctx)
      : invokeFunction(fn, raw, ctx);

  const invoke = (
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    requestId: string,
    started: number,
  ): void => {
    const span = tracing === undefined ? undefined : startTrace(tracing, req, res, requestId);
    const ctx = new InvocationContext({
      requestId,
      functionName: config.functionName,
      started,
      timeoutMs: config.timeoutMs,
      logger,
      res,
      trace: span?.ids,
      traceparent: req.headers.traceparent,
    });
    const raw: RawRequest = {
      method: req.method ?? "GET",
      url: req.url ?? "/",
      headers: req.headers,
      body,
    };
    let out: PreparedResponse | Promise<PreparedResponse>;
    syncRequest.id = requestId;
    try {
      if (span !== undefined) out = traced(span, () => callHandler(raw, ctx, requestId));
      else out = callHandler(raw, ctx, requestId);
    } catch (error) {
      out = mapError(error, requestId);
    } finally {
      syncRequest.id = undefined;
    }
    if (!isThenable(out)) {
      if (isComplete(out.body)) {
        writeNow(res, out, requestId, started);
        return;
      }
    } else if (config.logRequestContext) useAsyncContext = true;
    // Traced: the runtime's own lines about this answer carry the invocation's trace ids.
    if (span !== undefined) span.run(() => void finishLater(res, ctx, out, requestId, started));
    else void finishLater(res, ctx, out, requestId, started);
  };

  const replicaKeyOk = createReplicaKeyCheck(config.replicaKey);

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? "/";
    if (replicaKeyOk !== undefined && !replicaKeyOk(req) && !isProbePath(url)) {
      // Not traced: a caller without the key must not put spans into anyone's trace.
      writeError(res, "RUNTIME_REPLICA_KEY_INVALID", "only the controller may call this replica");
      return;
    }
    if (url.startsWith(RESERVED_PREFIX)) {
      serveReserved(req, res, {
        url,
        state: () => state,
        load,
        config,
        metrics,
        readiness: isReady,
      });
      return;
    }
    const refused = refusal(state, load.inFlight, config);
    if (refused !== undefined) {
      writeError(res, refused.code, refused.message, { headers: { "retry-after": "1" } });
      tracing?.refused(req, requestIdOf(req), res.statusCode, refused.code);
      return;
    }
    const started = performance.now();
    load.begin(started);
    const requestId = requestIdOf(req);
    if (!hasBody(req)) {
      invoke(req, res, EMPTY_BODY, requestId, started);
      return;
    }
    readBody(req, config.maxBodyBytes, (result) => {
      if (result.ok) invoke(req, res, result.body, requestId, started);
      else if (result.reason === "too-large") {
        writeError(
          res,
          "RUNTIME_BODY_TOO_LARGE",
          `request body exceeds ${config.maxBodyBytes} bytes`,
          {
            requestId,
            headers: { connection: "close" },
          },
        );
        tracing?.refused(req, requestId, res.statusCode, "RUNTIME_BODY_TOO_LARGE");
        done(res, started, performance.now());
      } else {
        res.destroy();
        done(res, started, performance.now());
      }
    });
  };

  const server = createServer(
    {
      headersTimeout: config.headersTimeoutMs,
      keepAliveTimeout: config.keepAliveTimeoutMs,
      requestTimeout: 0,
    },
    onRequest,
  );
  server.on("clientError", (error, socket) => {
    if (socket.writable && !(error as { code?: string }).code?.startsWith("ECONNRESET")) {
      socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
    } else socket.destroy();
  });

  async function isReady(): Promise<boolean> {
    // Ready means taking new requests: not draining, and under the concurrency limit.
    if (state !== "ready" || refusal(state, load.inFlight, config) !== undefined) return false;
    if (fn.readiness === undefined) return true;
    try {
      return (await withTimeout(() => fn.readiness!(), 1000, "readiness")) === true;
    } catch (error) {
      logger.write("warn", "readiness check failed", { err: error }, undefined);
      return false;
    }
  }

  const lifecycle = (signal: AbortSignal) => ({ functionName: config.functionName, signal });

  async function start(): Promise<AddressInfo> {
    if (fn.init !== undefined)
      await withTimeout((signal) => fn.init!(lifecycle(signal)), config.initTimeoutMs, "init");
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port, config.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    state = "ready";
    return server.address() as AddressInfo;
  }

  async function stop(): Promise<boolean> {
    if (state === "draining" || state === "stopped") return false;
    const deadline = now() + config.shutdownGraceMs;
    state = "draining";
    logger.write(
      "info",
      "draining",
      { inFlight: load.inFlight, shutdownDelayMs: config.shutdownDelayMs },
      undefined,
    );
    if (config.shutdownDelayMs > 0)
      await sleep(Math.min(config.shutdownDelayMs, config.shutdownGraceMs));
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    let clean = true;
    if (load.inFlight > 0) {
      const idle = new Promise<void>((resolve) => idleWaiters.push(resolve));
      const left = Math.max(0, deadline - now());
      const finished = await Promise.race([idle.then(() => true), sleep(left).then(() => false)]);
      if (!finished) {
        clean = false;
        logger.write(
          "error",
          "grace period over with invocations still in flight",
          { inFlight: load.inFlight },
          undefined,
        );
      }
    }
    if (fn.shutdown !== undefined) {
      try {
        await withTimeout(
          (signal) => fn.shutdown!(lifecycle(signal)),
          Math.max(1, deadline - now()),
          "shutdown",
        );
      } catch (error) {
        clean = false;
        logger.write("error", "shutdown hook failed", { err: error }, undefined);
      }
    }
    server.closeAllConnections();
    await closed;
    state = "stopped";
    return clean;
  }

  return {
    server,
    get state() {
      return state;
    },
    get inFlight() {
      return load.inFlight;
    },
    start,
    stop,
    isReady,
  };
}
