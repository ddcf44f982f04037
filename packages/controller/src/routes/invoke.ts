/**
 * The invoke route, `POST /v1/functions/{name}:invoke`, defined once and served twice: as an
 * entry of the route table (router, validation, OpenAPI) and by a fast path in front of Koa.
 * Invokes are the controller's hot path (every call of every function), and Koa's middleware
 * chain, the router's matching and the route runner's validation cost more CPU per invoke than
 * the proxying itself, so the fast path runs the route's checks ({@link invokeTarget}) on plain
 * Node objects and hands over to the invoke router.
 *
 * Every request the fast path does not hand over (no or bad token, a role that may not invoke,
 * an unknown or foreign function, an odd path) goes to the Koa app untouched: it runs the same
 * checks again and answers with the same envelope as every other route. Failures are rare, so
 * paying twice for them is cheap, and every error answer has one source. The request body is
 * never read before the hand-over, so the fallback sees the request exactly as it arrived.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import { checkFunctionName, EventFlowError, isEventFlowError } from "@eventflow/protocol";
import type { Logger } from "pino";
import { parseBearer } from "../auth/middleware.js";
import { authorize, checkTokenBinding, type Principal } from "../auth/principal.js";
import { functionNotFound, visibleFunctionTenant } from "../auth/tenancy.js";
import type { TokenVerifier } from "../auth/verifier.js";
import type { Driver, FunctionSpec, FunctionStatus } from "../drivers/driver.js";
import { writeEnvelope } from "../envelope.js";
import { requestIdFor } from "../http/request-id.js";
import {
  corsResponseHeaders,
  isPreflight,
  preflightHeaders,
  type CorsRequest,
} from "../invoke/cors.js";
import type { InvokeHandler, InvokeRequest, InvokeTarget } from "../invoke/index.js";
import { errorEnvelopeSchema } from "../schemas/common.js";
import { functionParamsSchema } from "../schemas/functions.js";
import { acceptedSchema } from "../schemas/invocations.js";
import type { RouteDeps } from "./deps.js";
import { acceptAsyncInvoke, prefersAsync } from "./invocations.js";
import { defineRoute, type AnyRoute } from "./route.js";
import { principalOf } from "./tenancy.js";

/** The route's path, also the template both paths count requests under (one series). */
export const INVOKE_ROUTE = "/v1/functions/{name}:invoke";
/** The action the caller's role must allow. */
const INVOKE_ACTION = "invoke";

/** The header admins name another tenant with. */
function requestedTenant(req: IncomingMessage): string | undefined {
  const requested = req.headers["x-eventflow-tenant"];
  return typeof requested === "string" && requested !== "" ? requested : undefined;
}

/**
 * The invoke route's checks once the caller is verified and authorised: the tenant it may
 * see the function in, the function itself and the token's binding to it. Throws what the
 * route answers (FUNCTION_NOT_FOUND, AUTH_FORBIDDEN).
 */
export function invokeTarget(
  driver: Pick<Driver, "get" | "invokeInfo">,
  principal: Principal,
  name: string,
  req: IncomingMessage,
): InvokeTarget | Promise<InvokeTarget> {
  const tenant = visibleFunctionTenant(principal, name, requestedTenant(req));
  // From the driver's memory, without a wait, when it can say (no status is built per invoke);
  // else `get`, which also answers FUNCTION_NOT_FOUND.
  const known = driver.invokeInfo?.(tenant, name);
  if (known === undefined) return driver.get(tenant, name).then((s) => boundTarget(principal, s));
  return boundTarget(principal, known);
}

/** The target of a function the principal's token may invoke (AUTH_FORBIDDEN otherwise). */
function boundTarget(principal: Principal, fn: Pick<FunctionStatus, "spec" | "created_at">) {
  checkTokenBinding(principal, fn);
  return targetOf(fn);
}

/** Targets by spec: a driver keeps a function's spec object until it changes. */
const targets = new WeakMap<FunctionSpec, InvokeTarget>();

/** What the invoke router needs of a function's spec (also the async worker's target). */
export function targetOf(status: Pick<FunctionStatus, "spec">): InvokeTarget {
  let target = targets.get(status.spec);
  if (target === undefined) targets.set(status.spec, (target = buildTarget(status.spec)));
  return target;
}

