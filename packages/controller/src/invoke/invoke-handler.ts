import type { ServerResponse } from "node:http";
import { Transform, type Readable } from "node:stream";
import { EventFlowError, toErrorEnvelope } from "@eventflow/protocol";
import type { Context } from "koa";
import type { Dispatcher } from "undici";
import type { Driver, Endpoint, InvocationRecorder } from "../drivers/driver.js";
import { createBalancer, type Upstream } from "./balancer.js";
import { createDeadlines } from "./deadlines.js";
import {
  buildUpstreamHeaders,
  nextTraceparent,
  copyResponseHeaders,
  pickRequestId,
} from "./headers.js";
import {
  BodyTooLarge,
  ClientAborted,
  InvokeTimeout,
  isConnectRefused,
  toInvokeError,
} from "./upstream-errors.js";

/** Invoke settings, parsed once by the controller's config. */
export interface InvokeConfig {
  readonly maxBodyBytes: number;
  readonly defaultTimeoutSeconds: number;
  /** How long an invoke waits for a replica of a scaled-to-zero function (default 30 s). */
  readonly coldStartTimeoutMs?: number;
  /** Sockets per replica (default 128). */
  readonly connectionsPerReplica?: number;
}

/** A pino-like logger. */
export interface InvokeLogger {
  error(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** Dependencies of {@link createInvokeHandler}. */
export interface InvokeHandlerDeps {
  readonly driver: Driver;
  readonly recorder: InvocationRecorder;
  readonly config: InvokeConfig;
  readonly logger?: InvokeLogger;
}

/** The function an invoke is for (already authorised and looked up by the API layer). */
export interface InvokeTarget {
  readonly tenant: string;
  readonly name: string;
  readonly timeoutSeconds?: number;
}

/** The invoke route's handler; `close()` closes the replica pools. */
export type InvokeHandler = ((ctx: Context, fn: InvokeTarget) => Promise<void>) & {
  close(): Promise<void>;
};

const NOT_READY_RETRY_AFTER = "1";
/**
 * Bodies with a known length up to this size are read whole before they are sent, as nginx's
 * request buffering does: they nearly always arrive with the headers, and one write of head and
 * body is much cheaper than a stream. Longer or chunked bodies stream.
 */
const SMALL_BODY_BYTES = 64 * 1024;

/** Reads a small body of known length; rejects if the client goes away first. */
function readSmallBody(req: Readable, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      chunks.push(c);
      size += c.length;
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onClose = () => {
      cleanup();
      reject(new ClientAborted());
    };
    const cleanup = () => {
      req.off("data", onData).off("end", onEnd).off("error", onClose).off("close", onClose);
    };
    req.on("data", onData).once("end", onEnd).once("error", onClose).once("close", onClose);
    if (length === 0) req.resume();
  });
}

/** Counts request body bytes and fails the stream past the limit (for bodies without a length). */
function limitedBody(source: Readable, max: number): Transform {
  let seen = 0;
  const t = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      done(seen > max ? new BodyTooLarge(`request body exceeds ${max} bytes`) : null, chunk);
    },
  });
  source.on("error", (error) => t.destroy(error));
  // Piping (not passing the request itself) keeps undici from destroying the client's socket
  // when the upstream fails: only this wrapper is destroyed, and a 502 can still be sent.
  return source.pipe(t);
}

interface Exchange {
  readonly res: ServerResponse;
  readonly ctx: Context;
  readonly requestId: string;
  controller?: Dispatcher.DispatchController;
  headersSent: boolean;
  settled: boolean;
  resolve: () => void;
  reject: (error: unknown) => void;
}

