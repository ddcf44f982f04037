/** Converts what comes back over HTTP (envelopes, broken answers, network failures) into EventFlowError. */
import {
  EventFlowError,
  fromErrorEnvelope,
  isErrorEnvelope,
  type ErrorEnvelope,
} from "@eventflow/protocol";

function isJson(response: Response): boolean {
  const type = response.headers.get("content-type") ?? "";
  return /^application\/(?:[\w.+-]*\+)?json\b/i.test(type);
}

/** Parses an error envelope from a body text, or undefined. */
export function parseEnvelope(text: string): ErrorEnvelope | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isErrorEnvelope(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The error of a non-2xx API answer: the server's envelope as an EventFlowError (code, status,
 * request id, details), or CLIENT_BAD_RESPONSE when the body is not an envelope (a proxy page,
 * a wrong URL).
 */
export async function errorFromResponse(response: Response): Promise<EventFlowError> {
  const requestId = response.headers.get("x-request-id") ?? undefined;
  const text = await response.text().catch(() => "");
  const envelope = isJson(response) ? parseEnvelope(text) : undefined;
  if (envelope !== undefined) {
    const error = fromErrorEnvelope(envelope, response.status);
    if (error.requestId === undefined && requestId !== undefined) {
      return new EventFlowError(error.code, error.message, {
        status: error.status,
        details: error.details,
        requestId,
      });
    }
    return error;
  }
  return badResponse(
    `the server answered ${response.status} ${response.statusText} without an EventFlow error body (${text.slice(0, 120).trim() || "empty"}); is the URL the controller's?`,
    response.status,
    requestId,
  );
}

/** CLIENT_BAD_RESPONSE for an answer the client cannot use. */
export function badResponse(message: string, status?: number, requestId?: string): EventFlowError {
  return new EventFlowError("CLIENT_BAD_RESPONSE", message, {
    ...(status === undefined ? {} : { details: { status } }),
    ...(requestId === undefined ? {} : { requestId }),
  });
}

/** Whether an error is the abort of the caller's own signal (passed through unchanged). */
export function isAbortError(error: unknown): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    ((error as { name?: unknown }).name === "AbortError" ||
      (error as { name?: unknown }).name === "TimeoutError")
  );
}

/** CLIENT_UNREACHABLE for a fetch that failed before any answer. */
export function unreachable(url: string, cause: unknown): EventFlowError {
  const reason =
    (cause as { cause?: { code?: string; message?: string } })?.cause?.code ??
    (cause as { cause?: { message?: string } })?.cause?.message ??
    (cause instanceof Error ? cause.message : String(cause));
  return new EventFlowError(
    "CLIENT_UNREACHABLE",
    `cannot reach the controller at ${url} (${reason}); check the URL and that the controller runs`,
    { cause },
  );
}

/** CLIENT_TIMEOUT for a call that exceeded the client's timeout. */
export function timedOut(url: string, timeoutMs: number): EventFlowError {
  return new EventFlowError(
    "CLIENT_TIMEOUT",
    `the controller at ${url} did not answer within ${timeoutMs} ms`,
  );
}
