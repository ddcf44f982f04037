/**
 * Named contexts (like kubectl's): each a controller URL and a token, in one JSON file in the
 * user's config directory, written atomically with mode 0600 (it holds tokens).
 */
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { EventFlowError } from "@eventflow/protocol";

/** One context: where the controller is and how to authenticate. */
export interface CliContext {
  readonly url: string;
  readonly token?: string | undefined;
  /** Admins: the tenant to act in. */
  readonly tenant?: string | undefined;
}

/** The config file's content. */
export interface CliConfigFile {
  readonly currentContext: string | undefined;
  readonly contexts: Readonly<Record<string, CliContext>>;
}

const EMPTY: CliConfigFile = { currentContext: undefined, contexts: {} };

function invalid(path: string, message: string): EventFlowError {
  return new EventFlowError("CONFIG_INVALID", `${path} is invalid: ${message}; fix or remove it`, {
    details: [{ path, message }],
  });
}

/** Validates the parsed file (pure). */
export function parseConfigFile(value: unknown, path: string): CliConfigFile {
  if (typeof value !== "object" || value === null) throw invalid(path, "not a JSON object");
  const { currentContext, contexts } = value as Record<string, unknown>;
  if (currentContext !== undefined && typeof currentContext !== "string")
    throw invalid(path, "currentContext must be a string");
  if (typeof contexts !== "object" || contexts === null) throw invalid(path, "contexts missing");
  const out: Record<string, CliContext> = {};
  for (const [name, raw] of Object.entries(contexts)) {
    const c = raw as Record<string, unknown>;
    if (typeof c?.url !== "string") throw invalid(path, `contexts.${name}.url must be a string`);
    if (c.token !== undefined && typeof c.token !== "string")
      throw invalid(path, `contexts.${name}.token must be a string`);
    out[name] = {
      url: c.url,
      ...(typeof c.token === "string" ? { token: c.token } : {}),
      ...(typeof c.tenant === "string" ? { tenant: c.tenant } : {}),
    };
  }
  return { currentContext, contexts: out };
}

/** Reads the config file; a missing file is an empty config. */
export async function readConfigFile(path: string): Promise<CliConfigFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return EMPTY;
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid(path, "not valid JSON");
  }
  return parseConfigFile(value, path);
}

/** Writes the config file atomically (temp file + rename), mode 0600 in a 0700 directory. */
export async function writeConfigFile(path: string, config: CliConfigFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, path);
}

/** The config with `name` set to `context` (and made current when `use`). */
export function withContext(
  config: CliConfigFile,
  name: string,
  context: CliContext,
  use = true,
): CliConfigFile {
  return {
    currentContext: use ? name : config.currentContext,
    contexts: { ...config.contexts, [name]: context },
  };
}

/** The config without `name`; the current context is cleared when it was that one. */
export function withoutContext(config: CliConfigFile, name: string): CliConfigFile {
  if (config.contexts[name] === undefined) throw contextNotFound(name);
  const contexts = { ...config.contexts };
  delete contexts[name];
  return {
    currentContext: config.currentContext === name ? undefined : config.currentContext,
    contexts,
  };
}

/** CLI_CONTEXT_NOT_FOUND for `name`. */
export function contextNotFound(name: string): EventFlowError {
  return new EventFlowError(
    "CLI_CONTEXT_NOT_FOUND",
    `no context named ${JSON.stringify(name)}; list them with \`eventflow context list\``,
  );
}

/** What the commands connect with, after flags, environment and file are combined. */
export interface ResolvedContext {
  readonly name: string | undefined;
  readonly url: string;
  readonly token: string | undefined;
  readonly tenant: string | undefined;
}

/** Picks the context: --context, EVENTFLOW_CONTEXT, the current one; --url/--token and EVENTFLOW_URL/TOKEN override. */
export function resolveContext(
  config: CliConfigFile,
  wanted: { context?: string; url?: string; token?: string },
): ResolvedContext {
  const name = wanted.context ?? config.currentContext;
  const context = name === undefined ? undefined : config.contexts[name];
  if (wanted.context !== undefined && context === undefined) throw contextNotFound(wanted.context);
  const url = wanted.url ?? context?.url;
  if (url === undefined) {
    throw new EventFlowError(
      "CLI_NOT_LOGGED_IN",
      "no controller configured: run `eventflow login --url URL --token TOKEN` (or set EVENTFLOW_URL and EVENTFLOW_TOKEN)",
    );
  }
  return {
    name,
    url,
    token: wanted.token ?? (wanted.url === undefined ? context?.token : undefined),
    tenant: context?.tenant,
  };
}