function dispatchHandler(x: Exchange): Dispatcher.DispatchHandler {
  return {
    onRequestStart(controller) {
      x.controller = controller;
    },
    onResponseStart(controller, statusCode, headers) {
      if (statusCode < 200) return;
      const { ctx, res } = x;
      ctx.status = statusCode;
      ctx.respond = false;
      copyResponseHeaders(headers, (name, value) => res.setHeader(name, value));
      if (!res.hasHeader("x-request-id")) res.setHeader("x-request-id", x.requestId);
      res.writeHead(statusCode);
      x.headersSent = true;
      res.on("drain", () => controller.resume());
    },
    onResponseData(controller, chunk) {
      if (!x.res.write(chunk)) controller.pause();
    },
    onResponseEnd() {
      x.res.end();
      x.settled = true;
      x.resolve();
    },
    onResponseError(_controller, error) {
      if (x.settled) return;
      x.settled = true;
      if (x.headersSent) {
        // Mid-stream failure: the status is already out, so cut the response short.
        x.res.destroy(error);
        x.resolve();
      } else {
        x.reject(error);
      }
    },
  };
}

/**
 * Creates the invoke route's handler: streams the request to one ready replica and the
 * replica's response back unchanged, and answers with the platform's envelope only when the
 * platform fails (not ready, timeout, unreachable). Koa's body parser must not run before it.
 */
