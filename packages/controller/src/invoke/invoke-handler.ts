import type { IncomingMessage, ServerResponse } from "node:http";
import { EventFlowError } from "@eventflow/protocol";
import type { Dispatcher } from "undici";
import { writeEnvelope } from "../envelope.js";
import type { Driver, Endpoint, InvocationRecorder } from "../drivers/driver.js";
import { createActivator, type ActivatorRecorder } from "./activator.js";
import { createBalancer, type Upstream } from "./balancer.js";
import { createTenantRateLimiter } from "./rate-limit.js";
import { rejectOnAbort, startAttempt, type Exchange } from "./exchange.js";
import { requestBodyFor } from "./request-body.js";
import { announcesBody, buildDispatchOptions } from "./dispatch-options.js";
import { setReplicaKey } from "./headers.js";
import type { InvokeTracing } from "../tracing/invoke-spans.js";
import {
  canRetryElsewhere,
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
  /** Invocations one function may hold while it has no replica with room (default 1000). */
  readonly maxQueuedPerFunction?: number;
  /** Sockets per replica (default 128). */
  readonly connectionsPerReplica?: number;
  /** Per-tenant invoke rate limit; none when absent. */
  readonly tenantRateLimit?: { readonly ratePerSecond: number; readonly burst: number };
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
  /** Spans of the proxying (tracing on); absent: no tracing work at all. */
  readonly tracing?: InvokeTracing;
  /** Held invocations and cold starts (the metrics module implements it). */
  readonly activatorRecorder?: ActivatorRecorder;
  /** The revision each invoke goes to (by weight, or by its `X-EventFlow-Tag`). */
  readonly traffic?: InvokeTraffic;
}

/** Where an invoke of a function goes among its revisions (revision-traffic.ts). */
export interface InvokeTraffic {
  /**
   * The revision and workload for one invoke: null for a tag the function does not have,
   * undefined when the function has no revisions known (its own workload serves it).
   */
  route(
    tenant: string,
    name: string,
    tag?: string,
  ): { readonly revision: string; readonly workload: string } | null | undefined;
  /** One answer of a revision's workload, for a rollout judging it. */
  observe(tenant: string, workload: string, status: number, seconds: number): void;
}

/** The function an invoke is for (already authorised and looked up by the API layer). */
export interface InvokeTarget {
  readonly tenant: string;
  readonly name: string;
  readonly timeoutSeconds?: number;
  /** The function's own request body limit (`spec.maxBodyBytes`), below the controller's. */
  readonly maxBodyBytes?: number;
  /** A public function (`spec.auth: public`) gets the caller's Authorization header. */
  readonly public?: boolean;
  /** Most requests in flight per replica (`spec.containerConcurrency`); absent or 0: no limit. */
  readonly containerConcurrency?: number;
}

/**
 * One client request to proxy, as plain Node objects: the invoke handler owns the response
 * from the moment it is called (the function's answer or the platform's envelope), so both the
 * Koa route and the server's fast path hand it over without a framework in between.
 */
export interface InvokeRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Echoed as `x-request-id` and forwarded upstream. */
  readonly requestId: string;
  /** The query string without `?` ("" when there is none). */
  readonly querystring: string;
  /** The path the function sees (`/` unless the request came to a sub-path of its URL). */
  readonly path?: string;
  /** `http` or `https`, as the client sees it (X-Forwarded-Proto). */
  readonly protocol: string;
  /**
   * Headers the platform puts on the function's answer over the function's own (CORS: any
   * `access-control-*` of the function's is dropped, `vary` is merged). Set them on `res` as
   * well for the platform's own answers (envelopes).
   */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Streams one invocation to a replica and the answer back; it never throws, it answers. */
export type InvokeHandler = (request: InvokeRequest, fn: InvokeTarget) => Promise<void>;

/**
 * What {@link createInvokeHandler} returns: the handler, `queued()` (invocations its activator
 * holds for a function), `inFlight()` and `close()` for its replica pools.
 */
export type InvokeRouter = InvokeHandler & {
  queued(fnKey: string): number;
  /** Invokes it handles for a function right now, held ones included. */
  inFlight(fnKey: string): number;
  close(): Promise<void>;
};

