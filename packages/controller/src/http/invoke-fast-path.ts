/**
 * The invoke route without the framework. Invokes are the controller's hot path (every call
 * of every function), and Koa's middleware chain, the router's matching and the route runner's
 * validation cost more CPU per invoke than the proxying itself. This listener recognises
 * `POST /v1/functions/<name>:invoke` with a bearer token and does exactly what the Koa route
 * does (verify, authorise, resolve the tenant, look the function up, hand over to the invoke
 * router) with plain Node objects.
 *
 * Anything else, and every request that fails before the hand-over (no or bad token, a role
 * that may not invoke, an unknown or foreign function, an odd path), goes to the Koa app
 * untouched: it runs the same checks again and answers with the same envelope as every other
 * route. Failures are rare, so paying twice for them is cheap, and there is one source of
 * truth for every error answer. The request body is never read before the hand-over, so the
 * fallback sees the request exactly as it arrived.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import { checkFunctionName, EventFlowError } from "@eventflow/protocol";
import { parseBearer } from "../auth/middleware.js";
import { authorize, checkTokenBinding } from "../auth/principal.js";
import type { TokenVerifier } from "../auth/verifier.js";
import type { Driver } from "../drivers/driver.js";
import type { InvokeHandler } from "../routes/deps.js";
import { visibleFunctionTenant } from "../routes/tenancy.js";
import type { Logger } from "pino";
import { writeEnvelope } from "./errors.js";
import { requestIdFor } from "./request-id.js";

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
/** The route template the Koa route is counted under, so both paths share one series. */
export const INVOKE_ROUTE = "/v1/functions/{name}:invoke";

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
    let tenant: string;
    let timeoutSeconds: number | undefined;
    try {
      const principal = await verifier.verify(target.token);
      authorize(principal, "invoke");
      const requested = req.headers["x-eventflow-tenant"];
      tenant = visibleFunctionTenant(
        principal,
        target.name,
        typeof requested === "string" && requested !== "" ? requested : undefined,
      );
      const status = await driver.get(tenant, target.name);
      checkTokenBinding(principal, status);
      timeoutSeconds = status.spec.timeoutSeconds;
    } catch {
      fallback(req, res);
      return;
    }
    // The invoke router puts it on the answer (one writeHead, no setHeader on the hot path).
    const requestId = requestIdFor(req.headers["x-request-id"] as string | undefined);
    try {
      await invoke(
        {
          req,
          res,
          requestId,
          querystring: target.querystring,
          protocol: (req.socket as TLSSocket).encrypted ? "https" : "http",
        },
        {
          tenant,
          name: target.name,
          ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
        },
      );
    } catch (error) {
      // The invoke router answers its own failures, so this is a bug: logged, answered 500.
      deps.logger.error({ err: error, requestId, path: INVOKE_ROUTE }, "request failed");
      writeEnvelope(res, new EventFlowError("INTERNAL", String(error)), requestId);
    } finally {
      countRequest("POST", INVOKE_ROUTE, res.statusCode);
    }
  }

  return (req, res) => {
    const match = matchInvokePath(req.method, req.url);
    const token = match === undefined ? undefined : parseBearer(req.headers.authorization);
    if (match === undefined || token === undefined) {
      fallback(req, res);
      return;
    }
    void serve(req, res, { ...match, token });
  };
}
