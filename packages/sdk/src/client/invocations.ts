/**
 * Asynchronous invocations: queue an invoke (`Prefer: respond-async`), read its record, list a
 * function's, wait for the end, and the dead letters (list, redrive, purge).
 */
import {
  EventFlowError,
  type Invocation,
  type InvocationAccepted,
  type InvocationState,
} from "@eventflow/protocol";
import type { CallOptions } from "./functions.js";
import { functionPath } from "./functions.js";
import { encodeBody, type InvokeOptions } from "./invoke.js";
import { pathSegment, type Transport } from "./transport.js";

export type {
  Invocation,
  InvocationAccepted,
  InvocationAttempt,
  InvocationState,
} from "@eventflow/protocol";

/** What to queue: the body options of an invoke, plus the async ones. */
export interface EnqueueOptions extends Pick<
  InvokeOptions,
  "json" | "text" | "bytes" | "contentType" | "query" | "headers" | "signal" | "tenant"
> {
  /** Repeats with the same key (per function, within the controller's window) get one invocation. */
  readonly idempotencyKey?: string | undefined;
  /** Receives the result as a CloudEvent when the invocation ends. */
  readonly callbackUrl?: string | undefined;
}

/** Which dead letters a redrive or purge acts on. */
export type DeadLetterSelector =
  { readonly ids: readonly string[] } | { readonly function: string } | { readonly all: true };

/** Options of {@link InvocationsApi.wait}. */
export interface WaitForInvocationOptions extends CallOptions {
  /** Milliseconds between polls (default 250). */
  readonly intervalMs?: number | undefined;
  /** Give up after this long (default 60 s): rejects with CLIENT_TIMEOUT. */
  readonly timeoutMs?: number | undefined;
}

/** The asynchronous invocations of the caller's tenant (admins: `tenant` in the options). */
export interface InvocationsApi {
  /** `POST /v1/functions/{name}:invoke` with `Prefer: respond-async`: queued, 202. */
  enqueue(name: string, options?: EnqueueOptions): Promise<InvocationAccepted>;
  /** `GET /v1/invocations/{id}`: INVOCATION_NOT_FOUND when absent. */
  get(id: string, options?: CallOptions): Promise<Invocation>;
  /** `GET /v1/functions/{name}/invocations`, newest first. */
  list(
    name: string,
    options?: CallOptions & { states?: readonly InvocationState[]; limit?: number },
  ): Promise<Invocation[]>;
  /** Polls until the invocation is succeeded, failed or dead. */
  wait(id: string, options?: WaitForInvocationOptions): Promise<Invocation>;
  /** `GET /v1/dead-letters`. */
  deadLetters(options?: CallOptions & { function?: string; limit?: number }): Promise<Invocation[]>;
  /** `POST /v1/dead-letters:redrive`: queued again with a fresh retry budget; their ids. */
  redrive(selector: DeadLetterSelector, options?: CallOptions): Promise<string[]>;
  /** `POST /v1/dead-letters:purge`: forgotten; their ids. */
  purge(selector: DeadLetterSelector, options?: CallOptions): Promise<string[]>;
}

const FINAL: ReadonlySet<InvocationState> = new Set(["succeeded", "failed", "dead"]);

const tenantOf = (o?: CallOptions) => (o?.tenant === undefined ? {} : { tenant: o.tenant });

/** Builds the invocations API over a transport. */
export function createInvocationsApi(transport: Transport): InvocationsApi {
  const get = async (id: string, options?: CallOptions) =>
    transport.json<Invocation>({
      method: "GET",
      path: `/v1/invocations/${pathSegment(id, "invocation id")}`,
      query: tenantOf(options),
      idempotent: true,
      signal: options?.signal,
    });
  const act = async (action: string, selector: DeadLetterSelector, options?: CallOptions) =>
    (
      await transport.json<{ ids: string[] }>({
        method: "POST",
        path: `/v1/dead-letters:${action}`,
        query: tenantOf(options),
        json: selector,
        idempotent: true,
        signal: options?.signal,
      })
    ).ids;
  return {
    async enqueue(name, options = {}) {
      const { body, contentType } = encodeBody(options);
      const headers: Record<string, string> = { ...options.headers, prefer: "respond-async" };
      const type = options.contentType ?? contentType;
      if (type !== undefined) headers["content-type"] = type;
      if (options.tenant !== undefined) headers["x-eventflow-tenant"] = options.tenant;
      if (options.idempotencyKey !== undefined) headers["idempotency-key"] = options.idempotencyKey;
      if (options.callbackUrl !== undefined) headers["x-callback-url"] = options.callbackUrl;
      const { response } = await transport.send({
        method: "POST",
        path: functionPath(name, ":invoke"),
        query: options.query,
        body,
        headers,
        signal: options.signal,
        // Safe to repeat only with a key: the controller then queues it once.
        idempotent: options.idempotencyKey !== undefined,
      });
      const accepted = (await response.json()) as Omit<InvocationAccepted, "replayed">;
      return { ...accepted, replayed: response.headers.get("idempotent-replayed") === "true" };
    },
    get,
    list: (name, options = {}) =>
      transport.json({
        method: "GET",
        path: functionPath(name, "/invocations"),
        query: {
          ...tenantOf(options),
          ...(options.states === undefined ? {} : { state: options.states.join(",") }),
          ...(options.limit === undefined ? {} : { limit: options.limit }),
        },
        idempotent: true,
        signal: options.signal,
      }),
    async wait(id, options = {}) {
      const deadline = Date.now() + (options.timeoutMs ?? 60_000);
      for (;;) {
        const inv = await get(id, options);
        if (FINAL.has(inv.state)) return inv;
        if (Date.now() > deadline) {
          throw new EventFlowError("CLIENT_TIMEOUT", `invocation ${id} is still ${inv.state}`);
        }
        await new Promise((r) => setTimeout(r, options.intervalMs ?? 250));
      }
    },
    deadLetters: (options = {}) =>
      transport.json({
        method: "GET",
        path: "/v1/dead-letters",
        query: {
          ...tenantOf(options),
          ...(options.function === undefined ? {} : { function: options.function }),
          ...(options.limit === undefined ? {} : { limit: options.limit }),
        },
        idempotent: true,
        signal: options.signal,
      }),
    redrive: (selector, options) => act("redrive", selector, options),
    purge: (selector, options) => act("purge", selector, options),
  };
}
