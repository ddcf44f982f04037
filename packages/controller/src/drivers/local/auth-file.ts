import { readFile } from "node:fs/promises";
import { EventFlowError } from "@eventflow/protocol";
import {
  credentialsFromDockerConfig,
  type CredentialSource,
  type DockerConfigFile,
} from "@eventflow/registry";

/** Options of {@link authFileCredentials}. */
export interface AuthFileOptions {
  /** A docker `config.json` or podman `auth.json` (any file name, e.g. a mounted Secret). */
  readonly path: string;
  /** A missing file is an error (it was configured), not "anonymous". */
  readonly required: boolean;
  /** Kill a credential helper after this long (default 10 s). */
  readonly helperTimeoutMs?: number;
  /** Environment of credential helpers (PATH, HOME); default the controller's. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

function invalid(path: string, why: string, cause?: unknown): EventFlowError {
  // The path is safe to show; the file's content never goes into a message.
  return new EventFlowError("CONFIG_INVALID", `registry auth file ${path} ${why}`, {
    cause,
    details: [{ path: "EVENTFLOW_REGISTRY_AUTH_FILE", message: why }],
  });
}

async function load(options: AuthFileOptions): Promise<DockerConfigFile> {
  let text: string;
  try {
    text = await readFile(options.path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && !options.required) return {};
    throw invalid(options.path, `cannot be read (${code ?? "error"})`, error);
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw new Error("not an object");
    return parsed as DockerConfigFile;
  } catch (error) {
    throw invalid(options.path, "is not a JSON object", error);
  }
}

/**
 * Registry credentials from a docker/podman-style auth file, read again on every lookup so
 * that `docker login` or a rotated Secret takes effect without restarting the controller.
 * The lookup itself is docker's (credHelpers, auths, credsStore), shared with the CLI.
 */
export function authFileCredentials(options: AuthFileOptions): CredentialSource {
  const lookup = {
    ...(options.helperTimeoutMs === undefined ? {} : { helperTimeoutMs: options.helperTimeoutMs }),
    ...(options.env === undefined ? {} : { env: options.env }),
    invalid: (why: string) => invalid(options.path, why),
  };
  return {
    get: async (registry) => credentialsFromDockerConfig(await load(options), registry, lookup),
  };
}
