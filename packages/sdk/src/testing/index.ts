/**
 * Test your function in-process, the way the runtime would run it: the same body parsing,
 * CloudEvent handling, result mapping and error envelope, without a server.
 *
 * ```ts
 * import { invoke } from "@eventflow/sdk/testing";
 * import handler from "../src/index.js";
 * const res = await invoke(handler, { method: "POST", body: { name: "Ada" } });
 * expect(res.status).toBe(200);
 * ```
 * @packageDocumentation
 */
import { randomUUID } from "node:crypto";
import { toBinary, toStructured, type CloudEvent, type CloudEventMode } from "../cloudevent.js";
import { errorToResponse, invokeFunction } from "../invoke.js";
import { resolveFunction, type ResolvedFunction } from "../resolve.js";
import { buildEvent } from "../event.js";
import type { Context, Logger } from "../types.js";

/** A request to send to the function under test. */
export interface TestRequest {
  readonly method?: string;
  /** Path, optionally with a query string. Default `/`. */
  readonly path?: string;
  readonly query?: Record<string, string | readonly string[]>;
  readonly headers?: Record<string, string | readonly string[]>;
  /** A string or bytes go as they are; any other value is sent as JSON. */
  readonly body?: unknown;
  /** Send a CloudEvent instead of `body` (binary mode unless `cloudEventMode` says otherwise). */
  readonly cloudEvent?: Omit<CloudEvent, "specversion" | "id"> & { readonly id?: string };
  readonly cloudEventMode?: CloudEventMode;
  /** Invocation timeout for `ctx.deadline` and `ctx.signal`. Default 30000. */
  readonly timeoutMs?: number;
  readonly requestId?: string;
  readonly functionName?: string;
}

/** One line the function logged through `ctx.log`. */
export interface TestLogEntry {
  readonly level: "debug" | "info" | "warn" | "error";
  readonly message: string;
  readonly fields: Record<string, unknown> | undefined;
}

/** What the function answered. */
export interface TestResponse {
  readonly status: number;
  readonly headers: Record<string, string | number | readonly string[]>;
  readonly body: Buffer;
  text(): string;
  json<T = unknown>(): T;
  /** The reply CloudEvent when the function answered with one (binary or structured). */
  readonly cloudEvent: CloudEvent | undefined;
  readonly logs: readonly TestLogEntry[];
}

/** Anything `invoke` accepts: a handler, a `defineFunction` object or a whole module. */
export type InvokeTarget = unknown;

async function collect(
  body: null | string | Uint8Array | AsyncIterable<Uint8Array | string>,
): Promise<Buffer> {
  if (body === null) return Buffer.alloc(0);
  if (typeof body === "string") return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const chunk of body)
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

function toResolved(target: InvokeTarget): ResolvedFunction {
  if (
    typeof target === "object" &&
    target !== null &&
    "kind" in target &&
    "handle" in target &&
    "cloudEvent" in target
  ) {
    return target as ResolvedFunction;
  }
  return resolveFunction(
    typeof target === "function" ? { default: target } : target,
    "the function under test",
  );
}

function buildUrl(request: TestRequest): string {
  const path = request.path ?? "/";
  if (request.query === undefined) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(request.query)) {
    for (const v of typeof value === "string" ? [value] : value) params.append(key, v);
  }
  return `${path}${path.includes("?") ? "&" : "?"}${params}`;
}

function encode(request: TestRequest, headers: Record<string, string | string[]>): Buffer {
  if (request.cloudEvent !== undefined) {
    const event = { specversion: "1.0", id: randomUUID(), ...request.cloudEvent } as CloudEvent;
    if (request.cloudEventMode === "structured") {
      headers["content-type"] = "application/cloudevents+json";
      return Buffer.from(toStructured(event));
    }
    const binary = toBinary(event);
    Object.assign(headers, binary.headers);
    if (binary.body === undefined) return Buffer.alloc(0);
    return typeof binary.body === "string" ? Buffer.from(binary.body) : Buffer.from(binary.body);
  }
  const body = request.body;
  if (body === undefined) return Buffer.alloc(0);
  if (typeof body === "string") {
    headers["content-type"] ??= "text/plain; charset=utf-8";
    return Buffer.from(body);
  }
  if (body instanceof Uint8Array) {
    headers["content-type"] ??= "application/octet-stream";
    return Buffer.from(body);
  }
  headers["content-type"] ??= "application/json";
  return Buffer.from(JSON.stringify(body));
}

function readReplyEvent(headers: TestResponse["headers"], body: Buffer): CloudEvent | undefined {
  const type = String(headers["content-type"] ?? "");
  if (type.startsWith("application/cloudevents+json"))
    return JSON.parse(body.toString("utf8")) as CloudEvent;
  if (headers["ce-specversion"] === undefined) return undefined;
  const rawHeaders: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) rawHeaders[key] = String(value);
  return buildEvent({ method: "POST", url: "/", headers: rawHeaders, body }).event.cloudEvent;
}

/** Invokes the function once, in-process, and returns its complete response. */
export async function invoke(
  target: InvokeTarget,
  request: TestRequest = {},
): Promise<TestResponse> {
  const fn = toResolved(target);
  const headers: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(request.headers ?? {}))
    headers[key.toLowerCase()] = typeof value === "string" ? value : [...value];
  const body = encode(request, headers);
  if (body.length > 0) headers["content-length"] = String(body.length);
  const requestId = request.requestId ?? randomUUID();
  const logs: TestLogEntry[] = [];
  const log =
    (level: TestLogEntry["level"]) => (message: string, fields?: Record<string, unknown>) =>
      void logs.push({ level, message, fields });
  const logger: Logger = {
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
  };
  const timeoutMs = request.timeoutMs ?? 30_000;
  const signal = AbortSignal.timeout(timeoutMs);
  const ctx: Context = {
    requestId,
    functionName: request.functionName ?? "function",
    deadline: Date.now() + timeoutMs,
    signal,
    log: logger,
  };
  const raw = {
    method: (request.method ?? "GET").toUpperCase(),
    url: buildUrl(request),
    headers,
    body,
  };
  let prepared;
  try {
    prepared = await invokeFunction(fn, raw, ctx);
  } catch (error) {
    prepared = errorToResponse(error, requestId).response;
  }
  const out = await collect(prepared.body);
  prepared.headers["x-request-id"] = requestId;
  return {
    status: prepared.status,
    headers: prepared.headers,
    body: out,
    text: () => out.toString("utf8"),
    json: <T>() => JSON.parse(out.toString("utf8")) as T,
    cloudEvent: readReplyEvent(prepared.headers, out),
    logs,
  };
}

/** A function started with its `init` hook, for tests that need the lifecycle. */
export interface StartedFunction {
  invoke(request?: TestRequest): Promise<TestResponse>;
  /** Whether the readiness hook (if any) reports ready. */
  ready(): Promise<boolean>;
  /** Runs the `shutdown` hook. */
  stop(): Promise<void>;
}

/** Runs `init` (if any) and returns a handle to invoke the function and later `stop()` it. */
export async function startFunction(
  target: InvokeTarget,
  options: { functionName?: string } = {},
): Promise<StartedFunction> {
  const fn = toResolved(target);
  const lifecycle = {
    functionName: options.functionName ?? "function",
    signal: new AbortController().signal,
  };
  await fn.init?.(lifecycle);
  return {
    invoke: (request = {}) => invoke(fn, { functionName: lifecycle.functionName, ...request }),
    ready: async () => (fn.readiness === undefined ? true : (await fn.readiness()) === true),
    stop: async () => {
      await fn.shutdown?.(lifecycle);
    },
  };
}
