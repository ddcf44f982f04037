import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { EventFlowError } from "@eventflow/protocol";
import { DOCKER_HUB } from "@eventflow/protocol";

/** Credentials for one registry: a username and password, or an OAuth2 identity (refresh) token. */
export type Credentials =
  | { readonly username: string; readonly password: string }
  | { readonly identityToken: string; readonly username?: string };

/** Looks up credentials for a registry host (`docker.io`, `127.0.0.1:5000`). */
export interface CredentialSource {
  /** Credentials for `registry`, or `undefined` to go anonymous. */
  get(registry: string): Promise<Credentials | undefined>;
}

/** The server URL docker uses for Docker Hub in its config and credential helpers. */
const DOCKER_HUB_SERVER = "https://index.docker.io/v1/";
const HUB_ALIASES = [DOCKER_HUB, "index.docker.io", "registry-1.docker.io"];

/** Whether `value` is a {@link CredentialSource} rather than plain {@link Credentials}. */
export function isCredentialSource(value: unknown): value is CredentialSource {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { get?: unknown }).get === "function"
  );
}

/**
 * Fixed credentials (e.g. from `--username/--password` or EVENTFLOW_REGISTRY_USERNAME /
 * _PASSWORD, parsed by the caller), for every registry or only the ones listed.
 */
export function staticCredentials(
  credentials: Credentials,
  options: { registries?: readonly string[] } = {},
): CredentialSource {
  const only = options.registries === undefined ? undefined : new Set(options.registries);
  return {
    get: async (registry) => (only === undefined || only.has(registry) ? credentials : undefined),
  };
}

/** The first source that has credentials for a registry wins. */
export function chainCredentials(
  ...sources: readonly (CredentialSource | undefined)[]
): CredentialSource {
  return {
    async get(registry) {
      for (const source of sources) {
        const found = await source?.get(registry);
        if (found !== undefined) return found;
      }
      return undefined;
    },
  };
}

/** The docker config directory: `$DOCKER_CONFIG`, else `~/.docker`. */
export function dockerConfigDir(
  options: { env?: Readonly<Record<string, string | undefined>>; homeDir?: string } = {},
): string {
  const fromEnv = options.env?.DOCKER_CONFIG;
  return fromEnv !== undefined && fromEnv !== ""
    ? fromEnv
    : join(options.homeDir ?? homedir(), ".docker");
}

/** One `auths` entry of a docker/podman auth file. */
export interface DockerAuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

