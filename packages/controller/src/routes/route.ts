/**
 * One table of routes drives both the router and `GET /openapi.json`: each entry names its
 * method, OpenAPI path, auth, zod schemas for params, query and body, and documented answers.
 */
import type { ErrorCode } from "@eventflow/protocol";
import type { Context } from "koa";
import type { z } from "zod";
import type { Action } from "../auth/principal.js";
import type { ControllerState } from "../http/context.js";

/** HTTP methods the API uses. */
export type Method = "GET" | "POST" | "PUT" | "DELETE";

/** A documented answer of a route. */
export interface RouteResponse {
  readonly description: string;
  readonly schema?: z.ZodType;
  /** Defaults to application/json when a schema is given. */
  readonly contentType?: string;
}

/** The Koa context seen by route handlers. */
export type RouteContext = Context & { state: ControllerState };

/** Parsed inputs handed to a handler. */
export interface RouteInput<B, Q, P> {
  readonly body: B;
  readonly query: Q;
  readonly params: P;
}

/** One API route. */
export interface RouteDef<B = unknown, Q = unknown, P = unknown> {
  readonly method: Method;
  /** OpenAPI path, e.g. `/v1/functions/{name}:invoke`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly tags: readonly string[];
  /** `none` for public routes; otherwise the action the caller's role must allow. */
  readonly auth: "none" | Action | "admin";
  readonly params?: z.ZodType<P>;
  readonly query?: z.ZodType<Q>;
  /** A JSON body validated by this schema, with its component name in the OpenAPI document. */
  readonly body?: {
    readonly name: string;
    readonly schema: z.ZodType<B>;
    readonly required?: boolean;
    /** This route's body limit in bytes, instead of the API's (EVENTFLOW_MAX_BODY_BYTES). */
    readonly maxBytes?: number;
  };
  /** A body passed through unparsed (invoke): documented as any content type. */
  readonly rawBody?: boolean;
  readonly responses: Readonly<Record<number, RouteResponse>>;
  /** Error codes this route may answer with (documented in OpenAPI). */
  readonly errors: readonly ErrorCode[];
  /** Runs before auth and validation; throws when the route is switched off (dev auth). */
  readonly precondition?: () => void;
  handle(ctx: RouteContext, input: RouteInput<B, Q, P>): Promise<void>;
}

/** Erased route type for tables. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteDef<any, any, any>;

/** Keeps a route's input types tied to its schemas. */
export function defineRoute<B = undefined, Q = Record<string, never>, P = Record<string, never>>(
  def: RouteDef<B, Q, P>,
): AnyRoute {
  return def;
}

/** `/v1/functions/{name}:invoke` -> `/v1/functions/:name\:invoke` (path-to-regexp v8). */
export function toRouterPath(openApiPath: string): string {
  return openApiPath.replace(/:/g, "\\:").replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, ":$1");
}