function buildTarget(spec: FunctionSpec): InvokeTarget {
  const { tenant, name, timeoutSeconds, maxBodyBytes, auth, containerConcurrency } = spec;
  return {
    tenant,
    name,
    ...(containerConcurrency ? { containerConcurrency } : {}),
    ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
    ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
    ...(auth === "public" ? { public: true } : {}),
  };
}

/** The template requests to function URLs are counted under (one series for all of them). */
export const ENDPOINT_ROUTE = "/fn/{tenant}/{name}/*";
const ENDPOINT_PREFIX = "/fn/";
const TENANT = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A request to a function's URL: `/fn/TENANT/NAME[/PATH][?QUERY]`. */
export interface EndpointMatch {
  readonly tenant: string;
  readonly name: string;
  /** What the function sees as its path (`/` for the bare URL). */
  readonly path: string;
  readonly querystring: string;
}

/**
 * Why a path below a function's URL is refused, or undefined: dot segments, empty segments,
 * encoded slashes, NULs or backslashes are never passed on, so what the
 * function sees as its path is what a client sent, with no second reading of it.
 */
function pathProblem(path: string): string | undefined {
  if (path.length > 4096) return "is longer than 4096 characters";
  // Node's parser already refuses raw control characters in a request line.
  if (/%(?:2f|5c|00)|\\/i.test(path)) return "has an encoded slash, an encoded NUL or a backslash";
  for (const segment of path.split("/").slice(1, -1))
    if (segment === "") return "has an empty segment (//)";
  for (const segment of path.split("/"))
    if (/^(?:\.|%2e){1,2}$/i.test(segment)) return "has a . or .. segment";
  return undefined;
}

/**
 * The tenant, name, path and query of a request to a function's URL; undefined when the
 * request line is not one; REQUEST_VALIDATION_FAILED when it is one but malformed.
 */
export function matchEndpointPath(
  url: string | undefined,
): EndpointMatch | EventFlowError | undefined {
  if (url === undefined || !url.startsWith(ENDPOINT_PREFIX)) return undefined;
  const q = url.indexOf("?");
  const pathname = q === -1 ? url : url.slice(0, q);
  const [tenant = "", name = "", ...rest] = pathname.slice(ENDPOINT_PREFIX.length).split("/");
  const path = `/${rest.join("/")}`;
  const bad = (message: string) =>
    new EventFlowError("REQUEST_VALIDATION_FAILED", `function URL ${message}`, {
      details: [{ path: "url", message }],
    });
  if (!TENANT.test(tenant) || tenant.length > 63)
    return bad("names no valid tenant: /fn/TENANT/NAME/...");
  if (checkFunctionName(name) !== undefined)
    return bad("names no valid function: /fn/TENANT/NAME/...");
  const problem = pathProblem(path);
  if (problem !== undefined) return bad(`path ${problem}`);
  return { tenant, name, path, querystring: q === -1 ? "" : url.slice(q + 1) };
}

/** The function a URL names, or undefined when there is none (nothing is said yet). */
async function lookupFunction(
  driver: Driver,
  match: EndpointMatch,
): Promise<FunctionStatus | undefined> {
  try {
    return await driver.get(match.tenant, match.name);
  } catch (error) {
    if (!isEventFlowError(error) || error.code !== "FUNCTION_NOT_FOUND") throw error;
    return undefined;
  }
}

/**
 * The checks of a request to a function's URL: a public function needs no token; any other
 * needs one that may invoke it, exactly as the invoke route's, with the tenant taken from the
 * URL (another tenant's function is FUNCTION_NOT_FOUND). Without a token, a missing function
 * and a token-protected one answer alike (401), so anonymous callers learn nothing of either.
 */
export async function endpointTarget(
  verifier: TokenVerifier,
  match: EndpointMatch,
  status: FunctionStatus | undefined,
  authorization: string | undefined,
): Promise<InvokeTarget> {
  if (status?.spec.auth === "public") return targetOf(status);
  const token = parseBearer(authorization);
  if (token === undefined)
    throw new EventFlowError("AUTH_TOKEN_MISSING", "this function's URL needs a bearer token");
  const principal = await verifier.verify(token);
  authorize(principal, INVOKE_ACTION);
  const tenant = visibleFunctionTenant(principal, match.name, match.tenant);
  if (tenant !== match.tenant || status === undefined) throw functionNotFound(match.name);
  checkTokenBinding(principal, status);
  return targetOf(status);
}

