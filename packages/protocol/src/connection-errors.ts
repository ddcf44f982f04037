/**
 * Node and undici error codes meaning that a connection could not be made or broke before an
 * answer (refused, reset, unreachable, DNS, socket and undici timeouts, closed sockets). Every
 * adapter that talks over sockets (the invoke router, the Kubernetes driver, the registry
 * client) maps its failures from this one list.
 */
export const CONNECTION_ERROR_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_DESTROYED",
]);

/** Whether `code` (an error's `code` property) is one of {@link CONNECTION_ERROR_CODES}. */
export function isConnectionErrorCode(code: unknown): code is string {
  return typeof code === "string" && CONNECTION_ERROR_CODES.has(code);
}
