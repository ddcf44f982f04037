/**
 * The other lifecycle hooks: invoke (remote, async and local), info, remove and package. Each
 * is a plain function of the session, so tests can call it without a framework.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { EventFlowError } from "@eventflow/protocol";
import { invoke as invokeInProcess } from "@eventflow/sdk/testing";
import { buildAndWrite, resolveHandlerFile } from "./build-images.js";
import { currentOf, formatEndpoints } from "./deploy.js";
import type { FrameworkOptions } from "./framework.js";
import { tenantOf, type Session } from "./session.js";

/** A function answered with an error status (its body was printed). */
export class FunctionStatusError extends Error {
  override readonly name = "FunctionStatusError";
  constructor(
    readonly key: string,
    readonly status: number,
  ) {
    super(`${key} answered ${status}`);
  }
}

/** `--data TEXT` or `--path FILE`: JSON when it parses as JSON (unless `--raw`), else text. */
export async function readInvokeInput(session: Session): Promise<unknown> {
  const { data, path, raw } = session.options;
  if (data !== undefined && path !== undefined)
    throw new EventFlowError("CLI_USAGE", "give --data or --path, not both");
  const text =
    typeof path === "string"
      ? await readFile(resolve(session.serviceDir, path), "utf8")
      : typeof data === "string"
        ? data
        : undefined;
  if (text === undefined || raw === true) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const asBody = (value: unknown) =>
  value === undefined ? {} : typeof value === "string" ? { text: value } : { json: value };

/** AWS options of `invoke` and `invoke local` that have no EventFlow meaning. */
const IGNORED_INVOKE_OPTIONS = [
  "log",
  "qualifier",
  "context",
  "contextPath",
  "docker",
  "docker-arg",
];

/** Warns, naming each, about the framework's options this command does not read. */
function warnIgnoredOptions(session: Session, names: readonly string[]): void {
  for (const name of names)
    if (session.options[name] !== undefined)
      session.io.log.warning(`--${name}: not supported by EventFlow; ignored`);
}

/** `invoke -f NAME [--data|--path] [--async | --type Event]`. */
export async function invokeRemote(session: Session): Promise<void> {
  const fn = session.target();
  warnIgnoredOptions(session, IGNORED_INVOKE_OPTIONS);
  const { type } = session.options;
  if (type !== undefined && type !== "RequestResponse" && type !== "Event")
    throw new EventFlowError(
      "CLI_USAGE",
      `--type ${String(type)}: EventFlow invokes RequestResponse (the default) or Event (--async); it has no dry run`,
    );
  const input = await readInvokeInput(session);
  const connection = await session.connect();
  const tenant = tenantOf(session, connection);
  const async = session.options.async === true || session.options.type === "Event";
  if (async) {
    const accepted = await connection.client.invocations.enqueue(fn.name, {
      ...asBody(input),
      tenant,
    });
    session.io.writeText(JSON.stringify(accepted, null, 2));
    return;
  }
  const result = await connection.client.invoke(fn.name, { ...asBody(input), tenant });
  session.io.writeText(result.text());
  if (result.status >= 400) throw new FunctionStatusError(fn.key, result.status);
}

/** `--env KEY=VALUE` of `invoke local` (repeatable) as variables; another form is CLI_USAGE. */
export function parseEnvOverrides(value: FrameworkOptions[string]): Record<string, string> {
  const items = value === undefined ? [] : typeof value === "string" ? [value] : value;
  if (typeof items === "boolean")
    throw new EventFlowError("CLI_USAGE", "--env takes KEY=VALUE, e.g. --env GREETING=hi");
  const env: Record<string, string> = {};
  for (const item of items) {
    const at = item.indexOf("=");
    if (at < 1)
      throw new EventFlowError("CLI_USAGE", `--env takes KEY=VALUE, got ${JSON.stringify(item)}`);
    env[item.slice(0, at)] = item.slice(at + 1);
  }
  return env;
}

/**
 * `invoke local -f NAME [--env KEY=VALUE]`: the handler in this process, through the SDK's
 * testing invoke, with the function's environment (and the overrides).
 */
export async function invokeLocal(session: Session): Promise<void> {
  const fn = session.target();
  warnIgnoredOptions(session, IGNORED_INVOKE_OPTIONS);
  const input = await readInvokeInput(session);
  const overrides = parseEnvOverrides(session.options.env);
  const file = await resolveHandlerFile(session.serviceDir, fn);
  const mod = (await import(pathToFileURL(resolve(session.serviceDir, file)).href)) as unknown;
  const saved = { ...process.env };
  Object.assign(process.env, fn.spec.env ?? {}, overrides);
  try {
    const res = await invokeInProcess(mod, {
      method: "POST",
      ...(input === undefined ? {} : { body: input }),
      functionName: fn.name,
    });
    for (const entry of res.logs) session.io.log.notice(`[${entry.level}] ${entry.message}`);
    session.io.writeText(res.text());
    if (res.status >= 400) throw new FunctionStatusError(fn.key, res.status);
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

/** `info`: each function's status and endpoint. */
export async function showInfo(session: Session): Promise<void> {
  const connection = await session.connect();
  const tenant = tenantOf(session, connection);
  const rows = [];
  for (const fn of session.mapped.functions) {
    const status = await currentOf(connection.client, fn.name, { tenant });
    if (status === undefined) session.io.log.warning(`${fn.key}: ${fn.name} is not deployed`);
    else rows.push({ key: fn.key, status });
  }
  session.io.writeText([`stage: ${session.stage}`, formatEndpoints(rows)].join("\n"));
}

/** `remove`: deletes every function of the service (absent ones are fine). */
export async function removeService(session: Session): Promise<void> {
  const connection = await session.connect();
  const tenant = tenantOf(session, connection);
  for (const fn of session.mapped.functions) {
    const deleted = await connection.client.functions.delete(fn.name, { tenant, missingOk: true });
    session.io.log.notice(`${fn.key}: ${deleted ? "removed" : "was not deployed"} (${fn.name})`);
  }
}

/** `package [--package DIR]`: builds every image into an OCI layout without deploying. */
export async function packageService(session: Session, signal: AbortSignal): Promise<void> {
  const dir = session.options.package;
  const layoutDir = resolve(session.serviceDir, typeof dir === "string" ? dir : ".serverless/oci");
  const images = await buildAndWrite(
    session.mapped.functions.map((f) => ({ ...f, repository: undefined })),
    { serviceDir: session.serviceDir, env: session.env, layoutDir, signal },
  );
  for (const [key, written] of images) session.io.writeText(`${key}: ${written.image}`);
}
