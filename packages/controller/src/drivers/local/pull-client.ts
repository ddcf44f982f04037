import { EventFlowError, isErrorCode, isEventFlowError } from "@eventflow/protocol";
import {
  createRegistryClient,
  isCredentialSource,
  staticCredentials,
  type CredentialSource,
  type RegistryClient,
  type RegistryClientOptions,
} from "@eventflow/registry";

/** One pull's registry client, and whether any credentials were found for it. */
export interface PullSession {
  readonly client: RegistryClient;
  /** Whether the credential source had credentials for a registry this pull asked about. */
  credentialsFound(): boolean;
  close(): Promise<void>;
}

/**
 * Opens a fresh client per pull: the registry client looks credentials up once per registry
 * for its lifetime, and a pull must see the auth file as it is now (after `docker login`).
 */
export function createPullSessions(options: RegistryClientOptions = {}): () => PullSession {
  const source: CredentialSource | undefined =
    options.credentials === undefined || isCredentialSource(options.credentials)
      ? options.credentials
      : staticCredentials(options.credentials);
  return () => {
    let found = false;
    const credentials: CredentialSource | undefined = source && {
      async get(registry) {
        const c = await source.get(registry);
        if (c !== undefined) found = true;
        return c;
      },
    };
    const client = createRegistryClient({
      ...options,
      ...(credentials === undefined ? {} : { credentials }),
    });
    return { client, credentialsFound: () => found, close: () => client.close() };
  };
}

/** Registry answers that mean "the controller's credentials cannot pull this image". */
const CREDENTIAL_CODES = new Set(["REGISTRY_UNAUTHORIZED", "REGISTRY_DENIED"]);

/**
 * On the controller's own API a 401 or 403 would say the caller's token is bad (the
 * dashboard signs out on 401); a pull refused by the registry is the request's image
 * problem, so it gets its own code (422, like FUNCTION_IMAGE_NOT_FOUND) with the registry's
 * code in `details.registryCode`, and every code keeps the one status docs/errors.md gives it.
 */
const PULL_DENIED = "FUNCTION_IMAGE_PULL_DENIED";

/** Whether `code` is a refusal of the controller's credentials (the registry's or ours). */
export function isCredentialErrorCode(code: string): boolean {
  return code === PULL_DENIED || CREDENTIAL_CODES.has(code);
}

/** A pull worth trying again later: credentials may be fixed, a registry may come back. */
export function isRetryablePullError(error: unknown): boolean {
  return isEventFlowError(error) && (isCredentialErrorCode(error.code) || error.retryable);
}

function pullMessage(code: string, image: string, registry: string, found: boolean): string {
  const where = "the controller's registry auth file (EVENTFLOW_REGISTRY_AUTH_FILE)";
  if (code === "REGISTRY_DENIED")
    return `${image}: the controller's credentials for ${registry} may not pull this repository; use credentials with pull access in ${where}`;
  return found
    ? `${image}: registry ${registry} rejected the controller's credentials; fix them in ${where}, then deploy again`
    : `${image}: registry ${registry} requires credentials and the controller has none for it; add them to ${where} (docker login writes the default one), then deploy again`;
}

/**
 * Converts a registry's refusal of credentials during a pull into FUNCTION_IMAGE_PULL_DENIED
 * with a message for the function's owner (no CLI flags, no secrets); other errors pass.
 */
export function toPullError(error: unknown, image: string, credentialsFound: boolean): unknown {
  if (!isEventFlowError(error) || !CREDENTIAL_CODES.has(error.code)) return error;
  const details = (error.details ?? {}) as { registry?: string; repository?: string };
  const registry = details.registry ?? "the registry";
  return new EventFlowError(
    PULL_DENIED,
    pullMessage(error.code, image, registry, credentialsFound),
    {
      cause: error,
      details: {
        registryCode: error.code,
        image,
        registry: details.registry,
        repository: details.repository,
        credentials: credentialsFound,
      },
    },
  );
}

/** The error an invoke of a function whose image failed gets: its last error's code. */
export function imageFailure(lastError: { code: string; message: string }): EventFlowError {
  const code = isErrorCode(lastError.code) ? lastError.code : "INTERNAL";
  return new EventFlowError(code, lastError.message);
}
