/**
 * The table of EventFlow's stable error codes. Codes are never renamed or reused: add new
 * ones at the end of their area. docs/errors.md is generated from this table
 * (`npm run docs:errors`) and a test keeps the two in step.
 */

/** What the platform knows about one error code. */
export interface ErrorCodeInfo {
  /** HTTP status the code maps to on the wire. */
  readonly status: number;
  /** Whether the same request may succeed if retried later unchanged. */
  readonly retryable: boolean;
  /** Whether the message is shown to clients (otherwise a generic text is sent). */
  readonly expose: boolean;
  /** One line for docs/errors.md: what happened and what to do. */
  readonly description: string;
}

const c = (
  status: number,
  description: string,
  flags: { retryable?: boolean; expose?: boolean } = {},
): ErrorCodeInfo => ({
  status,
  description,
  retryable: flags.retryable ?? false,
  expose: flags.expose ?? status < 500,
});

/** Every stable error code with its status and flags. */
export const ERROR_CODES = {
  // Requests in general
  REQUEST_VALIDATION_FAILED: c(
    400,
    "The request body or parameters failed validation; `details` lists every problem by field.",
  ),
  REQUEST_MALFORMED_JSON: c(
    400,
    "The request body is not valid JSON for its `application/json` content type.",
  ),
  REQUEST_BODY_TOO_LARGE: c(413, "The request body exceeds the configured limit."),
  REQUEST_UNSUPPORTED_MEDIA_TYPE: c(
    415,
    "The request's content type is not accepted by this endpoint.",
  ),
  ROUTE_NOT_FOUND: c(404, "No route matches this path."),
  METHOD_NOT_ALLOWED: c(
    405,
    "The route exists but does not accept this method; see the `allow` header.",
  ),
  RATE_LIMITED: c(
    429,
    "Too many requests for this tenant or function; retry after the `retry-after` header.",
    { retryable: true },
  ),
  INTERNAL: c(
    500,
    "An unexpected platform error; the real error is in the server log under the request id.",
  ),
  CONFIG_INVALID: c(
    400,
    "A configuration file or environment variable is invalid; every problem is listed.",
  ),
  REQUEST_BODY_TIMEOUT: c(
    408,
    "The request body did not arrive completely within the controller's body timeout.",
  ),

  // Authentication and authorisation
  AUTH_TOKEN_MISSING: c(401, "No bearer token was sent."),
  AUTH_TOKEN_INVALID: c(
    401,
    "The token is malformed, has a bad signature, a forbidden algorithm or wrong issuer/audience.",
  ),
  AUTH_TOKEN_EXPIRED: c(401, "The token has expired or is not yet valid."),
  AUTH_FORBIDDEN: c(403, "The token's role does not allow this action."),
  AUTH_DEV_DISABLED: c(
    404,
    "Dev tokens are disabled on this controller (EVENTFLOW_DEV_AUTH is not true).",
  ),
  AUTH_PROVIDER_UNAVAILABLE: c(503, "The OIDC issuer or its JWKS could not be reached.", {
    retryable: true,
    expose: true,
  }),

  // Functions (control plane)
  FUNCTION_NOT_FOUND: c(404, "No function with this name exists in your tenant."),
  FUNCTION_ALREADY_EXISTS: c(409, "A function with this name already exists in your tenant."),
  FUNCTION_NOT_READY: c(
    503,
    "The function has no ready replica yet; retry after the `retry-after` header.",
    { retryable: true, expose: true },
  ),
  FUNCTION_AUTOSCALED: c(
    409,
    "The function's replica count is set by its autoscaler (scaling.metric concurrency or rps); change scaling.minReplicas and scaling.maxReplicas instead, or remove scaling to set replicas by hand.",
  ),
  FUNCTION_IMAGE_UNSUPPORTED: c(
    422,
    "The image was not built by EventFlow, so this driver cannot run it.",
  ),
  FUNCTION_IMAGE_NOT_FOUND: c(422, "The image could not be found in its registry or OCI layout."),
  FUNCTION_IMAGE_PULL_DENIED: c(
    422,
    "The registry refused the controller's credentials for the function's image (details.registryCode: REGISTRY_UNAUTHORIZED or REGISTRY_DENIED); fix the controller's registry auth file.",
  ),
  FUNCTION_CRASH_LOOP: c(503, "The function's replicas keep crashing; see its logs.", {
    retryable: true,
    expose: true,
  }),
  FUNCTION_IMAGE_UNSAFE: c(
    422,
    "The image's app layer was refused before it ran: an entry or link resolves outside app/ (through `..` or earlier links), a hard link names no file extracted before it, a name is too long, or the layer unpacks past the size or entry limits. Nothing of it was kept; rebuild the image with `eventflow build`.",
  ),

  // Invocations through the controller
  INVOKE_TIMEOUT: c(504, "The function did not answer within its timeoutSeconds.", {
    retryable: true,
    expose: true,
  }),
  INVOKE_UPSTREAM_UNREACHABLE: c(502, "The function's replica refused or dropped the connection.", {
    retryable: true,
    expose: true,
  }),

  // The function runtime (inside the container)
  RUNTIME_BODY_TOO_LARGE: c(
    413,
    "The request body exceeds EVENTFLOW_MAX_BODY_BYTES of the function runtime.",
  ),
  RUNTIME_INVALID_JSON: c(400, "The request declares JSON but its body does not parse."),
  RUNTIME_TIMEOUT: c(
    504,
    "The handler did not finish within EVENTFLOW_TIMEOUT_MS; its AbortSignal was fired.",
    { retryable: true, expose: true },
  ),
  RUNTIME_OVERLOADED: c(429, "The replica is at EVENTFLOW_MAX_CONCURRENCY in-flight invocations.", {
    retryable: true,
  }),
  RUNTIME_NOT_READY: c(503, "The runtime is initialising, draining or its readiness hook failed.", {
    retryable: true,
    expose: true,
  }),
  RUNTIME_HANDLER_FAILED: c(
    500,
    "The handler threw an error; the stack is in the function's log under the request id.",
  ),
  RUNTIME_RESERVED_PATH: c(404, "Unknown path under the runtime's reserved prefix /_eventflow/."),
  RUNTIME_REPLICA_KEY_INVALID: c(
    403,
    "The request to a local-driver replica lacks the key the controller sends (EVENTFLOW_REPLICA_KEY): only the controller's invoke router may call a replica, not another process on the machine.",
  ),
  CLOUDEVENT_INVALID: c(
    400,
    "The request looks like a CloudEvent but misses required attributes or is malformed.",
  ),
  CLOUDEVENT_REQUIRED: c(
    400,
    "This function handles CloudEvents only; send one in binary or structured mode.",
  ),
  CLOUDEVENT_BATCH_UNSUPPORTED: c(
    415,
    "Batched CloudEvents (application/cloudevents-batch+json) are not supported.",
  ),

  // Image references and registries (CLI, local driver)
  IMAGE_REFERENCE_INVALID: c(400, "The image reference does not follow the distribution grammar."),
  REGISTRY_UNREACHABLE: c(
    502,
    "The registry could not be reached (DNS, connection refused, TLS).",
    { retryable: true, expose: true },
  ),
  REGISTRY_UNAUTHORIZED: c(
    401,
    "The registry rejected the credentials; log in again or check the docker config.",
  ),
  REGISTRY_DENIED: c(403, "The credentials are valid but may not access this repository."),
  REGISTRY_NAME_UNKNOWN: c(404, "The repository does not exist in the registry."),
  REGISTRY_MANIFEST_UNKNOWN: c(404, "The tag or digest does not exist in the repository."),
  REGISTRY_BLOB_UNKNOWN: c(404, "A blob the manifest refers to does not exist in the registry."),
  REGISTRY_DIGEST_MISMATCH: c(502, "Uploaded or downloaded content does not match its digest.", {
    expose: true,
  }),
  REGISTRY_TOO_MANY_REQUESTS: c(
    429,
    "The registry is rate limiting; retried with backoff and still refused.",
    { retryable: true },
  ),
  REGISTRY_UNAVAILABLE: c(503, "The registry answered with a server error; retried with backoff.", {
    retryable: true,
    expose: true,
  }),
  REGISTRY_PROTOCOL_ERROR: c(
    502,
    "The registry answered in a way the OCI Distribution spec does not allow.",
    { expose: true },
  ),
  REGISTRY_MANIFEST_INVALID: c(
    400,
    "The registry rejected a manifest as invalid, or its media type or tag as unsupported.",
  ),
  REGISTRY_UNSUPPORTED: c(
    405,
    "The registry does not support this operation (e.g. deletes or cross-repository mounts disabled).",
  ),

  // Builds (CLI)
  BUILD_HANDLER_NOT_FOUND: c(
    400,
    "The handler entry named in eventflow.yaml or on the command line does not exist.",
  ),
  BUILD_BUNDLE_FAILED: c(
    400,
    "esbuild could not bundle the handler; the errors name files and lines.",
  ),
  BUILD_NATIVE_ADDON: c(
    400,
    "The handler depends on a native addon (.node file), which cannot be bundled.",
  ),
  BUILD_BASE_IMAGE_NOT_FOUND: c(
    400,
    "The base image could not be found in its registry or OCI layout.",
  ),
  BUILD_BASE_IMAGE_UNREACHABLE: c(
    502,
    "The registry of the base image (image.base, --base, or the default node image) could not be reached.",
    { retryable: true, expose: true },
  ),
  BUILD_OUTPUT_FAILED: c(
    500,
    "The image could not be written to the output directory or tarball.",
    { expose: true },
  ),
  BUILD_SOURCE_NOT_FOUND: c(
    400,
    "`eventflow push` found no built image with this name in the OCI layout; build it first.",
  ),
  CLI_USAGE: c(
    400,
    "The command line is invalid: unknown option, missing argument or flags that conflict.",
  ),
  INIT_TARGET_EXISTS: c(409, "`eventflow init` target directory exists and is not empty."),
  INIT_FAILED: c(500, "`eventflow init` could not write the project files.", { expose: true }),

  // The API client (@eventflow/sdk/client) and the CLI's control commands
  CLIENT_UNREACHABLE: c(
    503,
    "The controller could not be reached (connection refused, DNS, TLS); check the URL with `eventflow login` or `createClient({ url })`.",
    { retryable: true, expose: true },
  ),
  CLIENT_TIMEOUT: c(504, "The controller did not answer within the client's timeout.", {
    retryable: true,
    expose: true,
  }),
  CLIENT_BAD_RESPONSE: c(
    502,
    "The controller (or a proxy in front of it) answered with something that is not the API's JSON; check the URL.",
    { expose: true },
  ),
  CLIENT_WAIT_FAILED: c(
    503,
    "A function did not become ready: it failed (`details` has its last error) or the wait timed out.",
    { expose: true },
  ),
  CLI_NOT_LOGGED_IN: c(
    401,
    "No controller is configured: run `eventflow login --url URL --token TOKEN` or set EVENTFLOW_URL and EVENTFLOW_TOKEN.",
  ),
  CLI_CONTEXT_NOT_FOUND: c(
    404,
    "The named CLI context does not exist; see `eventflow context list`.",
  ),

  // Drivers
  DRIVER_UNAVAILABLE: c(
    503,
    "The function driver (local processes or Kubernetes) is not available.",
    { retryable: true, expose: true },
  ),
  KUBERNETES_UNREACHABLE: c(503, "The Kubernetes API server could not be reached.", {
    retryable: true,
    expose: true,
  }),
  KUBERNETES_FORBIDDEN: c(
    500,
    "The controller's service account lacks a permission; see the controller log.",
  ),
  KUBERNETES_CONFLICT: c(409, "The Kubernetes object changed concurrently; retry.", {
    retryable: true,
  }),
  KUBERNETES_INVALID: c(
    422,
    "The Kubernetes API server rejected an object as invalid; `details` lists its field causes.",
  ),
  KUBERNETES_QUOTA_EXCEEDED: c(
    403,
    "The tenant's ResourceQuota does not admit this function's pods or objects.",
  ),
  FUNCTION_UNSCHEDULABLE: c(
    503,
    "No node can run the function's pods (resources, taints); the scheduler's reason is shown.",
    { retryable: true, expose: true },
  ),
  FUNCTION_REPLICA_RESTARTED: c(
    503,
    "Only in a function's status (`last_error`), never a response: a replica's container exited and was restarted; the message names the replica, its restart count and last exit code (137: killed).",
    { retryable: true, expose: true },
  ),
  FUNCTION_STATE_INVALID: c(
    500,
    "Only in a function's status (`last_error`), never a response: the local driver's stored row of this function is damaged or fails the API's spec schema, so it was not started (the message names the database and the problem). The other functions are served; replace it with `PUT` or delete it.",
    { expose: true },
  ),
  LOCAL_STORE_DAMAGED: c(
    500,
    "The local driver's database failed SQLite's integrity check (or is not a database), so the controller did not start; the message names the file. Restore the newest copy from `<dataDir>/backup/` (docs/local-driver.md, Backups and restore).",
  ),
  LOCAL_REPLICA_USER_UNUSABLE: c(
    500,
    "The controller runs as root and starts replicas as per-tenant users, but those users cannot reach something a replica needs (the Node binary under a directory they may not traverse, such as /root), so the controller did not start; the message names the path. Use a Node outside such a directory, or bubblewrap (EVENTFLOW_LOCAL_SANDBOX=bwrap), which mounts it.",
  ),
  LOCAL_STORE_MISSING: c(
    500,
    "The local driver's database is new or was emptied, but the data directory shows earlier state (an app cache or replica pid files), so the controller did not start rather than serve nothing. Restore from `<dataDir>/backup/`, or set `EVENTFLOW_ALLOW_EMPTY_STORE=true` once to start empty.",
  ),
  LOCAL_STORE_FAILED: c(
    503,
    "A read or write of the local driver's database failed while the controller ran (a full disk, an I/O error, a page damaged since start); the request changed nothing. The logged message names the file and SQLite's error: free space and retry, or stop the controller and restore from `<dataDir>/backup/` (docs/local-driver.md, Backups and restore).",
    { retryable: true },
  ),
  LOCAL_SECRET_KEY_INVALID: c(
    500,
    "The local driver's secret key file (which seals secret values at rest) is missing while sealed values exist, empty, damaged, not a regular file, or readable by other users, so the controller did not start; the message names the file and the problem. It is never replaced, as a new key would make every stored secret unreadable: restore it from your backup, or `chmod 600` it.",
  ),
  LOCAL_SECRET_UNREADABLE: c(
    500,
    "A stored secret value did not open: it was sealed with another key (the message names both key ids) or is damaged. Restore the key file it was sealed with, or set the secret again.",
  ),

  // Secrets
  SECRET_NOT_FOUND: c(404, "No secret with this name exists in your tenant."),
  SECRET_ALREADY_EXISTS: c(
    409,
    "A secret with this name already exists in your tenant; `PUT /v1/secrets/{name}` (`eventflow secret update`) replaces its keys.",
  ),
  SECRET_LIMIT_REACHED: c(
    409,
    "Your tenant has as many secrets as this controller allows (`EVENTFLOW_MAX_SECRETS`, details.limit); delete one it no longer needs, or ask the operator for a higher limit.",
  ),
  SECRET_IN_USE: c(
    409,
    "The secret is used by functions (`details.functions` names them): a delete is refused unless `?force=true` (those functions then fail to start until it exists again); an update is refused when it drops keys (`details.keys`) that they name in their `keys`. Change their specs first.",
  ),
  FUNCTION_SECRET_MISSING: c(
    422,
    "The spec names a secret, or a key of one, that does not exist in the function's tenant (`details` names it); nothing was rolled out. Create it with `eventflow secret create` first.",
  ),
  SECRET_NOT_MOUNTED: c(
    500,
    "A function read a secret file (`readSecret` of @eventflow/sdk/secrets) that is not there: its spec does not list the secret under `secrets` with `mount: files`, or not that key. The message names the path, never a value.",
  ),
  SECRET_REF_INVALID: c(
    400,
    "`readSecret` was given a name or key no secret can have (names are DNS labels, keys `[-._a-zA-Z0-9]+` and not `.` or `..`), so it cannot reach outside the secrets directory.",
  ),

  // Function HTTP endpoints
  FUNCTION_ENDPOINT_FORBIDDEN: c(
    403,
    "A CORS request from an origin the function's `cors.allowOrigins` does not list, or a preflight for a method or header it does not allow.",
  ),

  // Asynchronous invocations
  INVOCATION_NOT_FOUND: c(
    404,
    "No asynchronous invocation with this id exists in your tenant (or its record outlived its TTL).",
  ),
  ASYNC_UNAVAILABLE: c(
    503,
    "The asynchronous invocation queue cannot be reached (NATS JetStream down or not configured); retry later.",
    { retryable: true },
  ),
  TRIGGER_NATS_UNAVAILABLE: c(
    400,
    "The spec has a `nats` trigger but this controller is not connected to NATS (`EVENTFLOW_NATS_URL` unset): remove the trigger or configure NATS.",
  ),
  ASYNC_DELIVERY_LOST: c(
    502,
    "Recorded on an attempt whose worker stopped (crashed, killed) before the function answered; the invocation was delivered again and the lost attempt counts against maxAttempts.",
    { retryable: true },
  ),
  INVOCATION_FAILED: c(
    422,
    "`eventflow invoke --async --wait` (or a client waiting on an invocation): it ended failed or dead; `eventflow invocations get ID` shows its attempts and result.",
  ),
  // Revisions, traffic and rollouts
  REVISION_NAME_INVALID: c(
    400,
    "A revision is named `<function>-<number>` with the number padded to five digits (`hello-00004`); this name is not one (`hello-4` is written `hello-00004`), or names another function's revision.",
  ),
  REVISION_NOT_FOUND: c(
    404,
    "The function has no revision of this number (`details` lists the traffic targets that name one): it was never made, or `revisionHistoryLimit` pruned it.",
  ),
  TRAFFIC_INVALID: c(
    400,
    "The function's `traffic` breaks a rule (`details` lists every problem by field): each target names one of `revision` or `latestRevision: true`, percents are whole numbers adding up to 100 (0 only on a target with a tag), tags are DNS labels used once.",
  ),
  ROLLOUT_INVALID: c(
    400,
    "The function's `rollout` breaks a rule (`details` lists every problem by field): `steps` are ascending whole percents ending with 100, `intervalSeconds` and `maxP95Ms` whole numbers of at least 1, `maxErrorRate` a fraction from 0 to 1.",
  ),
  TRAFFIC_TAG_NOT_FOUND: c(
    404,
    "The invoke's `X-EventFlow-Tag` names no tag of the function's `traffic`: `eventflow traffic NAME` lists its tags (a tag is set with `eventflow traffic NAME --tag canary=4`).",
  ),
  REVISION_NO_PREVIOUS: c(
    409,
    "A rollback without `to` goes to the revision before the current one, and the function has none (it was never changed since it was created, or `revisionHistoryLimit` is 1): name the revision with `to`, or deploy the spec wanted.",
  ),
} as const satisfies Record<string, ErrorCodeInfo>;

/** A stable EventFlow error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Whether `value` is one of the stable error codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ERROR_CODES, value);
}