/** The CORS parts of a request. */
function corsRequest(req: IncomingMessage): CorsRequest {
  const h = req.headers;
  return {
    method: req.method ?? "GET",
    ...(h.origin === undefined ? {} : { origin: h.origin }),
    ...(typeof h["access-control-request-method"] === "string"
      ? { requestMethod: h["access-control-request-method"] }
      : {}),
    ...(typeof h["access-control-request-headers"] === "string"
      ? { requestHeaders: h["access-control-request-headers"] }
      : {}),
  };
}

/** What the invoke router is handed: the Node request and response, owned by it from then on. */
function toInvokeRequest(
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  querystring: string,
  path?: string,
): InvokeRequest {
  const protocol = (req.socket as TLSSocket).encrypted ? "https" : "http";
  return path === undefined
    ? { req, res, requestId, querystring, protocol }
    : { req, res, requestId, querystring, protocol, path };
}

const envelope = (description: string) => ({ description, schema: errorEnvelopeSchema });

/** The route table's entry (Koa: auth and params by the route runner, then the same checks). */
export function invokeRoute(
  deps: Pick<RouteDeps, "driver" | "invoke" | "invocations" | "config">,
): AnyRoute {
  return defineRoute({
    method: "POST",
    path: INVOKE_ROUTE,
    operationId: "invokeFunction",
    summary:
      "Invoke a function: body, content type and query pass through; the function's status, headers and body come back unchanged. Admins name another tenant with the X-EventFlow-Tenant header.",
    tags: ["functions"],
    auth: INVOKE_ACTION,
    params: functionParamsSchema,
    rawBody: true,
    responses: {
      200: {
        description: "The function's own answer (any status, headers and body).",
        contentType: "*/*",
      },
      202: {
        description:
          "With `Prefer: respond-async`: queued; `Location: /v1/invocations/{id}` (optional `Idempotency-Key`, `X-Callback-Url`).",
        schema: acceptedSchema,
      },
      502: envelope("The replica refused or dropped the connection."),
      503: envelope("No ready replica (retry-after) or crash loop."),
      504: envelope("The function exceeded its timeoutSeconds."),
    },
    errors: [
      "FUNCTION_NOT_FOUND",
      "REQUEST_BODY_TOO_LARGE",
      "FUNCTION_NOT_READY",
      "FUNCTION_CRASH_LOOP",
      "FUNCTION_IMAGE_PULL_DENIED",
      "INVOKE_TIMEOUT",
      "INVOKE_UPSTREAM_UNREACHABLE",
      "ASYNC_UNAVAILABLE",
    ],
    async handle(ctx, { params }) {
      const fn = await invokeTarget(deps.driver, principalOf(ctx), params.name, ctx.req);
      if (prefersAsync(ctx.req.headers.prefer)) {
        await acceptAsyncInvoke(deps, ctx, fn);
        return;
      }
      // From here the invoke router writes the answer (the function's or the envelope).
      ctx.respond = false;
      await deps.invoke(
        toInvokeRequest(ctx.req, ctx.res, ctx.state.requestId, ctx.querystring),
        fn,
      );
    },
  });
}

/** A Node request listener (the Koa app's callback). */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** Dependencies of {@link createInvokeFastPath}. */
export interface InvokeFastPathDeps {
  readonly verifier: TokenVerifier;
  readonly driver: Driver;
  readonly invoke: InvokeHandler;
  /** Counts the request in `eventflow_http_requests_total` once it is answered. */
  readonly countRequest: (method: string, route: string, status: number) => void;
  /** Takes every request the fast path does not answer itself. */
  readonly fallback: RequestListener;
  readonly logger: Pick<Logger, "error">;
}

const PREFIX = "/v1/functions/";
const SUFFIX = ":invoke";

/** The function name of an invoke request line, or undefined when it is not a plain one. */
export function matchInvokePath(method: string | undefined, url: string | undefined) {
  if (method !== "POST" || url === undefined || !url.startsWith(PREFIX)) return undefined;
  const q = url.indexOf("?", PREFIX.length);
  const end = q === -1 ? url.length : q;
  if (end - PREFIX.length <= SUFFIX.length || !url.startsWith(SUFFIX, end - SUFFIX.length))
    return undefined;
  const name = url.slice(PREFIX.length, end - SUFFIX.length);
  // A name with anything but [a-z0-9-] (slashes, escapes, another action) is the router's job.
  if (checkFunctionName(name) !== undefined) return undefined;
  return { name, querystring: q === -1 ? "" : url.slice(q + 1) };
}

