/** What to do next, per error code: printed under the error by every command. */
const HINTS: Readonly<Record<string, string>> = {
  CLIENT_UNREACHABLE:
    "check the URL (`eventflow context current`) and that the controller is running; `eventflow login --url URL` to change it",
  CLIENT_TIMEOUT: "the controller is slow or overloaded; retry, or check its logs",
  CLIENT_BAD_RESPONSE: "the URL may point at something other than the controller's API",
  CLIENT_WAIT_FAILED: "see what the function printed with `eventflow logs NAME --tail 50`",
  CLI_NOT_LOGGED_IN: "run `eventflow login --url URL --token TOKEN`",
  CLI_CONTEXT_NOT_FOUND: "list contexts with `eventflow context list`",
  AUTH_TOKEN_MISSING: "log in with `eventflow login --url URL --token TOKEN`",
  AUTH_TOKEN_EXPIRED: "your token expired: log in again with `eventflow login`",
  AUTH_TOKEN_INVALID: "the token was not accepted: log in again with `eventflow login`",
  AUTH_PROVIDER_UNAVAILABLE:
    "the OIDC issuer could not be reached or refused; retry, or log in with --token",
  AUTH_DEV_DISABLED: "this controller has no dev tokens: log in with --token TOKEN",
  AUTH_FORBIDDEN: "your role does not allow this; ask for a developer token",
  FUNCTION_NOT_FOUND: "list your functions with `eventflow list`",
  FUNCTION_ALREADY_EXISTS: "update it with `eventflow deploy`, or pick another name",
  FUNCTION_NOT_READY: "wait for it with `eventflow get NAME`, then retry",
  FUNCTION_CRASH_LOOP: "see why with `eventflow logs NAME --tail 50`",
  FUNCTION_IMAGE_NOT_FOUND: "check the image reference, or deploy with `eventflow deploy`",
  INVOKE_TIMEOUT: "the function took longer than its timeoutSeconds",
  TRAFFIC_TAG_NOT_FOUND: "list the function's tags with `eventflow traffic NAME`",
  REVISION_NOT_FOUND: "list the revisions kept with `eventflow revisions NAME`",
  SECRET_NOT_FOUND: "list your secrets with `eventflow secret list`",
  SECRET_ALREADY_EXISTS: "replace its keys with `eventflow secret update NAME --from-...`",
  FUNCTION_SECRET_MISSING:
    "create the secret (or add the key) with `eventflow secret create|update`; see `eventflow secret list`",
  CONFIG_INVALID: "fix the listed fields and run the command again",
  CLI_USAGE: "see `eventflow help COMMAND`",
  REGISTRY_UNREACHABLE: "check --registry and that the registry is running",
  REGISTRY_UNAUTHORIZED:
    "log in to the registry (docker login) or pass --username/--password-stdin",
  BUILD_HANDLER_NOT_FOUND: "check `handler` in eventflow.yaml",
  BUILD_BASE_IMAGE_NOT_FOUND: "pass --base REF (or --base scratch for the local driver)",
  BUILD_BASE_IMAGE_UNREACHABLE:
    "set image.base in eventflow.yaml or pass --base: an image in a registry you can reach, oci:DIR (an OCI layout on disk), or scratch (no Node inside: runs only on the local driver)",
};

/**
 * The next step for an error code, if there is a useful one, with the function's name in
 * place of `NAME` when the error says which function it is about.
 */
export function hintFor(code: string, name?: string): string | undefined {
  const hint = HINTS[code];
  return hint === undefined || name === undefined ? hint : hint.replaceAll("NAME", name);
}

/** The function an error is about: `details.name` (CLIENT_WAIT_FAILED carries it). */
export function functionNameOf(details: unknown): string | undefined {
  if (typeof details !== "object" || details === null || Array.isArray(details)) return undefined;
  const name = (details as { name?: unknown }).name;
  return typeof name === "string" && name !== "" ? name : undefined;
}