/** The state of one invoke across its attempts. */
interface Invocation {
  readonly request: InvokeRequest;
  /** The function (metrics, logs, spans). */
  readonly fn: InvokeTarget;
  /** The workload serving it: the function's own, or a revision's (`hello-00004`). */
  readonly target: InvokeTarget;
  /** `tenant/workload`: the key of its replica pools, activator queue and in-flight count. */
  readonly fnKey: string;
  /** The revision serving it (`x-eventflow-revision`), when the function has revisions. */
  readonly revision?: string;
  readonly requestId: string;
  readonly timeoutMs: number;
  coldStart: boolean;
  /** Until when the activator may hold it (set at its first wait). */
  holdUntil?: number;
  /** The activator handed it a slot that it has not settled yet (see `settle`). */
  granted?: boolean;
  current?: Exchange;
  /** Set by the deadline or a client disconnect; wins over whatever the attempt threw. */
  failure?: unknown;
  /** Rejects the wait for the request body (the deadline fired while the client trickled it). */
  stopBodyWait?: (error: unknown) => void;
}
/**
 * Creates the invoke route's handler: streams the request to one ready replica and the
 * replica's response back unchanged, and answers with the platform's envelope only when the
 * platform fails (not ready, timeout, unreachable). Koa's body parser must not run before it.
 */
