/** The functions API: create, update, get, list, delete, scale, revisions, traffic, rollback, events and wait until ready. */
import {
  EventFlowError,
  isEventFlowError,
  type FunctionCreateRequest,
  type FunctionEvent,
  type FunctionRevision,
  type FunctionSpecInput,
  type FunctionStatus,
  type TrafficRequest,
  type TrafficTarget,
} from "@eventflow/protocol";
import { sleep } from "./retry.js";
import { pathSegment, type Transport } from "./transport.js";

/** Options every call accepts. */
export interface CallOptions {
  /** Cancels the call (the promise rejects with the signal's reason). */
  readonly signal?: AbortSignal | undefined;
  /** Admins: act in this tenant instead of the token's. */
  readonly tenant?: string | undefined;
}

/** Options of {@link FunctionsApi.events}. */
export interface EventsOptions extends CallOptions {
  /** At most this many, newest first (1 to 100; the controller's default is all it keeps, 100). */
  readonly limit?: number | undefined;
}

/** Options of {@link FunctionsApi.waitUntilReady}. */
export interface WaitOptions extends CallOptions {
  /** Give up after this many milliseconds (default 120 000). */
  readonly timeout?: number | undefined;
  /** Milliseconds between polls (default 250). */
  readonly interval?: number | undefined;
  /** Ready when this many replicas are ready and updated (default: the function's `replicas`). */
  readonly replicas?: number | undefined;
  /** Called with every status seen (rollout progress). */
  readonly onProgress?: ((status: FunctionStatus) => void) | undefined;
}

/** Options of {@link FunctionsApi.delete}. */
export interface DeleteOptions extends CallOptions {
  /** A function that does not exist is not an error (resolves false instead of FUNCTION_NOT_FOUND). */
  readonly missingOk?: boolean | undefined;
}

/** What {@link FunctionsApi.createOrUpdate} did. */
export interface ApplyResult {
  /** `created` when the function did not exist, `updated` when its spec was replaced. */
  readonly action: "created" | "updated";
  /** The status the create or update answered with. */
  readonly function: FunctionStatus;
}

/** The functions API. */
export interface FunctionsApi {
  /** `POST /v1/functions`: deploys a function (201; status Deploying). */
  create(request: FunctionCreateRequest, options?: CallOptions): Promise<FunctionStatus>;
  /** `PUT /v1/functions/{name}`: replaces the spec (rolling update). */
  update(name: string, spec: FunctionSpecInput, options?: CallOptions): Promise<FunctionStatus>;
  /** `GET /v1/functions/{name}`. */
  get(name: string, options?: CallOptions): Promise<FunctionStatus>;
  /** `GET /v1/functions`: the caller's tenant (admins: every tenant unless `tenant`). */
  list(options?: CallOptions): Promise<FunctionStatus[]>;
  /**
   * `DELETE /v1/functions/{name}`: resolves true once deleted. With `missingOk`, a function
   * that does not exist resolves false instead of rejecting with FUNCTION_NOT_FOUND.
   */
  delete(name: string, options?: DeleteOptions): Promise<boolean>;
  /**
   * Apply: updates the function when it exists (`PUT`), creates it when it does not (`POST`).
   * A function deleted between the two calls is created; one created by someone else in
   * between is updated.
   */
  createOrUpdate(request: FunctionCreateRequest, options?: CallOptions): Promise<ApplyResult>;
  /** `POST /v1/functions/{name}:scale`. */
  scale(name: string, replicas: number, options?: CallOptions): Promise<FunctionStatus>;
  /** `GET /v1/functions/{name}/revisions`: the revisions kept, newest first. */
  revisions(name: string, options?: CallOptions): Promise<FunctionRevision[]>;
  /** `GET /v1/functions/{name}/revisions/{revision}`: one revision, by number or name (`hello-00003`). */
  revision(
    name: string,
    revision: number | string,
    options?: CallOptions,
  ): Promise<FunctionRevision>;
  /**
   * `POST /v1/functions/{name}:traffic`: sets which revisions take what share of the requests
   * (whole percents adding up to 100; 0 only with a tag, which reaches its revision alone
   * through `InvokeOptions.tag`). Resolves to the function with its `traffic` resolved; makes
   * no revision. TRAFFIC_INVALID (`details` per field) or REVISION_NOT_FOUND when refused.
   */
  traffic(
    name: string,
    targets: readonly TrafficTarget[],
    options?: CallOptions,
  ): Promise<FunctionStatus>;
  /**
   * `POST /v1/functions/{name}:rollback`: moves 100 % of the traffic to revision `to` (by
   * number or name; default the revision before the one serving most requests now) at
   * once. No revision is made: the old revision's workload takes the requests, warm when it
   * still has ready replicas. REVISION_NO_PREVIOUS when there is nothing to go back to.
   */
  rollback(name: string, to?: number | string, options?: CallOptions): Promise<FunctionStatus>;
  /**
   * `GET /v1/functions/{name}/events`: its recent events (deploys with their revision, scale
   * changes, replica crashes with exit code and reason, readiness, failures), newest first.
   */
  events(name: string, options?: EventsOptions): Promise<FunctionEvent[]>;
  /**
   * Polls until every wanted replica is ready and on the latest spec. Rejects with
   * CLIENT_WAIT_FAILED when the function fails (`details.lastError` says why: crash loop with
   * its last stderr line, image not found) or the timeout passes (`details.status` is the last
   * status seen).
   */
  waitUntilReady(name: string, options?: WaitOptions): Promise<FunctionStatus>;
}

