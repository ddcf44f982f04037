/**
 * Invocations through the controller. The function's own answers, 4xx and 5xx included, are
 * results; only the platform's envelope (not ready, timeout, unreachable, unknown function,
 * auth) becomes an EventFlowError.
 */
import { EventFlowError, PLATFORM_ERROR_HEADER } from "@eventflow/protocol";
import { errorFromResponse } from "./errors.js";
import { functionPath } from "./functions.js";
import {
  pathSegment,
  type RequestBody,
  type Transport,
  type TransportRequest,
} from "./transport.js";

/** Methods a function's URL takes. */
const INVOKE_METHODS: ReadonlySet<string> = new Set([
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
  "OPTIONS",
]);

/** The request header that sends an invoke to the revision of a traffic tag alone. */
const TAG_HEADER = "x-eventflow-tag";

/** The answer header naming the revision that served it (`hello-00004`). */
const REVISION_HEADER = "x-eventflow-revision";

/** What to send to a function: exactly one of `json`, `text`, `bytes`, `stream` (or nothing). */
export interface InvokeOptions {
  /** A value sent as `application/json`. */
  readonly json?: unknown;
  /** Text, sent as `text/plain; charset=utf-8` unless `contentType` says otherwise. */
  readonly text?: string | undefined;
  /** Bytes, sent as `application/octet-stream` unless `contentType` says otherwise. */
  readonly bytes?: Uint8Array | ArrayBuffer | Blob | undefined;
  /** A stream of bytes, sent as it is produced (never retried). */
  readonly stream?: ReadableStream<Uint8Array> | undefined;
  readonly contentType?: string | undefined;
  /** Query string handed to the function. */
  readonly query?: Readonly<Record<string, string>> | undefined;
  /**
   * The HTTP method (default POST). Any other method, or a `path`, goes to the function's URL
   * (`/fn/TENANT/NAME/PATH`) instead of `POST /v1/functions/NAME:invoke`.
   */
  readonly method?: string | undefined;
  /** The path the function sees (`/orders/42`; default `/`): sent to the function's URL. */
  readonly path?: string | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** Cancels the invocation (the connection to the function is closed). */
  readonly signal?: AbortSignal | undefined;
  /** Milliseconds until the function's headers arrive (default: none; the platform has its own timeout). */
  readonly timeout?: number | undefined;
  /** Retry when no replica is ready yet (503 FUNCTION_NOT_READY): only for idempotent functions. */
  readonly retry?: boolean | undefined;
  /** Admins: the function's tenant (sent as `X-EventFlow-Tenant`). */
  readonly tenant?: string | undefined;
  /**
   * A tag of the function's `traffic` (sent as `X-EventFlow-Tag`): the invoke reaches that tag's
   * revision alone, whatever its percent. An unknown tag is TRAFFIC_TAG_NOT_FOUND.
   */
  readonly tag?: string | undefined;
}

/** A function's answer with its body read. */
export interface InvokeResult {
  readonly status: number;
  /** Whether the status is 2xx. */
  readonly ok: boolean;
  readonly headers: Headers;
  readonly body: Uint8Array;
  /**
   * Milliseconds from sending to the whole body received, rounded to the microsecond (3
   * decimals, as the runtime's `x-eventflow-duration-ms` header and the controller's log say).
   */
  readonly durationMs: number;
  /** The request id the controller assigned (`x-request-id`). */
  readonly requestId: string | undefined;
  /** The revision that served it (`hello-00004`, from `x-eventflow-revision`), when the platform says. */
  readonly revision: string | undefined;
  /** The body as UTF-8 text. */
  text(): string;
  /** The body parsed as JSON. */
  json<T = unknown>(): T;
}

/** A function's answer whose body is still streaming. */
export interface InvokeStreamResult {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: Headers;
  readonly body: ReadableStream<Uint8Array>;
  /** Milliseconds from sending to the response headers, rounded to the microsecond. */
  readonly durationMs: number;
  readonly requestId: string | undefined;
  /** The revision that served it (`hello-00004`, from `x-eventflow-revision`), when the platform says. */
  readonly revision: string | undefined;
}