export function createInvokeHandler(deps: InvokeHandlerDeps): InvokeHandler {
  const { driver, recorder, config } = deps;
  const balancer = createBalancer({
    connections: config.connectionsPerReplica ?? 128,
    keepAliveTimeoutMs: 30_000,
  });
  const deadlines = createDeadlines();
  const coldStartTimeoutMs = config.coldStartTimeoutMs ?? 30_000;

  function sendError(ctx: Context, error: EventFlowError, requestId: string): void {
    if (ctx.res.headersSent || ctx.res.destroyed) return;
    ctx.status = error.status;
    if (error.code === "FUNCTION_NOT_READY" || error.code === "FUNCTION_CRASH_LOOP")
      ctx.set("retry-after", NOT_READY_RETRY_AFTER);
    ctx.set("x-request-id", requestId);
    ctx.body = toErrorEnvelope(error, requestId);
  }

  function attempt(
    ctx: Context,
    upstream: Upstream,
    opts: Dispatcher.DispatchOptions,
    requestId: string,
  ): { promise: Promise<void>; exchange: Exchange } {
    let exchange!: Exchange;
    const promise = new Promise<void>((resolve, reject) => {
      exchange = {
        res: ctx.res,
        ctx,
        requestId,
        headersSent: false,
        settled: false,
        resolve,
        reject,
      };
    });
    upstream.outstanding++;
    upstream.pool.dispatch(opts, dispatchHandler(exchange));
    return { promise: promise.finally(() => upstream.outstanding--), exchange };
  }

  async function handle(ctx: Context, fn: InvokeTarget): Promise<void> {
    const started = performance.now();
    const req = ctx.req;
    const requestId = pickRequestId(
      ctx.state.requestId,
      req.headers["x-request-id"] as string | undefined,
    );
    const fnKey = `${fn.tenant}/${fn.name}`;
    const timeoutMs = Math.round((fn.timeoutSeconds ?? config.defaultTimeoutSeconds) * 1000);
    let coldStart = false;
    let current: Exchange | undefined;
    let failure: unknown;
    recorder.inFlight(fn, 1);

    const deadline = deadlines.add(timeoutMs, () => {
      failure = new InvokeTimeout();
      if (current?.headersSent) current.res.destroy();
      current?.controller?.abort(failure as Error);
    });
    const onClientClose = () => {
      if (ctx.res.writableFinished) return;
      failure ??= new ClientAborted();
      current?.controller?.abort(failure as Error);
    };
    ctx.res.once("close", onClientClose);

    try {
      const length = req.headers["content-length"];
      if (length !== undefined && Number(length) > config.maxBodyBytes) {
        throw new EventFlowError(
          "REQUEST_BODY_TOO_LARGE",
          `request body exceeds ${config.maxBodyBytes} bytes`,
        );
      }
      const declared = length === undefined ? undefined : Number(length);
      const hasBody =
        (declared !== undefined && declared > 0) || req.headers["transfer-encoding"] !== undefined;
      let endpoints: readonly Endpoint[] = driver.endpoints(fn.tenant, fn.name);
      if (endpoints.length === 0) {
        coldStart = true;
        await Promise.race([
          driver.waitForEndpoint(fn.tenant, fn.name, Math.min(coldStartTimeoutMs, timeoutMs)),
          rejectOnAbort(ctx),
        ]);
        endpoints = driver.endpoints(fn.tenant, fn.name);
      }
      const { traceparent, continued } = nextTraceparent(
        req.headers.traceparent as string | undefined,
      );
      const tracestate = continued ? (req.headers.tracestate as string | undefined) : undefined;
      const opts: Dispatcher.DispatchOptions = {
        path: ctx.querystring ? `/?${ctx.querystring}` : "/",
        method: req.method as Dispatcher.HttpMethod,
        headers: buildUpstreamHeaders(req.rawHeaders, {
          requestId,
          traceparent,
          ...(tracestate !== undefined ? { tracestate } : {}),
          ...(req.socket.remoteAddress ? { clientIp: req.socket.remoteAddress } : {}),
          proto: ctx.protocol,
          ...(req.headers.host ? { host: req.headers.host } : {}),
        }),
        body: !hasBody
          ? null
          : declared !== undefined &&
              declared <= SMALL_BODY_BYTES &&
              req.headers["transfer-encoding"] === undefined
            ? await readSmallBody(req, declared)
            : limitedBody(req, config.maxBodyBytes),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      };
      let tried: Upstream | undefined;
      for (let round = 0; ; round++) {
        if (failure) throw failure;
        const upstream = balancer.pick(fnKey, endpoints, tried);
        if (!upstream)
          throw new EventFlowError("FUNCTION_NOT_READY", `${fn.name} has no ready replica`);
        const run = attempt(ctx, upstream, opts, requestId);
        current = run.exchange;
        try {
          await run.promise;
          break;
        } catch (error) {
          // A refused connection never read the body: another replica may take the request.
          if (
            round < 2 &&
            !failure &&
            isConnectRefused(error) &&
            !(opts.body as Readable | null)?.destroyed
          ) {
            tried = upstream;
            endpoints = driver.endpoints(fn.tenant, fn.name);
            if (
              endpoints.length === 0 ||
              (endpoints.length === 1 && endpoints[0]!.url === upstream.url)
            ) {
              throw endpoints.length === 0
                ? new EventFlowError("FUNCTION_NOT_READY", `${fn.name} has no ready replica`)
                : error;
            }
            continue;
          }
          throw failure ?? error;
        }
      }
    } catch (error) {
      if (error instanceof ClientAborted || failure instanceof ClientAborted) {
        ctx.respond = false;
      } else {
        const e = toInvokeError(error, fn.name, timeoutMs);
        if (e.status >= 500)
          deps.logger?.[e.status === 500 ? "error" : "warn"](
            { requestId, function: fn.name, tenant: fn.tenant, code: e.code, err: error },
            "invoke failed",
          );
        sendError(ctx, e, requestId);
      }
    } finally {
      deadline.cancel();
      ctx.res.off("close", onClientClose);
      recorder.inFlight(fn, -1);
      // 499 (nginx's "client closed request") when the caller left before the answer was complete.
      const status = failure instanceof ClientAborted ? 499 : ctx.status;
      recorder.invocation(fn, status, (performance.now() - started) / 1000, coldStart);
    }
  }

  return Object.assign(handle, { close: () => balancer.close() });
}

/** Rejects when the client disconnects while the invoke waits for a cold replica. */
function rejectOnAbort(ctx: Context): Promise<never> {
  return new Promise((_resolve, reject) => {
    ctx.res.once("close", () => {
      if (!ctx.res.writableFinished) reject(new ClientAborted());
    });
  });
}
