/**
 * Error codes that mean the client went away (closed a log stream, gave up mid-body, reset the
 * connection): nothing the operator can act on, so they are logged at debug, never as errors.
 */
const CLIENT_GONE_CODES = new Set([
  "ECONNRESET",
  "EPIPE",
  "ECONNABORTED",
  "ERR_STREAM_PREMATURE_CLOSE",
  "ERR_STREAM_DESTROYED",
  "ERR_STREAM_WRITE_AFTER_END",
  "HPE_INVALID_EOF_STATE",
]);

/** Whether `error` (or its cause) only says that the client left. */
export function isClientGone(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === "object" && depth < 4; depth++) {
    const { code, message, cause } = e as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === "string" && CLIENT_GONE_CODES.has(code)) return true;
    // Node's IncomingMessage 'aborted' error on older paths carries no code.
    if (message === "aborted" || message === "request aborted") return true;
    e = cause;
  }
  return false;
}
