import { readFile } from "node:fs/promises";
import { EventFlowError } from "@eventflow/protocol";
import {
  DOCKER_HUB,
  configKeyHost,
  runCredentialHelper,
  type CredentialSource,
  type Credentials,
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

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface AuthFile {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** docker's config key for Docker Hub, and the hosts that mean Docker Hub in a reference. */
const HUB_SERVER = "https://index.docker.io/v1/";
const HUB_HOSTS = [DOCKER_HUB, "index.docker.io", "registry-1.docker.io"];

function invalid(path: string, why: string, cause?: unknown): EventFlowError {
  // The path is safe to show; the file's content never goes into a message.
  return new EventFlowError("CONFIG_INVALID", `registry auth file ${path} ${why}`, {
    cause,
    details: [{ path: "EVENTFLOW_REGISTRY_AUTH_FILE", message: why }],
  });
}

function lookup<T>(table: Record<string, T> | undefined, registry: string): T | undefined {
  const hosts = HUB_HOSTS.includes(registry) ? HUB_HOSTS : [registry];
  for (const [key, value] of Object.entries(table ?? {}))
    if (hosts.includes(configKeyHost(key))) return value;
  return undefined;
}

function fromEntry(entry: AuthEntry, path: string): Credentials | undefined {
  if (entry.identitytoken)
    return {
      identityToken: entry.identitytoken,
      ...(entry.username ? { username: entry.username } : {}),
    };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon <= 0) throw invalid(path, 'has an "auth" that is not base64 of user:password');
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (entry.username && entry.password)
    return { username: entry.username, password: entry.password };
  return undefined;
}

async function load(options: AuthFileOptions): Promise<AuthFile> {
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
    return parsed as AuthFile;
  } catch (error) {
    throw invalid(options.path, "is not a JSON object", error);
  }
}

/**
 * Registry credentials from a docker/podman-style auth file, read again on every lookup so
 * that `docker login` or a rotated Secret takes effect without restarting the controller.
 * Per registry: `credHelpers[host]`, then `auths[host]` (base64 `auth`, `identitytoken`,
 * username/password), then `credsStore`; helpers run as `docker-credential-<name> get`.
 */
export function authFileCredentials(options: AuthFileOptions): CredentialSource {
  const helperOptions = {
    ...(options.helperTimeoutMs === undefined ? {} : { helperTimeoutMs: options.helperTimeoutMs }),
    ...(options.env === undefined ? {} : { env: options.env }),
  };
  return {
    async get(registry) {
      const file = await load(options);
      const serverUrl = HUB_HOSTS.includes(registry) ? HUB_SERVER : registry;
      const helper = lookup(file.credHelpers, registry);
      if (helper) return runCredentialHelper(helper, serverUrl, helperOptions);
      const entry = lookup(file.auths, registry);
      const found = entry === undefined ? undefined : fromEntry(entry, options.path);
      if (found !== undefined) return found;
      if (file.credsStore) return runCredentialHelper(file.credsStore, serverUrl, helperOptions);
      return undefined;
    },
  };
}