export function createInvokeHandler(deps: InvokeHandlerDeps): InvokeRouter {
  const { driver, recorder, config, tracing } = deps;
  const balancer = createBalancer({
    connections: config.connectionsPerReplica ?? 128,
    keepAliveTimeoutMs: 30_000,
  });
  const coldStartTimeoutMs = config.coldStartTimeoutMs ?? 30_000;
  /** Invokes this controller handles per function right now (held ones included). */
  const inFlight = new Map<string, number>();
  const activator = createActivator(driver, balancer.room, {
    maxQueued: config.maxQueuedPerFunction ?? 1000,
    ...(deps.activatorRecorder ? { recorder: deps.activatorRecorder } : {}),
  });

  const limiter =
    config.tenantRateLimit === undefined
      ? undefined
      : createTenantRateLimiter(config.tenantRateLimit);

  /** The envelope; retryable 503s and 429s get `retry-after` (1 s unless given). */
  function sendError(
    res: ServerResponse,
    error: EventFlowError,
    requestId: string,
    retryAfter?: number,
  ): void {
    writeEnvelope(res, error, requestId, retryAfter ? { "retry-after": String(retryAfter) } : {});
  }

  /** Answers 429 when the tenant is over its rate; true when the invoke may go on. */
  function admit(request: InvokeRequest, fn: InvokeTarget): boolean {
    const wait = limiter?.take(fn.tenant) ?? 0;
    if (wait === 0) return true;
    recorder.rateLimited?.(fn);
    const error = new EventFlowError(
      "RATE_LIMITED",
      `tenant ${fn.tenant} is over its invoke rate of ${config.tenantRateLimit!.ratePerSecond}/s`,
      { details: { tenant: fn.tenant, retryAfterSeconds: wait } },
    );
    sendError(request.res, error, request.requestId, wait);
    return false;
  }

  /** Where a failed attempt may go next: another ready replica, or nowhere. */
  function retryTarget(fn: InvokeTarget, refused: Upstream, error: unknown): readonly Endpoint[] {
    const endpoints = driver.endpoints(fn.tenant, fn.name);
    if (endpoints.length === 0) {
      throw new EventFlowError("FUNCTION_NOT_READY", `${fn.name} has no ready replica`);
    }
    if (endpoints.length === 1 && endpoints[0]!.url === refused.url) throw error;
    return endpoints;
  }

  /**
   * Sends to the least loaded replica; a refused connection (and, for idempotent requests, a
   * connection that broke before the response) is retried on another one.
   */
  async function send(
    inv: Invocation,
    endpoints: readonly Endpoint[],
    opts: Dispatcher.DispatchOptions,
  ): Promise<void> {
    let tried: Upstream | undefined;
    const limit = inv.fn.containerConcurrency ?? 0;
    for (let round = 0; ; round++) {
      if (inv.failure) throw inv.failure;
      let upstream = balancer.pick(inv.fnKey, endpoints, tried, limit);
      while (!upstream && limit > 0 && tried === undefined) {
        // Every replica is at its limit (the one this invoke was handed a slot on has gone):
        // wait again, until the activator's deadline.
        settle(inv);
        endpoints = (await hold(inv)).endpoints;
        upstream = balancer.pick(inv.fnKey, endpoints, undefined, limit);
      }
      if (!upstream)
        throw new EventFlowError("FUNCTION_NOT_READY", `${inv.target.name} has no ready replica`);
      setReplicaKey(opts.headers as string[], upstream.key);
      const span = tracing?.attempt(opts.headers as string[], {
        url: upstream.url,
        method: opts.method,
        name: inv.fn.name,
        incoming: inv.request.req.headers,
      });
      const run = startAttempt(
        upstream,
        opts,
        inv.request.res,
        inv.requestId,
        inv.request.headers,
        inv.revision,
      );
      inv.current = run.exchange;
      settle(inv);
      try {
        await run.promise;
        activator.release(inv.fnKey);
        span?.end(inv.request.res.statusCode);
        return;
      } catch (error) {
        activator.release(inv.fnKey);
        // A refused replica is skipped by later requests too, until the endpoints change.
        if (isConnectRefused(error)) balancer.eject(upstream);
        const failed = { method: opts.method, headers: opts.headers as string[], body: opts.body };
        const last = round >= 2 || inv.failure || !canRetryElsewhere(error, failed);
        span?.fail(error, !last);
        if (last) throw inv.failure ?? error;
        tried = upstream;
        endpoints = retryTarget(inv.target, upstream, error);
      }
    }
  }

  /** The body, unless the deadline comes first: a trickling client cannot outwait the timeout. */
  function bodyWithin<T>(inv: Invocation, body: Promise<T>, waits: boolean): Promise<T> {
    if (!waits) return body;
    return new Promise<T>((resolve, reject) => {
      inv.stopBodyWait = reject;
      body.then(resolve, reject);
    }).finally(() => (inv.stopBodyWait = undefined));
  }

  /** The replica counts the invoke now, or it gave up: the activator's slot is free for others. */
  function settle(inv: Invocation): void {
    if (!inv.granted) return;
    inv.granted = false;
    activator.settle(inv.fnKey);
  }

  /** Waits in the activator for a replica with room (a cold start when there is none). */
  async function hold(inv: Invocation): Promise<{ endpoints: readonly Endpoint[] }> {
    const fn = inv.target;
    // One budget for all of an invoke's waits (it may be woken and outrun more than once).
    inv.holdUntil ??= performance.now() + Math.min(coldStartTimeoutMs, inv.timeoutMs);
    const wait = Math.max(0, Math.round(inv.holdUntil - performance.now()));
    const cold = driver.endpoints(fn.tenant, fn.name).length === 0;
    const admitted = activator
      .admit(inv.fnKey, fn, fn.containerConcurrency ?? 0, wait, rejectOnAbort(inv.request.res))
      .then((slot) => {
        inv.granted = true;
        return slot;
      });
    if (cold) inv.coldStart = true;
    return tracing === undefined || !cold ? admitted : tracing.coldStart(fn, admitted);
  }

  async function proxy(inv: Invocation): Promise<void> {
    const { request, target: fn } = inv;
    const req = request.req;
    let endpoints = driver.endpoints(fn.tenant, fn.name);
    if (
      endpoints.length === 0 ||
      (fn.containerConcurrency && !activator.mayPass(inv.fnKey, endpoints, fn.containerConcurrency))
    )
      endpoints = (await hold(inv)).endpoints;
    // Usually at hand already (none, or a small one that came with the headers): no wait then.
    const read = requestBodyFor(req, Math.min(fn.maxBodyBytes ?? Infinity, config.maxBodyBytes));
    const body =
      read instanceof Promise ? await bodyWithin(inv, read, announcesBody(req.headers)) : read;
    const opts = buildDispatchOptions(request, {
      forwardAuthorization: fn.public === true,
      requestId: inv.requestId,
      timeoutMs: inv.timeoutMs,
      body,
    });
    await send(inv, endpoints, opts);
  }

  function fail(inv: Invocation, error: unknown): void {
    if (error instanceof ClientAborted || inv.failure instanceof ClientAborted) return;
    const e = toInvokeError(error, inv.fn.name, inv.timeoutMs);
    if (e.status >= 500) {
      const log = {
        requestId: inv.requestId,
        function: inv.fn.name,
        tenant: inv.fn.tenant,
        code: e.code,
        err: error,
      };
      deps.logger?.[e.status === 500 ? "error" : "warn"](log, "invoke failed");
    }
    const { req, res } = inv.request;
    if (!req.complete && !res.headersSent) {
      // The body has not all arrived (a client trickling it, or one past the limit): answer and
      // close, or the connection stays held for as long as the client keeps sending.
      writeEnvelope(res, e, inv.requestId, { connection: "close" });
      res.once("finish", () => req.socket.destroy());
      return;
    }
    sendError(res, e, inv.requestId);
  }

  /** The revision of one invoke; null after answering TRAFFIC_TAG_NOT_FOUND. */
  function routeOf(request: InvokeRequest, fn: InvokeTarget) {
    if (deps.traffic === undefined) return undefined;
    const header = request.req.headers["x-eventflow-tag"];
    const tag = typeof header === "string" && header !== "" ? header : undefined;
    const route = deps.traffic.route(fn.tenant, fn.name, tag);
    if (route !== null) return route;
    const error = new EventFlowError(
      "TRAFFIC_TAG_NOT_FOUND",
      `function ${fn.name} has no traffic tag ${JSON.stringify(tag)}`,
      { details: { tag: tag ?? "" } },
    );
    sendError(request.res, error, request.requestId);
    return null;
  }

  async function handle(request: InvokeRequest, fn: InvokeTarget): Promise<void> {
    if (!admit(request, fn)) return;
    const route = routeOf(request, fn);
    if (route === null) return;
    const started = performance.now();
    const { res } = request;
    const target =
      route === undefined || route.workload === fn.name ? fn : { ...fn, name: route.workload };
    const inv: Invocation = {
      request,
      fn,
      target,
      fnKey: `${fn.tenant}/${target.name}`,
      ...(route === undefined ? {} : { revision: route.revision }),
      requestId: request.requestId,
      timeoutMs: Math.round((fn.timeoutSeconds ?? config.defaultTimeoutSeconds) * 1000),
      coldStart: false,
    };
    recorder.inFlight(fn, 1);
    inFlight.set(inv.fnKey, (inFlight.get(inv.fnKey) ?? 0) + 1);
    tracing?.started({ tenant: fn.tenant, name: fn.name, requestId: inv.requestId });
    // A timer of its own, cleared when the invoke ends: Node keeps timers of one duration in a
    // list, so adding and clearing cost a link and an unlink, and a cleared timer holds nothing.
    // (A shared timer over a Set of pending deadlines measured worse: young-generation
    // collections still reached entries already deleted from the Set, and through each one's
    // callback promoted its whole finished invoke; invoke-retention.test.ts.)
    const deadline = setTimeout(() => {
      inv.failure = new InvokeTimeout();
      inv.stopBodyWait?.(inv.failure);
      if (inv.current?.headersSent) inv.current.res.destroy();
      inv.current?.controller?.abort(inv.failure as Error);
    }, inv.timeoutMs);
    deadline.unref();
    const onClientClose = () => {
      if (res.writableFinished) return;
      inv.failure ??= new ClientAborted();
      inv.current?.controller?.abort(inv.failure as Error);
    };
    res.once("close", onClientClose);
    try {
      await proxy(inv);
    } catch (error) {
      fail(inv, error);
    } finally {
      settle(inv);
      clearTimeout(deadline);
      res.off("close", onClientClose);
      recorder.inFlight(fn, -1);
      const left = (inFlight.get(inv.fnKey) ?? 1) - 1;
      if (left > 0) inFlight.set(inv.fnKey, left);
      else inFlight.delete(inv.fnKey);
      // 499 (nginx's "client closed request") when the caller left before the answer was complete.
      const status = inv.failure instanceof ClientAborted ? 499 : res.statusCode;
      const seconds = (performance.now() - started) / 1000;
      recorder.invocation(fn, status, seconds, inv.coldStart, inv.revision);
      deps.traffic?.observe(fn.tenant, target.name, status, seconds);
    }
  }

  return Object.assign(handle, {
    queued: (fnKey: string) => activator.queued(fnKey),
    inFlight: (fnKey: string) => inFlight.get(fnKey) ?? 0,
    close: () => balancer.close(),
  });
}
