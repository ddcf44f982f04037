// The one place where foreign failures become EventFlow errors: the registry's
// `errors[].code` and HTTP statuses, and undici / Node socket and TLS error codes.
import {
  EventFlowError,
  isConnectionErrorCode,
  isEventFlowError,
  type ErrorCode,
} from "@eventflow/protocol";

/** What was being attempted, so messages can say where and what to do. */
export interface RegistryErrorContext {
  /** Registry host (`127.0.0.1:5000`). */
  readonly registry: string;
  /** Repository, when the request was about one. */
  readonly repository?: string | undefined;
  /** Short verb phrase: `pull manifest latest`, `push blob sha256:...`. */
  readonly operation: string;
  /** The access the operation needs. */
  readonly access?: "pull" | "push" | undefined;
  /** The user whose credentials were sent, if any. */
  readonly username?: string | undefined;
  /** Whether any credentials were sent. */
  readonly authenticated?: boolean | undefined;
  /** What a 404 without a registry code means for this request. */
  readonly notFound?:
    "REGISTRY_MANIFEST_UNKNOWN" | "REGISTRY_BLOB_UNKNOWN" | "REGISTRY_NAME_UNKNOWN" | undefined;
  /** Number of attempts made (retries included). */
  readonly attempts?: number | undefined;
}

/** One entry of the registry's `{"errors": [...]}` body. */
export interface RegistryErrorEntry {
  readonly code: string;
  readonly message?: string;
  readonly detail?: unknown;
}

const REGISTRY_CODES: Readonly<Record<string, ErrorCode>> = {
  UNAUTHORIZED: "REGISTRY_UNAUTHORIZED",
  DENIED: "REGISTRY_DENIED",
  NAME_UNKNOWN: "REGISTRY_NAME_UNKNOWN",
  NAME_INVALID: "IMAGE_REFERENCE_INVALID",
  MANIFEST_UNKNOWN: "REGISTRY_MANIFEST_UNKNOWN",
  BLOB_UNKNOWN: "REGISTRY_BLOB_UNKNOWN",
  MANIFEST_BLOB_UNKNOWN: "REGISTRY_BLOB_UNKNOWN",
  DIGEST_INVALID: "REGISTRY_DIGEST_MISMATCH",
  SIZE_INVALID: "REGISTRY_DIGEST_MISMATCH",
  MANIFEST_INVALID: "REGISTRY_MANIFEST_INVALID",
  MANIFEST_UNVERIFIED: "REGISTRY_MANIFEST_INVALID",
  TAG_INVALID: "REGISTRY_MANIFEST_INVALID",
  UNSUPPORTED: "REGISTRY_UNSUPPORTED",
  TOOMANYREQUESTS: "REGISTRY_TOO_MANY_REQUESTS",
  UNAVAILABLE: "REGISTRY_UNAVAILABLE",
  BLOB_UPLOAD_UNKNOWN: "REGISTRY_PROTOCOL_ERROR",
  BLOB_UPLOAD_INVALID: "REGISTRY_PROTOCOL_ERROR",
  RANGE_INVALID: "REGISTRY_PROTOCOL_ERROR",
};

const TLS_CODES = new Set([
  "EPROTO",
  "ERR_SSL_WRONG_VERSION_NUMBER",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_SSL_PACKET_LENGTH_TOO_LONG",
]);

/** Prefixes of undici, TLS and certificate error codes. */
const TRANSPORT_PREFIX = /^(UND_ERR_|ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_)/;

/**
 * The transport error code (socket, DNS, TLS or `UND_ERR_*`) of an error, looking through
 * `cause` chains and AggregateErrors; undefined for anything else.
 */
