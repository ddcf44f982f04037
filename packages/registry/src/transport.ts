import { isIP } from "node:net";
import { rootCertificates } from "node:tls";
import { debuglog } from "node:util";
import { Agent, request, type Dispatcher } from "undici";
import { EventFlowError, isEventFlowError } from "@eventflow/protocol";
import { Authorizer, parseChallenge } from "./auth.js";
import { BODY_LIMITS, readAtMost, readPrefix } from "./bounded-body.js";
import type { CredentialSource } from "./credentials.js";
import {
  fromRegistryResponse,
  fromTransportError,
  isNotTlsError,
  isRetryableStatus,
  isRetryableTransportError,
  transportErrorCode,
  type RegistryErrorContext,
} from "./errors.js";
import { DOCKER_HUB } from "@eventflow/protocol";
import { backoffDelay, type RetryPolicy } from "./retry.js";
import { fetchToken } from "./token.js";

/** `NODE_DEBUG=eventflow-registry` prints one line per request (no headers, no query: they may hold secrets). */
const debug = debuglog("eventflow-registry");

/** What one registry call is about: for auth scopes and error messages. */
export interface CallContext extends Omit<
  RegistryErrorContext,
  "authenticated" | "username" | "attempts"
> {
  /** Token scopes the request needs (`repository:name:pull,push`). */
  readonly scopes: readonly string[];
}

/** One HTTP request to a registry. */
export interface CallRequest {
  readonly method: Dispatcher.HttpMethod;
  /** A path under the registry origin (`/v2/...`) or an absolute URL (upload locations). */
  readonly path: string;
  readonly headers?: Record<string, string>;
  /** A replayable body, or a function opening a fresh one per attempt. */
  readonly body?: Buffer | (() => Buffer | AsyncIterable<Uint8Array>);
  /** Statuses that count as success (the body is left for the caller). */
  readonly expect: readonly number[];
  /** Whether to retry on 5xx/429/connection errors (default true). */
  readonly retry?: boolean;
}

/** A successful answer; the caller must consume or dump `body`. */
export interface CallResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Dispatcher.ResponseData["body"];
  /** The URL that was requested (to resolve relative `Location` headers). */
  readonly url: URL;
}

/** Whether `host` (with optional port) is a loopback address, where plain HTTP is allowed. */
export function isLoopbackRegistry(registry: string): boolean {
  let host = registry;
  if (host.startsWith("[")) host = host.slice(1, host.indexOf("]"));
  else if (host.lastIndexOf(":") !== -1) host = host.slice(0, host.lastIndexOf(":"));
  if (host === "localhost" || host === "::1") return true;
  return isIP(host) === 4 && host.startsWith("127.");
}

/** The host to connect to for a registry (`docker.io` is served by `registry-1.docker.io`). */
export function registryHost(registry: string): string {
  return registry === DOCKER_HUB ? "registry-1.docker.io" : registry;
}

/** Creates the default undici dispatcher: keep-alive pools per origin, custom CA, `insecure` TLS. */
export function createDispatcher(options: {
  ca?: string | Buffer | undefined;
  insecure?: boolean | undefined;
}): Agent {
  const ca = options.ca === undefined ? undefined : [...rootCertificates, options.ca.toString()];
  return new Agent({
    connect: { ...(ca === undefined ? {} : { ca }), rejectUnauthorized: !options.insecure },
    connections: 8,
    keepAliveTimeout: 10_000,
  });
}

/** Sends registry requests: scheme selection, auth challenges, retries, error mapping. */
export class RegistryTransport {
  readonly #origins = new Map<string, Promise<string>>();
  readonly #authorizer: Authorizer;
  readonly #dispatcher: Dispatcher;
  readonly #retry: RetryPolicy;
  readonly #insecure: boolean;
  readonly #userAgent: string;

