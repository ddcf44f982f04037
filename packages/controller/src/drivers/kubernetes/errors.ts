/**
 * The one place where Kubernetes client failures become EventFlow errors: ApiException
 * statuses and reasons, and transport failures (the API server is gone).
 */
import { ApiException } from "@kubernetes/client-node";
import { EventFlowError, isConnectionErrorCode } from "@eventflow/protocol";

/** What the failed call was about, for messages and not-found codes. */
export interface ErrorContext {
  /** `tenant/name` when the call concerned a function. */
  readonly function?: string;
  /** What the driver was doing, e.g. `apply Deployment`. */
  readonly action: string;
}

/** One field cause of a 422 Invalid (the API server's `details.causes`). */
export interface FieldCause {
  readonly field?: string;
  readonly reason?: string;
  readonly message?: string;
}

interface StatusBody {
  readonly reason?: string;
  readonly message?: string;
  readonly details?: { readonly causes?: readonly FieldCause[] };
}

function statusBody(body: unknown): StatusBody {
  if (typeof body === "string") {
    try {
      return JSON.parse(body) as StatusBody;
    } catch {
      return { message: body };
    }
  }
  return typeof body === "object" && body !== null ? (body as StatusBody) : {};
}

/** Whether `error` (or a cause of it) is a failed connection to the API server. */
export function isTransportError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (isConnectionErrorCode(code)) return true;
    if (e instanceof TypeError && e.message === "fetch failed") return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** The HTTP status of an ApiException, or undefined for other errors. */
export function apiStatus(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

/** Converts any failure of a Kubernetes call into an EventFlowError with a stable code. */
export function toEventFlowError(error: unknown, ctx: ErrorContext): EventFlowError {
  if (error instanceof EventFlowError) return error;
  const what = ctx.function ? `${ctx.action} of ${ctx.function}` : ctx.action;
  if (!(error instanceof ApiException)) {
    if (isTransportError(error))
      return new EventFlowError("KUBERNETES_UNREACHABLE", `${what}: API server unreachable`, {
        cause: error,
      });
    return new EventFlowError("INTERNAL", `${what}: ${String(error)}`, { cause: error });
  }
  const body = statusBody(error.body);
  const message = `${what}: ${body.message ?? `HTTP ${error.code}`}`;
  switch (error.code) {
    case 401:
    case 403:
      if (body.message?.includes("exceeded quota"))
        return new EventFlowError("KUBERNETES_QUOTA_EXCEEDED", message, { cause: error });
      return new EventFlowError("KUBERNETES_FORBIDDEN", message, { cause: error });
    case 404:
      return ctx.function
        ? new EventFlowError("FUNCTION_NOT_FOUND", `function ${ctx.function} not found`, {
            cause: error,
          })
        : new EventFlowError("INTERNAL", message, { cause: error });
    case 409:
      return body.reason === "AlreadyExists" && ctx.function
        ? new EventFlowError("FUNCTION_ALREADY_EXISTS", `function ${ctx.function} already exists`, {
            cause: error,
          })
        : new EventFlowError("KUBERNETES_CONFLICT", message, { cause: error });
    case 422:
      return new EventFlowError("KUBERNETES_INVALID", message, {
        cause: error,
        details: (body.details?.causes ?? []).map((c) => ({
          field: c.field,
          reason: c.reason,
          message: c.message,
        })),
      });
    default:
      if (error.code === 429 || error.code >= 500)
        return new EventFlowError("KUBERNETES_UNREACHABLE", message, { cause: error });
      return new EventFlowError("INTERNAL", message, { cause: error });
  }
}