/** A parsed docker `config.json` or podman `auth.json`. */
export interface DockerConfigFile {
  auths?: Record<string, DockerAuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** The host part of a docker config key (`https://host:5000/v1/` is `host:5000`). */
export function configKeyHost(key: string): string {
  const noScheme = key.replace(/^[a-z]+:\/\//i, "");
  const slash = noScheme.indexOf("/");
  return slash === -1 ? noScheme : noScheme.slice(0, slash);
}

function hostsFor(registry: string): string[] {
  return HUB_ALIASES.includes(registry) ? HUB_ALIASES : [registry];
}

function findKey<T>(table: Record<string, T> | undefined, registry: string): T | undefined {
  if (table === undefined) return undefined;
  const hosts = hostsFor(registry);
  for (const [key, value] of Object.entries(table)) {
    if (hosts.includes(configKeyHost(key))) return value;
  }
  return undefined;
}

function configError(path: string, why: string, cause?: unknown): EventFlowError {
  return new EventFlowError("CONFIG_INVALID", `Docker config ${path}: ${why}.`, {
    cause,
    details: { path },
  });
}

function fromAuthEntry(
  entry: DockerAuthEntry,
  invalid: (why: string) => Error,
  key: string,
): Credentials | undefined {
  if (entry.identitytoken)
    return {
      identityToken: entry.identitytoken,
      ...(entry.username ? { username: entry.username } : {}),
    };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon <= 0) throw invalid(`auths["${key}"].auth is not base64 of "user:password"`);
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (entry.username && entry.password)
    return { username: entry.username, password: entry.password };
  return undefined;
}

/** Options for {@link dockerConfigCredentials}. */
export interface DockerConfigCredentialOptions {
  /** The directory holding config.json; default {@link dockerConfigDir} of `env`. */
  readonly configDir?: string;
  /** Environment for DOCKER_CONFIG and for credential helpers (PATH); default: the process's. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Home directory when DOCKER_CONFIG is unset; default `os.homedir()`. */
  readonly homeDir?: string;
  /** Kill a credential helper after this long (default 10 s). */
  readonly helperTimeoutMs?: number;
}

/**
 * Credentials from the docker config (`config.json`): `credHelpers[host]` first, then
 * `auths` (base64 `auth`, `identitytoken`), then `credsStore`, each helper run as
 * `docker-credential-<name> get`. A missing config file means "anonymous".
 */
export function dockerConfigCredentials(
  options: DockerConfigCredentialOptions = {},
): CredentialSource {
  const dir = options.configDir ?? dockerConfigDir(options);
  const path = join(dir, "config.json");
  let loaded: Promise<DockerConfigFile> | undefined;
  const load = (): Promise<DockerConfigFile> =>
    (loaded ??= readFile(path, "utf8").then(
      (text) => {
        try {
          const parsed = JSON.parse(text) as unknown;
          if (typeof parsed !== "object" || parsed === null) throw new Error("not an object");
          return parsed as DockerConfigFile;
        } catch (error) {
          throw configError(path, "is not valid JSON", error);
        }
      },
      (error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return {};
        throw configError(path, `cannot be read (${error.code ?? error.message})`, error);
      },
    ));
  const invalid = (why: string) => configError(path, why);
  return {
    get: async (registry) =>
      credentialsFromDockerConfig(await load(), registry, { ...options, invalid }),
  };
}

/** Options of {@link credentialsFromDockerConfig}. */
export interface DockerConfigLookupOptions {
  /** Environment for credential helpers (PATH); default: the process's. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Kill a credential helper after this long (default 10 s). */
  readonly helperTimeoutMs?: number;
  /** The error for a malformed entry (the caller names the file; never its content). */
  readonly invalid: (why: string) => Error;
}

/**
 * Credentials for `registry` from a parsed docker/podman auth file, the way docker resolves
 * them: `credHelpers[host]` first, then `auths[host]` (base64 `auth`, `identitytoken`,
 * username/password), then `credsStore`; helpers run as `docker-credential-<name> get`.
 */
export async function credentialsFromDockerConfig(
  config: DockerConfigFile,
  registry: string,
  options: DockerConfigLookupOptions,
): Promise<Credentials | undefined> {
  const serverUrl = HUB_ALIASES.includes(registry) ? DOCKER_HUB_SERVER : registry;
  const helper = findKey(config.credHelpers, registry);
  if (helper) return runCredentialHelper(helper, serverUrl, options);
  const entry = findKey(config.auths, registry);
  const fromEntry =
    entry === undefined ? undefined : fromAuthEntry(entry, options.invalid, registry);
  if (fromEntry !== undefined) return fromEntry;
  if (config.credsStore) return runCredentialHelper(config.credsStore, serverUrl, options);
  return undefined;
}

/** Bytes a credential helper may print (stdout and stderr together). */
const MAX_HELPER_OUTPUT = 1024 * 1024;

/**
 * Runs `docker-credential-<name> get` with the server URL on stdin. "Not found" answers
 * (non-zero exit mentioning it) give `undefined`; other failures are CONFIG_INVALID.
 */
export function runCredentialHelper(
  name: string,
  serverUrl: string,
  options: { env?: Readonly<Record<string, string | undefined>>; helperTimeoutMs?: number } = {},
): Promise<Credentials | undefined> {
  const program = `docker-credential-${name}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, ["get"], {
      stdio: ["pipe", "pipe", "pipe"],
      timeout: options.helperTimeoutMs ?? 10_000,
      ...(options.env === undefined ? {} : { env: options.env as NodeJS.ProcessEnv }),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    // A helper's answer is a few hundred bytes: one printing without end is stopped, not buffered.
    let printed = 0;
    let overflowed = false;
    const collect = (into: Buffer[]) => (c: Buffer) => {
      printed += c.length;
      if (printed <= MAX_HELPER_OUTPUT) return void into.push(c);
      if (overflowed) return;
      overflowed = true;
      child.kill("SIGKILL");
      reject(
        new EventFlowError(
          "CONFIG_INVALID",
          `Credential helper ${program} printed more than ${MAX_HELPER_OUTPUT} bytes for ${serverUrl}; it was stopped.`,
        ),
      );
    };
    child.stdout.on("data", collect(out));
    child.stderr.on("data", collect(err));
    child.on("error", (error: NodeJS.ErrnoException) =>
      reject(
        new EventFlowError(
          "CONFIG_INVALID",
          `Credential helper ${program} could not be run (${error.code ?? error.message}): install it or remove it from the docker config.`,
          { cause: error },
        ),
      ),
    );
    child.on("close", (code) => {
      if (overflowed) return;
      const stdout = Buffer.concat(out).toString("utf8").trim();
      if (code !== 0) {
        const text = `${stdout} ${Buffer.concat(err).toString("utf8")}`.trim();
        if (/not found|no credentials/i.test(text)) return resolve(undefined);
        return reject(
          new EventFlowError(
            "CONFIG_INVALID",
            `Credential helper ${program} failed (exit ${code}) for ${serverUrl}: ${text.slice(0, 200)}`,
          ),
        );
      }
      try {
        const parsed = JSON.parse(stdout) as { Username?: unknown; Secret?: unknown };
        if (typeof parsed.Secret !== "string" || typeof parsed.Username !== "string")
          throw new Error("missing Username/Secret");
        resolve(
          parsed.Username === "<token>"
            ? { identityToken: parsed.Secret }
            : { username: parsed.Username, password: parsed.Secret },
        );
      } catch (error) {
        reject(
          new EventFlowError(
            "CONFIG_INVALID",
            `Credential helper ${program} printed no valid JSON credentials.`,
            { cause: error },
          ),
        );
      }
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(serverUrl);
  });
}
