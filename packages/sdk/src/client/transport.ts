/**
 * The client's HTTP core: URL building, bearer tokens, timeouts, cancellation, retries of
 * idempotent calls, and conversion of failures into EventFlowError. Browser-safe: only fetch,
 * URL, AbortController and timers.
 */
import { EventFlowError, isEventFlowError } from "@eventflow/protocol";
import { errorFromResponse, isAbortError, timedOut, unreachable } from "./errors.js";
import { defaultBackoff, parseRetryAfter, sleep, type RetryPolicy } from "./retry.js";

/** A request body fetch accepts (named here: the DOM's BodyInit is not in this package's lib). */
export type RequestBody = NonNullable<RequestInit["body"]>;

/** Supplies a bearer token per request; `refresh` is true after the server refused the last one. */
export type TokenProvider = (context: {
  readonly refresh: boolean;
  readonly signal?: AbortSignal | undefined;
}) => string | undefined | Promise<string | undefined>;

/** Options of `createClient`. */
export interface ClientOptions {
  /** The controller's base URL, e.g. `http://127.0.0.1:8080` (a path prefix is kept). */
  readonly url: string;
  /** A fixed bearer token. */
  readonly token?: string | undefined;
  /** Called before every request (takes precedence over `token`): for tokens that expire. */
  readonly tokenProvider?: TokenProvider | undefined;
  /** The fetch to use (default: the global one). */
  readonly fetch?: typeof fetch | undefined;
  /** Milliseconds an API call may take (invokes and log streams: until headers). Default 30 000; 0 disables. */
  readonly timeout?: number | undefined;
  /** Retries of idempotent calls on 503 and connection errors; `false` never retries. */
  readonly retry?: RetryPolicy | false | undefined;
  /** Extra headers sent with every request (e.g. a user agent in Node). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/** One request of the transport. */
export interface TransportRequest {
  readonly method: "GET" | "POST" | "PUT" | "DELETE" | "PATCH" | "HEAD" | "OPTIONS";
  /** Path below the base URL, e.g. `/v1/functions/hello`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>> | undefined;
  /** A JSON body. */
  readonly json?: unknown;
  /** A raw body (invoke); streams are sent half-duplex. */
  readonly body?: RequestBody | null | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Safe to send again: retried on 503 and connection errors. */
  readonly idempotent: boolean;
  /** Overrides the client's timeout for this call (0: none). */
  readonly timeout?: number | undefined;
  /** Return non-2xx answers instead of throwing (invoke: the function's own errors are results). */
  readonly passErrors?: (response: Response) => Promise<boolean> | boolean;
  /** Public routes (/auth/config, /auth/token) send no token. */
  readonly anonymous?: boolean;
}

/** A response plus how to release the call's timer once the body has been consumed. */
export interface TransportResponse {
  readonly response: Response;
  /** Milliseconds from the first attempt's start to the response headers. */
  readonly durationMs: number;
}

/** The transport every API module uses. */
export interface Transport {
  readonly baseUrl: string;
  /** Sends a request; resolves with a 2xx answer (or one `passErrors` accepts). */
  send(request: TransportRequest): Promise<TransportResponse>;
  /** Sends and parses a JSON answer (undefined for 204). */
  json<T>(request: TransportRequest): Promise<T>;
  /** The headers of an authenticated request (for the SSE client's fetch). */
  authHeaders(signal?: AbortSignal, refresh?: boolean): Promise<Record<string, string>>;
  /** Resolves a path and query against the base URL. */
  urlFor(path: string, query?: TransportRequest["query"]): string;
  readonly fetch: typeof fetch;
}

/**
 * A name as one path segment, encoded. An empty name, `.` and `..` are refused
 * (REQUEST_VALIDATION_FAILED, before any request): they survive encoding (`%2e` is a dot to
 * the URL parser too), and the parser would resolve them, sending `get(".")` to the list or
 * `delete("..")` to the parent path.
 */
export function pathSegment(name: string, what = "name"): string {
  if (name === "" || name === "." || name === "..")
    throw new EventFlowError(
      "REQUEST_VALIDATION_FAILED",
      `invalid ${what}: ${JSON.stringify(name)}`,
      {
        details: [
          {
            path: what === "tenant" ? "tenant" : "name",
            message: "must not be empty, '.' or '..'",
          },
        ],
      },
    );
  return encodeURIComponent(name);
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_ATTEMPTS = 4;

/** Creates the transport; the options are checked here, once. */
export function createTransport(options: ClientOptions): Transport {
  let base: URL;
  try {
    base = new URL(options.url);
  } catch (error) {
    throw new EventFlowError("CONFIG_INVALID", `not a URL: ${JSON.stringify(options.url)}`, {
      cause: error,
      details: [{ path: "url", message: "must be an absolute http(s) URL" }],
    });
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") {
    throw new EventFlowError("CONFIG_INVALID", `the URL must be http or https: ${options.url}`, {
      details: [{ path: "url", message: "must be an absolute http(s) URL" }],
    });
  }
  if (!base.pathname.endsWith("/")) base.pathname += "/";
  const baseUrl = base.toString().replace(/\/$/, "");
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const defaultTimeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
  const retry = options.retry === false ? { attempts: 1 } : (options.retry ?? {});
  const attempts = Math.max(1, retry.attempts ?? DEFAULT_ATTEMPTS);
  const backoff = retry.backoff ?? defaultBackoff;

  function urlFor(path: string, query?: TransportRequest["query"]): string {
    const url = new URL(path.replace(/^\//, ""), base);
    for (const [k, v] of Object.entries(query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    return url.toString();
  }

  async function authHeaders(
    signal?: AbortSignal,
    refresh = false,
  ): Promise<Record<string, string>> {
    const token =
      options.tokenProvider !== undefined
        ? await options.tokenProvider({ refresh, signal })
        : options.token;
    return token === undefined || token === "" ? {} : { authorization: `Bearer ${token}` };
  }

  async function attempt(req: TransportRequest, refresh: boolean): Promise<Response> {
    if (req.signal?.aborted) throw req.signal.reason;
    const timeoutMs = req.timeout ?? defaultTimeout;
    // The caller's signal stays linked to the whole exchange (an aborted signal also stops a
    // body still streaming); the timeout covers only the wait for the headers.
    const timeout = new AbortController();
    const signal =
      req.signal === undefined ? timeout.signal : AbortSignal.any([req.signal, timeout.signal]);
    let timedOutFlag = false;
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            timedOutFlag = true;
            timeout.abort();
          }, timeoutMs)
        : undefined;
    const url = urlFor(req.path, req.query);
    try {
      const headers: Record<string, string> = {
        accept: "application/json",
        ...options.headers,
        ...(req.anonymous ? {} : await authHeaders(req.signal, refresh)),
        ...req.headers,
      };
      let body: RequestBody | null | undefined = req.body;
      if (req.json !== undefined) {
        headers["content-type"] = "application/json";
        body = JSON.stringify(req.json);
      }
      const init: RequestInit & { duplex?: "half" } = {
        method: req.method,
        headers,
        signal,
        ...(body === undefined || body === null ? {} : { body }),
      };
      if (body instanceof ReadableStream) init.duplex = "half";
      return await doFetch(url, init);
    } catch (error) {
      if (req.signal?.aborted) throw req.signal.reason;
      if (timedOutFlag) throw timedOut(baseUrl, timeoutMs);
      if (isEventFlowError(error) || isAbortError(error)) throw error;
      throw unreachable(baseUrl, error);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  async function send(req: TransportRequest): Promise<TransportResponse> {
    const started = performance.now();
    const canRetry = req.idempotent && !(req.body instanceof ReadableStream);
    let refreshed = false;
    for (let n = 1; ; n++) {
      let response: Response;
      try {
        response = await attempt(req, refreshed);
      } catch (error) {
        if (
          canRetry &&
          n < attempts &&
          isEventFlowError(error) &&
          error.code === "CLIENT_UNREACHABLE"
        ) {
          await sleep(backoff(n + 1, undefined), req.signal);
          continue;
        }
        throw error;
      }
      const durationMs = performance.now() - started;
      if (response.ok) return { response, durationMs };
      if (req.passErrors !== undefined && (await req.passErrors(response)))
        return { response, durationMs };
      // A provider's token the server refused: ask it once for a fresh one.
      if (
        response.status === 401 &&
        options.tokenProvider !== undefined &&
        !refreshed &&
        !(req.body instanceof ReadableStream)
      ) {
        await response.body?.cancel().catch(() => undefined);
        refreshed = true;
        n -= 1;
        continue;
      }
      if (canRetry && n < attempts && response.status === 503) {
        const wait = backoff(n + 1, parseRetryAfter(response.headers.get("retry-after")));
        await response.body?.cancel().catch(() => undefined);
        await sleep(wait, req.signal);
        continue;
      }
      throw await errorFromResponse(response);
    }
  }

  async function json<T>(req: TransportRequest): Promise<T> {
    const { response } = await send(req);
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new EventFlowError(
        "CLIENT_BAD_RESPONSE",
        `the server answered ${response.status} with a body that is not JSON; is the URL the controller's?`,
        { cause: error },
      );
    }
  }

  return { baseUrl, send, json, authHeaders, urlFor, fetch: doFetch };
}
