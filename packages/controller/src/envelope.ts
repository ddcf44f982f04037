/**
 * The platform's error envelope written straight to a Node response, for the paths that answer
 * outside Koa (the invoke router and the invoke route's fast path), and the retry rule the Koa
 * error middleware shares with them.
 */
import type { ServerResponse } from "node:http";
import { PLATFORM_ERROR_HEADER, toErrorEnvelope, type EventFlowError } from "@eventflow/protocol";

/** The `retry-after` a retryable 503 or 429 gets when its writer has no better value. */
export const DEFAULT_RETRY_AFTER = "1";

/** Whether an error answer tells the client when to retry. */
export function wantsRetryAfter(error: EventFlowError): boolean {
  return error.retryable && (error.status === 503 || error.status === 429);
}

/** Writes `error` as the envelope; does nothing once the answer has started. */
export function writeEnvelope(
  res: ServerResponse,
  error: EventFlowError,
  requestId: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const body = JSON.stringify(toErrorEnvelope(error, requestId));
  res
    .writeHead(error.status, {
      ...(wantsRetryAfter(error) ? { "retry-after": DEFAULT_RETRY_AFTER } : {}),
      ...headers,
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(body),
      "x-request-id": requestId,
      [PLATFORM_ERROR_HEADER]: error.code,
    })
    .end(body);
}