/** Creates the listener: the fast path for invokes, `deps.fallback` for everything else. */
export function createInvokeFastPath(deps: InvokeFastPathDeps): RequestListener {
  const { verifier, driver, invoke, countRequest, fallback } = deps;

  async function serve(
    req: IncomingMessage,
    res: ServerResponse,
    target: { name: string; querystring: string; token: string },
  ): Promise<void> {
    let fn: InvokeTarget;
    try {
      // A token verified a moment ago and a function the driver knows cost no wait.
      const principal = verifier.cached?.(target.token) ?? (await verifier.verify(target.token));
      authorize(principal, INVOKE_ACTION);
      const found = invokeTarget(driver, principal, target.name, req);
      fn = found instanceof Promise ? await found : found;
    } catch {
      fallback(req, res);
      return;
    }
    // The invoke router puts it on the answer (one writeHead, no setHeader on the hot path).
    const requestId = requestIdFor(req.headers["x-request-id"] as string | undefined);
    try {
      await invoke(toInvokeRequest(req, res, requestId, target.querystring), fn);
    } catch (error) {
      // The invoke router answers its own failures, so this is a bug: logged, answered 500.
      deps.logger.error({ err: error, requestId, path: INVOKE_ROUTE }, "request failed");
      writeEnvelope(res, new EventFlowError("INTERNAL", String(error)), requestId);
    } finally {
      countRequest("POST", INVOKE_ROUTE, res.statusCode);
    }
  }

  /** A request to a function's URL: answered here, whatever happens (never by Koa). */
  async function serveEndpoint(
    req: IncomingMessage,
    res: ServerResponse,
    match: EndpointMatch | EventFlowError,
  ): Promise<void> {
    const requestId = requestIdFor(req.headers["x-request-id"] as string | undefined);
    try {
      if (match instanceof EventFlowError) throw match;
      const status = await lookupFunction(driver, match);
      const cors = status?.spec.cors;
      if (cors !== undefined && isPreflight(corsRequest(req))) {
        // Browsers send preflights without credentials: answered here, never by the function.
        const headers = preflightHeaders(cors, corsRequest(req), status!.spec.auth ?? "token");
        res.writeHead(204, { ...headers, "x-request-id": requestId }).end();
        return;
      }
      const fn = await endpointTarget(verifier, match, status, req.headers.authorization);
      const headers = cors === undefined ? undefined : corsResponseHeaders(cors, corsRequest(req));
      // On the platform's own answers too (a 503 the page's script should be able to read).
      for (const [name, value] of Object.entries(headers ?? {})) res.setHeader(name, value);
      const request = toInvokeRequest(req, res, requestId, match.querystring, match.path);
      await invoke(headers === undefined ? request : { ...request, headers }, fn);
    } catch (error) {
      const e = isEventFlowError(error) ? error : new EventFlowError("INTERNAL", String(error));
      if (e.code === "INTERNAL")
        deps.logger.error({ err: error, requestId, path: ENDPOINT_ROUTE }, "request failed");
      // The body was not read: close rather than leave the client's upload on the connection.
      const headers: Record<string, string> = req.complete ? {} : { connection: "close" };
      if (e.status === 401) headers["www-authenticate"] = 'Bearer realm="eventflow"';
      writeEnvelope(res, e, requestId, headers);
    } finally {
      countRequest(req.method ?? "GET", ENDPOINT_ROUTE, res.statusCode);
    }
  }

  return (req, res) => {
    const endpoint = matchEndpointPath(req.url);
    if (endpoint !== undefined) {
      void serveEndpoint(req, res, endpoint);
      return;
    }
    const match = matchInvokePath(req.method, req.url);
    const token = match === undefined ? undefined : parseBearer(req.headers.authorization);
    // An asynchronous invoke (`Prefer: respond-async`) is queued by the Koa route.
    if (match === undefined || token === undefined || prefersAsync(req.headers.prefer)) {
      fallback(req, res);
      return;
    }
    void serve(req, res, { ...match, token });
  };
}