/** Path of one function (names are DNS labels; encoded anyway; "", "." and ".." refused). */
export function functionPath(name: string, suffix = ""): string {
  return `/v1/functions/${pathSegment(name, "function name")}${suffix}`;
}

function tenantQuery(options: CallOptions | undefined) {
  return options?.tenant === undefined ? undefined : { tenant: options.tenant };
}

/**
 * Whether a status counts as ready for `wanted` replicas. For 0 wanted (scale to zero), ready
 * means the function serves its latest spec on demand: scaled to zero, or Running on a replica
 * an invoke woke (its `replicas` stay 0 while it runs) with every ready replica updated. A
 * Failed, Pending or Deploying function is never ready.
 */
export function isReady(status: FunctionStatus, wanted = status.replicas): boolean {
  if (wanted === 0)
    return (
      status.status === "ScaledToZero" ||
      (status.status === "Running" && status.updated_replicas >= status.ready_replicas)
    );
  return (
    status.status === "Running" &&
    status.ready_replicas >= wanted &&
    status.updated_replicas >= wanted
  );
}

function hasCode(error: unknown, code: string): boolean {
  return isEventFlowError(error) && error.code === code;
}

function waitFailed(name: string, status: FunctionStatus, reason: string): EventFlowError {
  return new EventFlowError("CLIENT_WAIT_FAILED", `${name} did not become ready: ${reason}`, {
    details: {
      name,
      status: status.status,
      readyReplicas: status.ready_replicas,
      replicas: status.replicas,
      ...(status.last_error === undefined ? {} : { lastError: status.last_error }),
    },
  });
}