export function transportErrorCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (typeof current === "object" && current !== null && !seen.has(current)) {
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if (
      typeof code === "string" &&
      (isConnectionErrorCode(code) || TLS_CODES.has(code) || TRANSPORT_PREFIX.test(code))
    ) {
      return code;
    }
    if (current instanceof AggregateError && current.errors.length > 0) current = current.errors[0];
    else current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Whether a transport failure is worth retrying: a connection failure (`CONNECTION_ERROR_CODES`
 * of @eventflow/protocol), not TLS verification.
 */
export function isRetryableTransportError(error: unknown): boolean {
  const code = transportErrorCode(error);
  return isConnectionErrorCode(code);
}

/** Whether a transport failure means "the server does not speak TLS" (plain HTTP fallback). */
export function isNotTlsError(error: unknown): boolean {
  const code = transportErrorCode(error);
  const message = error instanceof Error ? error.message : "";
  return (
    code === "ERR_SSL_WRONG_VERSION_NUMBER" ||
    (code === "EPROTO" && /wrong version number|packet length/i.test(message)) ||
    code === "ERR_SSL_PACKET_LENGTH_TOO_LONG"
  );
}

/** Whether an HTTP status is retried with backoff. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Parses a registry error body; returns an empty list for anything else. */
export function parseRegistryErrors(body: Uint8Array | string | undefined): RegistryErrorEntry[] {
  if (body === undefined || body.length === 0) return [];
  try {
    const parsed = JSON.parse(
      typeof body === "string" ? body : Buffer.from(body).toString("utf8"),
    ) as { errors?: unknown };
    if (!Array.isArray(parsed.errors)) return [];
    return parsed.errors.filter(
      (e): e is RegistryErrorEntry =>
        typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "string",
    );
  } catch {
    return [];
  }
}

function where(ctx: RegistryErrorContext): string {
  return ctx.repository === undefined
    ? `registry ${ctx.registry}`
    : `${ctx.registry}/${ctx.repository}`;
}

function loginHint(ctx: RegistryErrorContext): string {
  return `run "docker login ${ctx.registry}" or pass --username/--password (EVENTFLOW_REGISTRY_USERNAME and EVENTFLOW_REGISTRY_PASSWORD)`;
}

function messageFor(
  code: ErrorCode,
  ctx: RegistryErrorContext,
  status: number,
  remote: string,
): string {
  const said = remote.length > 0 ? ` The registry said: ${remote}.` : "";
  const user = ctx.username === undefined ? "" : ` as user "${ctx.username}"`;
  switch (code) {
    case "REGISTRY_UNAUTHORIZED":
      return ctx.authenticated
        ? `Registry ${ctx.registry} rejected the credentials${user} (${ctx.operation} in ${where(ctx)}). Check the username and password: ${loginHint(ctx)}.${said}`
        : `Registry ${ctx.registry} requires authentication to ${ctx.operation} in ${where(ctx)}: ${loginHint(ctx)}.${said}`;
    case "REGISTRY_DENIED":
      return `Registry ${ctx.registry} denied ${ctx.access ?? "this"} access to ${where(ctx)}${user}: the credentials are valid but lack permission. Use a repository you may ${ctx.access ?? "access"}, or ask the registry's owner for access.${said}`;
    case "REGISTRY_NAME_UNKNOWN":
      return `Repository ${where(ctx)} does not exist (${ctx.operation}). Check the image name, or push the image first.${said}`;
    case "REGISTRY_MANIFEST_UNKNOWN":
      return `Image not found in ${where(ctx)} (${ctx.operation}): no such tag or digest. Check the reference, or push the image first.${said}`;
    case "REGISTRY_BLOB_UNKNOWN":
      return `A blob is missing from ${where(ctx)} (${ctx.operation}). Push the image's layers and config before its manifest.${said}`;
    case "REGISTRY_DIGEST_MISMATCH":
      return `Registry ${ctx.registry} rejected the content for ${ctx.operation} in ${where(ctx)}: it does not match its digest or size. The local copy is corrupt or changed while uploading; rebuild and push again.${said}`;
    case "REGISTRY_MANIFEST_INVALID":
      return `Registry ${ctx.registry} rejected the manifest (${ctx.operation} in ${where(ctx)}) as invalid or of an unsupported type.${said}`;
    case "REGISTRY_UNSUPPORTED":
      return `Registry ${ctx.registry} does not support ${ctx.operation} (HTTP ${status}).${said}`;
    case "REGISTRY_TOO_MANY_REQUESTS":
      return `Registry ${ctx.registry} is rate limiting requests (HTTP 429) for ${ctx.operation} in ${where(ctx)}, still after ${ctx.attempts ?? 1} attempts. Wait and retry, or log in for a higher limit.${said}`;
    case "REGISTRY_UNAVAILABLE":
      return `Registry ${ctx.registry} failed with HTTP ${status} for ${ctx.operation} in ${where(ctx)}, after ${ctx.attempts ?? 1} attempts. Try again later or check the registry's health.${said}`;
    case "IMAGE_REFERENCE_INVALID":
      return `Registry ${ctx.registry} rejected the repository name of ${where(ctx)} as invalid.${said}`;
    default:
      return `Registry ${ctx.registry} answered HTTP ${status} to ${ctx.operation} in ${where(ctx)}, which the OCI Distribution spec does not allow here.${said}`;
  }
}

function codeForStatus(status: number, ctx: RegistryErrorContext): ErrorCode {
  if (status === 401) return "REGISTRY_UNAUTHORIZED";
  if (status === 403) return "REGISTRY_DENIED";
  if (status === 404) return ctx.notFound ?? "REGISTRY_NAME_UNKNOWN";
  if (status === 405) return "REGISTRY_UNSUPPORTED";
  if (status === 429) return "REGISTRY_TOO_MANY_REQUESTS";
  if (status >= 500) return "REGISTRY_UNAVAILABLE";
  return "REGISTRY_PROTOCOL_ERROR";
}

/**
 * Converts a failed registry HTTP response into an EventFlowError. The registry's first
 * known `errors[].code` wins; otherwise the HTTP status decides. An `insufficient_scope`
 * challenge after a token exchange is REGISTRY_DENIED when credentials were sent.
 */
export function fromRegistryResponse(
  ctx: RegistryErrorContext,
  response: {
    status: number;
    body?: Uint8Array | string | undefined;
    challengeError?: string | undefined;
  },
): EventFlowError {
  const entries = parseRegistryErrors(response.body);
  const known = entries.find((e) => REGISTRY_CODES[e.code] !== undefined);
  let code: ErrorCode =
    known === undefined ? codeForStatus(response.status, ctx) : REGISTRY_CODES[known.code]!;
  if (
    code === "REGISTRY_UNAUTHORIZED" &&
    response.challengeError === "insufficient_scope" &&
    ctx.authenticated
  ) {
    code = "REGISTRY_DENIED";
  }
  if (code === "REGISTRY_DENIED" && !ctx.authenticated) code = "REGISTRY_UNAUTHORIZED";
  const remote = entries
    .map((e) => `${e.code}${e.message ? `: ${e.message}` : ""}`)
    .join("; ")
    .slice(0, 300);
  return new EventFlowError(code, messageFor(code, ctx, response.status, remote), {
    details: {
      registry: ctx.registry,
      repository: ctx.repository,
      status: response.status,
      ...(entries.length > 0
        ? { registryErrors: entries.map((e) => ({ code: e.code, message: e.message })) }
        : {}),
    },
  });
}

/** Converts a connection, DNS or TLS failure (undici `UND_ERR_*`, `ECONNREFUSED`, ...) into REGISTRY_UNREACHABLE. */
export function fromTransportError(
  ctx: RegistryErrorContext & { url?: string },
  error: unknown,
): EventFlowError {
  const code = transportErrorCode(error) ?? "UNKNOWN";
  const tls = TLS_CODES.has(code);
  const hint = tls
    ? `TLS failed (${code}): pass the registry's CA certificate (--ca), or --insecure for a test registry you trust.`
    : `${code}: check that the registry is running and that the host and port are right.`;
  const tries =
    ctx.attempts !== undefined && ctx.attempts > 1 ? ` after ${ctx.attempts} attempts` : "";
  return new EventFlowError(
    "REGISTRY_UNREACHABLE",
    `Cannot reach registry ${ctx.registry}${ctx.url === undefined ? "" : ` at ${ctx.url}`}${tries} (${ctx.operation}). ${hint}`,
    { cause: error, details: { registry: ctx.registry, repository: ctx.repository, cause: code } },
  );
}

/**
 * An upload whose own content failed (a local blob failing its digest check while it
 * streams) reaches the caller as REGISTRY_UNREACHABLE with the real error as `cause`: this
 * is the real one.
 */
export function sourceErrorOf(error: unknown): unknown {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  return isEventFlowError(cause) && cause.code === "REGISTRY_DIGEST_MISMATCH" ? cause : error;
}

/**
 * Converts a token server's refusal (distribution token flow): 401 is REGISTRY_UNAUTHORIZED
 * (bad credentials), 403 REGISTRY_DENIED, 5xx/429 REGISTRY_UNAVAILABLE, anything else
 * REGISTRY_PROTOCOL_ERROR.
 */
export function fromTokenResponse(
  ctx: {
    registry: string;
    realm: string;
    scopes: readonly string[];
    username?: string | undefined;
    attempts: number;
  },
  response: { status: number; body?: string },
): EventFlowError {
  const realm = new URL(ctx.realm);
  const server = `the token server ${realm.origin}${realm.pathname} of registry ${ctx.registry}`;
  const user = ctx.username === undefined ? "" : ` for user "${ctx.username}"`;
  const scopes = ctx.scopes.join(" ");
  const details = { registry: ctx.registry, realm: ctx.realm, status: response.status };
  if (response.status === 401) {
    const message = `${capitalise(server)} rejected the credentials${user} (${scopes}). Check the username and password: run "docker login ${ctx.registry}" or pass --username/--password.`;
    return new EventFlowError("REGISTRY_UNAUTHORIZED", message, { details });
  }
  if (response.status === 403) {
    const message = `${capitalise(server)} refused access${user} to ${scopes}. Use a repository you may access, or ask the registry's owner for access.`;
    return new EventFlowError("REGISTRY_DENIED", message, { details });
  }
  const code = isRetryableStatus(response.status)
    ? "REGISTRY_UNAVAILABLE"
    : "REGISTRY_PROTOCOL_ERROR";
  const message = `${capitalise(server)} answered HTTP ${response.status} after ${ctx.attempts} attempts. Try again later.`;
  return new EventFlowError(code, message, { details });
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