  constructor(deps: {
    dispatcher: Dispatcher;
    retry: RetryPolicy;
    insecure: boolean;
    userAgent: string;
    credentials: CredentialSource | undefined;
    now: () => number;
  }) {
    this.#dispatcher = deps.dispatcher;
    this.#retry = deps.retry;
    this.#insecure = deps.insecure;
    this.#userAgent = deps.userAgent;
    this.#authorizer = new Authorizer({
      credentials: deps.credentials,
      now: deps.now,
      fetchToken: (req) =>
        fetchToken({
          ...req,
          dispatcher: this.#dispatcher,
          retry: this.#retry,
          userAgent: this.#userAgent,
        }),
    });
  }

  /** The registry's credentials, as the configured source reports them. */
  credentials(registry: string) {
    return this.#authorizer.credentials(registry);
  }

  /**
   * The origin (`https://host`) for a registry, found once by `GET /v2/`: loopback and
   * `insecure` registries fall back to plain HTTP when the server does not speak TLS.
   * The ping's challenge is remembered so later requests authenticate up front.
   */
  origin(registry: string, ctx?: Pick<CallContext, "repository" | "operation">): Promise<string> {
    let found = this.#origins.get(registry);
    if (found === undefined) {
      found = this.#ping(registry, ctx);
      this.#origins.set(registry, found);
      found.catch(() => this.#origins.delete(registry));
    }
    return found;
  }

  async #ping(
    registry: string,
    caller?: Pick<CallContext, "repository" | "operation">,
  ): Promise<string> {
    const host = registryHost(registry);
    const plainAllowed = this.#insecure || isLoopbackRegistry(registry);
    const ctx = {
      registry,
      repository: caller?.repository,
      operation: caller?.operation ?? "connect",
    };
    for (const scheme of plainAllowed ? ["https", "http"] : ["https"]) {
      const origin = `${scheme}://${host}`;
      try {
        const res = await this.#withRetries(
          ctx,
          () => this.#raw("GET", new URL("/v2/", origin), {}, undefined),
          true,
        );
        await res.body.dump();
        if (res.statusCode === 401)
          this.#authorizer.remember(
            registry,
            parseChallenge(header(res.headers, "www-authenticate")),
          );
        return origin;
      } catch (error) {
        if (scheme === "https" && plainAllowed && isNotTlsError((error as EventFlowError).cause))
          continue;
        throw error;
      }
    }
    throw new Error("unreachable");
  }

  #raw(
    method: Dispatcher.HttpMethod,
    url: URL,
    headers: Record<string, string>,
    body: CallRequest["body"],
  ) {
    const payload = typeof body === "function" ? body() : body;
    debug("%s %s%s", method, url.origin, url.pathname);
    return request(url, {
      method,
      headers: { "user-agent": this.#userAgent, ...headers },
      body: payload as Buffer | undefined,
      dispatcher: this.#dispatcher,
    });
  }

  async #withRetries(
    ctx: Pick<CallContext, "registry" | "repository" | "operation">,
    send: () => Promise<Dispatcher.ResponseData>,
    retry: boolean,
  ): Promise<Dispatcher.ResponseData> {
    for (let attempt = 1; ; attempt++) {
      const last = !retry || attempt >= this.#retry.attempts;
      let res: Dispatcher.ResponseData;
      try {
        res = await send();
      } catch (error) {
        // Errors raised by a request body (a source that is missing or corrupt) are not transport failures.
        if (isEventFlowError(error) || transportErrorCode(error) === undefined) throw error;
        if (!last && isRetryableTransportError(error)) {
          await this.#retry.sleep(backoffDelay(this.#retry, attempt));
          continue;
        }
        throw fromTransportError({ ...ctx, attempts: attempt }, error);
      }
      debug("-> %d (attempt %d)", res.statusCode, attempt);
      if (!last && isRetryableStatus(res.statusCode)) {
        await res.body.dump();
        await this.#retry.sleep(
          backoffDelay(this.#retry, attempt, header(res.headers, "retry-after")),
        );
        continue;
      }
      (res as { attempts?: number }).attempts = attempt;
      return res;
    }
  }

  /** Sends one request; statuses outside `expect` become EventFlowErrors (see errors.ts). */
  async call(ctx: CallContext, req: CallRequest): Promise<CallResponse> {
    const origin = await this.origin(ctx.registry, ctx);
    const url = new URL(req.path, origin);
    const sameOrigin = url.origin === new URL(origin).origin;
    let auth = sameOrigin ? await this.#authorizer.header(ctx.registry, ctx.scopes) : undefined;
    let reauthenticated = false;
    for (;;) {
      const headers = { ...req.headers, ...(auth === undefined ? {} : { authorization: auth }) };
      const res = await this.#withRetries(
        ctx,
        () => this.#raw(req.method, url, headers, req.body),
        req.retry ?? true,
      );
      if (req.expect.includes(res.statusCode))
        return { status: res.statusCode, headers: res.headers, body: res.body, url };
      const challenge = header(res.headers, "www-authenticate");
      if (res.statusCode === 401 && sameOrigin && !reauthenticated) {
        reauthenticated = true;
        const next = await this.#authorizer.onUnauthorized(ctx.registry, challenge, ctx.scopes);
        if (next !== undefined) {
          await res.body.dump();
          auth = next;
          continue;
        }
      }
      const body =
        req.method === "HEAD"
          ? undefined
          : await readPrefix(res.body, BODY_LIMITS.error).catch(() => undefined);
      if (req.method === "HEAD") await res.body.dump();
      const credentials = await this.#authorizer.credentials(ctx.registry);
      throw fromRegistryResponse(
        {
          ...ctx,
          authenticated: auth !== undefined && credentials !== undefined,
          username:
            credentials !== undefined && "username" in credentials
              ? credentials.username
              : undefined,
          attempts: (res as { attempts?: number }).attempts,
        },
        { status: res.statusCode, body, challengeError: parseChallenge(challenge)?.params.error },
      );
    }
  }
}

/** One response header as a string (the first, when repeated). */
export function header(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Reads a whole response body of at most `maxBytes` (REGISTRY_PROTOCOL_ERROR past it, without
 * reading the rest); a socket failure mid-body becomes REGISTRY_UNREACHABLE.
 */
export async function readBody(
  res: CallResponse,
  ctx: CallContext,
  maxBytes: number = BODY_LIMITS.json,
): Promise<Buffer> {
  let bytes: Buffer | undefined;
  try {
    bytes = await readAtMost(res.body, maxBytes);
  } catch (error) {
    throw isEventFlowError(error) ? error : fromTransportError(ctx, error);
  }
  if (bytes === undefined)
    throw new EventFlowError(
      "REGISTRY_PROTOCOL_ERROR",
      `The registry ${ctx.registry} answered ${ctx.operation} with more than ${maxBytes} bytes.`,
    );
  return bytes;
}