/** Builds the functions API over a transport. */
export function createFunctionsApi(transport: Transport): FunctionsApi {
  const api: FunctionsApi = {
    create: (request, options) =>
      transport.json({
        method: "POST",
        path: "/v1/functions",
        query: tenantQuery(options),
        json: request,
        idempotent: false,
        signal: options?.signal,
      }),
    update: async (name, spec, options) =>
      transport.json({
        method: "PUT",
        path: functionPath(name),
        query: tenantQuery(options),
        json: spec,
        idempotent: true,
        signal: options?.signal,
      }),
    get: async (name, options) =>
      transport.json({
        method: "GET",
        path: functionPath(name),
        query: tenantQuery(options),
        idempotent: true,
        signal: options?.signal,
      }),
    list: (options) =>
      transport.json({
        method: "GET",
        path: "/v1/functions",
        query: tenantQuery(options),
        idempotent: true,
        signal: options?.signal,
      }),
    async delete(name, options) {
      try {
        await transport.json({
          method: "DELETE",
          path: functionPath(name),
          query: tenantQuery(options),
          idempotent: true,
          signal: options?.signal,
        });
        return true;
      } catch (error) {
        if (options?.missingOk === true && hasCode(error, "FUNCTION_NOT_FOUND")) return false;
        throw error;
      }
    },
    async createOrUpdate(request, options) {
      const { name, ...spec } = request;
      // Update first (the common case of a redeploy); each step that loses a race to another
      // writer falls through to the other, a bounded number of times.
      for (let round = 0; ; round++) {
        try {
          return { action: "updated", function: await api.update(name, spec, options) };
        } catch (error) {
          if (!hasCode(error, "FUNCTION_NOT_FOUND") || round === 2) throw error;
        }
        try {
          return { action: "created", function: await api.create(request, options) };
        } catch (error) {
          if (!hasCode(error, "FUNCTION_ALREADY_EXISTS") || round === 2) throw error;
        }
      }
    },
    // Setting a replica count is idempotent even though it is a POST.
    scale: async (name, replicas, options) =>
      transport.json({
        method: "POST",
        path: functionPath(name, ":scale"),
        query: tenantQuery(options),
        json: { replicas },
        idempotent: true,
        signal: options?.signal,
      }),
    revisions: (name, options) =>
      transport.json({
        method: "GET",
        path: functionPath(name, "/revisions"),
        query: tenantQuery(options),
        idempotent: true,
        signal: options?.signal,
      }),
    revision: (name, revision, options) =>
      transport.json({
        method: "GET",
        path: functionPath(name, `/revisions/${pathSegment(String(revision), "revision")}`),
        query: tenantQuery(options),
        idempotent: true,
        signal: options?.signal,
      }),
    events: (name, options) =>
      transport.json({
        method: "GET",
        path: functionPath(name, "/events"),
        query: { ...tenantQuery(options), limit: options?.limit },
        idempotent: true,
        signal: options?.signal,
      }),
    // Setting the same traffic twice leaves it as the first call set it.
    traffic: (name, targets, options) =>
      transport.json({
        method: "POST",
        path: functionPath(name, ":traffic"),
        query: tenantQuery(options),
        json: { traffic: [...targets] } satisfies TrafficRequest,
        idempotent: true,
        signal: options?.signal,
      }),
    // Going back to a named revision twice changes nothing the second time; "the one before"
    // would go one further, so only a rollback with `to` is retried.
    rollback: (name, to, options) =>
      transport.json({
        method: "POST",
        path: functionPath(name, ":rollback"),
        query: tenantQuery(options),
        json: to === undefined ? {} : { to },
        idempotent: to !== undefined,
        signal: options?.signal,
      }),
    async waitUntilReady(name, options = {}) {
      const timeout = options.timeout ?? 120_000;
      const interval = options.interval ?? 250;
      const deadline = Date.now() + timeout;
      for (;;) {
        const status = await api.get(name, options);
        options.onProgress?.(status);
        if (isReady(status, options.replicas)) return status;
        const crashLooping =
          status.status === "Degraded" && status.last_error?.code === "FUNCTION_CRASH_LOOP";
        if (status.status === "Failed" || crashLooping)
          throw waitFailed(name, status, status.last_error?.message ?? "the function failed");
        if (Date.now() + interval > deadline) {
          const why =
            status.last_error === undefined
              ? `still ${status.status} with ${status.ready_replicas}/${status.replicas} replicas ready after ${Math.round(timeout / 1000)} s`
              : `${status.last_error.code}: ${status.last_error.message}`;
          throw waitFailed(name, status, why);
        }
        await sleep(interval, options.signal);
      }
    },
  };
  return api;
}
