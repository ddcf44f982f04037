/**
 * CORS of a function's URL, decided by the controller from `spec.cors` (pure: no I/O). A
 * function without `cors` gets none of this: its requests, OPTIONS included, are its own.
 * With `cors`, preflights are answered here (they carry no token and never reach the function)
 * and every answer gets the Access-Control headers, over any the function sets itself.
 */
import { EventFlowError } from "@eventflow/protocol";
import type { FunctionSpecFields } from "@eventflow/protocol";

/** A function's CORS settings, as validated. */
export type CorsSettings = NonNullable<FunctionSpecFields["cors"]>;

/** The request parts CORS looks at (header values as Node gives them). */
export interface CorsRequest {
  readonly method: string;
  readonly origin?: string;
  /** `access-control-request-method` (a preflight's). */
  readonly requestMethod?: string;
  /** `access-control-request-headers` (a preflight's). */
  readonly requestHeaders?: string;
}

/** Methods a preflight may ask for when `allowMethods` is not given. */
export const DEFAULT_CORS_METHODS = ["GET", "HEAD", "POST"] as const;
/** Headers a browser sends without asking (the CORS-safelisted ones). */
const SAFELISTED = new Set(["accept", "accept-language", "content-language", "content-type"]);

/** Whether the request is a CORS preflight. */
export function isPreflight(req: CorsRequest): boolean {
  return req.method === "OPTIONS" && req.origin !== undefined && req.requestMethod !== undefined;
}

function forbidden(message: string, details: Record<string, unknown>): EventFlowError {
  return new EventFlowError("FUNCTION_ENDPOINT_FORBIDDEN", message, { details });
}

/** The Access-Control-Allow-Origin value for an allowed origin, or a refusal. */
function allowOrigin(cors: CorsSettings, origin: string): string {
  if (cors.allowOrigins.includes(origin)) return origin;
  if (cors.allowOrigins.includes("*")) return cors.allowCredentials === true ? origin : "*";
  throw forbidden(`origin ${origin} is not in the function's cors.allowOrigins`, { origin });
}

/**
 * The headers of an answer to a request that is not a preflight: `Vary: Origin` always (the
 * answer depends on it), the allowed origin and what the spec exposes when it has one, and
 * FUNCTION_ENDPOINT_FORBIDDEN, before the function is called, for an origin not allowed.
 */
export function corsResponseHeaders(cors: CorsSettings, req: CorsRequest): Record<string, string> {
  const headers: Record<string, string> = { vary: "Origin" };
  if (req.origin === undefined) return headers;
  headers["access-control-allow-origin"] = allowOrigin(cors, req.origin);
  if (cors.allowCredentials === true) headers["access-control-allow-credentials"] = "true";
  if (cors.exposeHeaders !== undefined && cors.exposeHeaders.length > 0)
    headers["access-control-expose-headers"] = cors.exposeHeaders.join(", ");
  return headers;
}

/**
 * The answer to a preflight (204 with these headers), or FUNCTION_ENDPOINT_FORBIDDEN for an
 * origin, method or header the spec does not allow. A token function allows `Authorization`
 * without listing it: it cannot be called without one.
 */
export function preflightHeaders(
  cors: CorsSettings,
  req: CorsRequest,
  auth: "token" | "public",
): Record<string, string> {
  const headers = corsResponseHeaders(cors, req);
  delete headers["access-control-expose-headers"];
  headers.vary = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";
  const methods: readonly string[] = cors.allowMethods ?? DEFAULT_CORS_METHODS;
  const method = req.requestMethod ?? "";
  if (!methods.includes(method))
    throw forbidden(`method ${method} is not in the function's cors.allowMethods`, {
      method,
      allowed: methods,
    });
  const allowed = new Set((cors.allowHeaders ?? []).map((h) => h.toLowerCase()));
  if (auth === "token") allowed.add("authorization");
  const asked = (req.requestHeaders ?? "")
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== "");
  const refused = asked.filter((h) => !allowed.has(h) && !SAFELISTED.has(h));
  if (refused.length > 0)
    throw forbidden(`headers ${refused.join(", ")} are not in the function's cors.allowHeaders`, {
      headers: refused,
    });
  headers["access-control-allow-methods"] = methods.join(", ");
  if (asked.length > 0) headers["access-control-allow-headers"] = asked.join(", ");
  if (cors.maxAgeSeconds !== undefined)
    headers["access-control-max-age"] = String(cors.maxAgeSeconds);
  return headers;
}