/** The body and content type of an invoke (also an asynchronous one). */
export function encodeBody(options: InvokeOptions): { body?: RequestBody; contentType?: string } {
  const given = [options.json, options.text, options.bytes, options.stream].filter(
    (b) => b !== undefined,
  ).length;
  if (given > 1) throw new TypeError("invoke takes one of json, text, bytes or stream");
  if (options.json !== undefined)
    return { body: JSON.stringify(options.json), contentType: "application/json" };
  if (options.text !== undefined)
    return { body: options.text, contentType: "text/plain; charset=utf-8" };
  if (options.bytes !== undefined)
    return { body: options.bytes as RequestBody, contentType: "application/octet-stream" };
  if (options.stream !== undefined)
    return { body: options.stream, contentType: "application/octet-stream" };
  return {};
}

/**
 * Whether an answer is the function's own: the platform marks every envelope it writes with
 * `x-eventflow-error` (and strips it from function answers), so a function that returns an
 * envelope with a platform code is still a result.
 */
function isFunctionAnswer(response: Response): boolean {
  return !response.headers.has(PLATFORM_ERROR_HEADER);
}

/** Milliseconds to 3 decimals: what a clock is worth here, and what the platform reports. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** Sends an invocation; resolves with the answer whose body is still streaming. */
export async function invokeStream(
  transport: Transport,
  name: string,
  options: InvokeOptions = {},
): Promise<InvokeStreamResult> {
  const { body, contentType } = encodeBody(options);
  const headers: Record<string, string> = { accept: "*/*", ...options.headers };
  const type = options.contentType ?? contentType;
  if (type !== undefined) headers["content-type"] = type;
  if (options.tenant !== undefined) headers["x-eventflow-tenant"] = options.tenant;
  if (options.tag !== undefined) headers[TAG_HEADER] = options.tag;
  const method = (options.method ?? "POST").toUpperCase() as TransportRequest["method"];
  if (!INVOKE_METHODS.has(method))
    throw new EventFlowError(
      "REQUEST_VALIDATION_FAILED",
      `cannot invoke with method ${options.method}: one of ${[...INVOKE_METHODS].join(", ")}`,
    );
  const viaUrl = method !== "POST" || options.path !== undefined;
  const { response, durationMs } = await transport.send({
    method,
    path: viaUrl ? await endpointPath(transport, name, options) : functionPath(name, ":invoke"),
    query: options.query,
    body,
    headers,
    signal: options.signal,
    idempotent: options.retry === true,
    timeout: options.timeout ?? 0,
    passErrors: isFunctionAnswer,
  });
  if (response.body === null && response.status >= 400) throw await errorFromResponse(response);
  return {
    status: response.status,
    ok: response.ok,
    headers: response.headers,
    body: response.body ?? new ReadableStream({ start: (c) => c.close() }),
    durationMs: roundMs(durationMs),
    requestId: response.headers.get("x-request-id") ?? undefined,
    revision: response.headers.get(REVISION_HEADER) ?? undefined,
  };
}

/**
 * The path of a request to a function's URL: `/fn/TENANT/NAME/PATH`, the tenant given or the
 * function's own (one `GET` of the function when not given).
 */
async function endpointPath(
  transport: Transport,
  name: string,
  options: InvokeOptions,
): Promise<string> {
  const tenant =
    options.tenant ??
    (
      await transport.json<{ tenant: string }>({
        method: "GET",
        path: functionPath(name),
        idempotent: true,
        signal: options.signal,
      })
    ).tenant;
  const sub = options.path ?? "/";
  const path = sub.startsWith("/") ? sub : `/${sub}`;
  return `/fn/${pathSegment(tenant, "tenant")}/${pathSegment(name, "function name")}${path}`;
}

/** Sends an invocation and reads the whole answer. */
export async function invoke(
  transport: Transport,
  name: string,
  options: InvokeOptions = {},
): Promise<InvokeResult> {
  const started = performance.now();
  const answer = await invokeStream(transport, name, options);
  const bytes = new Uint8Array(await new Response(answer.body).arrayBuffer());
  const durationMs = roundMs(performance.now() - started);
  return {
    status: answer.status,
    ok: answer.ok,
    headers: answer.headers,
    body: bytes,
    durationMs,
    requestId: answer.requestId,
    revision: answer.revision,
    text: () => new TextDecoder().decode(bytes),
    json: <T>() => JSON.parse(new TextDecoder().decode(bytes)) as T,
  };
}
