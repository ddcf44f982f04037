/**
 * The driver interface: how the controller turns function specs into running replicas.
 * `local` runs EventFlow-built images as supervised processes; `kubernetes` creates
 * Deployments, Services and HPAs. The API layer and the invoke router only see this.
 */
import type {
  FunctionEvent,
  RequestScaling,
  FunctionPhase,
  FunctionSpecFields,
  FunctionStatus as WireFunctionStatus,
} from "@eventflow/protocol";

/** A validated function spec (the API's, from @eventflow/protocol), as stored and handed to drivers. */
export type FunctionSpec = Readonly<FunctionSpecFields & { tenant: string; name: string }>;

/** The seed's status values (the wire contract's, from @eventflow/protocol). */
export type { FunctionPhase };

/**
 * What the API lists for one function: the wire shape of @eventflow/protocol (the seed's field
 * names, `last_error`), with the driver's whole spec (tenant, resources, scaling) in `spec`; the API adds `url`.
 */
export type FunctionStatus = Omit<WireFunctionStatus, "spec" | "url"> & {
  readonly spec: FunctionSpec;
};

/** One ready replica the invoke router may send requests to. */
export interface Endpoint {
  /** Stable replica id (pod name on Kubernetes, `<name>-<n>` locally). */
  readonly replica: string;
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /**
   * The replica's key, which every request to it must carry in `x-eventflow-replica-key`
   * (local driver: loopback ports are open to every process of the machine). None on Kubernetes.
   */
  readonly key?: string;
}

/** A request-driven function as the autoscaler sees it (from the driver's memory, no I/O). */
export interface AutoscaledFunction {
  readonly tenant: string;
  readonly name: string;
  readonly scaling: RequestScaling;
  /** The replica count it is set to now. */
  readonly replicas: number;
  /** Its ready replicas (the autoscaler reads their load). */
  readonly endpoints: readonly Endpoint[];
}

/** One log line of one replica. `id` is monotonic per function so SSE can resume. */
export interface LogLine {
  readonly id: string;
  readonly replica: string;
  readonly stream: "stdout" | "stderr";
  readonly timestamp: string;
  readonly line: string;
  /** Set on every part of a line cut at 16 KiB but its last; the next line continues it. */
  readonly partial?: true;
}

/** Options for reading logs. */
export interface LogQuery {
  readonly follow?: boolean;
  /** Last N lines of history (before following). */
  readonly tail?: number;
  /** Only lines at or after this instant. */
  readonly since?: Date;
  /** Resume after this log id (SSE Last-Event-ID). */
  readonly afterId?: string;
  readonly signal?: AbortSignal;
}

/** A secret as a driver keeps it: its key names and version, never its values. */
export interface SecretMeta {
  readonly tenant: string;
  readonly name: string;
  /** Key names, sorted. */
  readonly keys: readonly string[];
  /** Opaque; changes on every write (functions using the secret roll when it does). */
  readonly version: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A secret's values by key, as bytes. Only ever written: no driver method returns them. */
export type SecretData = Readonly<Record<string, Uint8Array>>;

/**
 * A driver's secrets (Kubernetes: Secret objects it labels in the tenant's namespace; local:
 * sealed at rest in the data directory). Values go in and on to replicas, never back out.
 */
export interface SecretStore {
  /**
   * `create`: SECRET_ALREADY_EXISTS when the name is taken; `replace`: the whole new set of
   * keys, SECRET_NOT_FOUND when there is none. The tenant's functions that use the secret roll.
   */
  put(
    tenant: string,
    name: string,
    data: SecretData,
    mode: "create" | "replace",
  ): Promise<SecretMeta>;
  /** SECRET_NOT_FOUND when absent. */
  get(tenant: string, name: string): Promise<SecretMeta>;
  /** The secrets of one tenant, or of every tenant when `tenant` is undefined. */
  list(tenant?: string): Promise<SecretMeta[]>;
  /** SECRET_NOT_FOUND when absent. Functions that use it are not stopped, but fail to start. */
  delete(tenant: string, name: string): Promise<void>;
}

/** What a revision records of a spec: no tenant, name, `replicas` or `revisionHistoryLimit`. */
export type RevisionSpec = Readonly<
  Omit<FunctionSpecFields, "replicas" | "revisionHistoryLimit" | "traffic" | "rollout">
>;

/** One immutable revision of a function, as a driver keeps it. */
export interface StoredRevision {
  readonly tenant: string;
  readonly function: string;
  readonly number: number;
  readonly spec: RevisionSpec;
  /** The image's manifest digest when the driver resolved it. */
  readonly digest?: string;
  /** The subject of the token that made the change. */
  readonly createdBy: string;
  readonly createdAt: string;
}

/**
 * A driver's revisions (Kubernetes: ControllerRevisions owned by the Function; local: rows of
 * its database). Only storage: which change makes a revision is decided above it.
 */
export interface RevisionStore {
  /** The revisions of the function as it exists now, newest first. */
  list(tenant: string, name: string): Promise<StoredRevision[]>;
  /** Adds a revision; false (nothing written) when its number is taken. */
  add(revision: StoredRevision): Promise<boolean>;
  /** Deletes these revisions of the function (one already gone is no error). */
  remove(tenant: string, name: string, numbers: readonly number[]): Promise<void>;
  /** The manifest digest the function's current image resolved to, when the driver knows it. */
  digest(tenant: string, name: string): string | undefined;
}

/** What {@link Driver.invokeInfo} answers: the part of a status an invoke needs. */
export type InvokeInfo = Pick<FunctionStatus, "spec" | "created_at">;

/** A function driver. Methods throw EventFlowError with stable codes (FUNCTION_NOT_FOUND, ...). */
export interface Driver {
  readonly name: "local" | "kubernetes";
  /**
   * Whether the driver can serve right now (Kubernetes: informers synced and watching);
   * drivers without it are ready once started. /readyz should consult it.
   */
  ready?(): boolean;
  /**
   * Whether this controller runs the loops only one may run at a time (Kubernetes: it holds
   * the reconciler's lease); drivers without it always do.
   */
  leading?(): boolean;
  /** Restores persisted state (local: restarts stored functions). */
  start(): Promise<void>;
  /** Stops watching; the local driver drains and stops its processes. */
  close(): Promise<void>;
  /**
   * Shutdown has begun (requests still drain): give up what only one controller may hold
   * (the Kubernetes driver's reconciler lease) so another replica takes it over at once.
   */
  draining?(): Promise<void>;
  /** The tenant-scoped secrets functions reference in `spec.secrets`. */
  readonly secrets: SecretStore;
  /** The functions' revisions; deleting a function deletes them. */
  readonly revisions: RevisionStore;
  /**
   * Creates a function; FUNCTION_ALREADY_EXISTS when the name is taken in the tenant,
   * FUNCTION_SECRET_MISSING (before anything is created) when a secret or key it names does not exist.
   */
  create(spec: FunctionSpec): Promise<FunctionStatus>;
  /** Rolling update with no dropped invocations; FUNCTION_SECRET_MISSING as `create`. */
  update(spec: FunctionSpec): Promise<FunctionStatus>;
  delete(tenant: string, name: string): Promise<void>;
  scale(tenant: string, name: string, replicas: number): Promise<FunctionStatus>;
  get(tenant: string, name: string): Promise<FunctionStatus>;
  /**
   * What an invoke needs of a function (its spec and `created_at`, which invoke tokens are
   * bound to), read from memory without building its status: the invoke hot path asks it on
   * every request. Undefined when the driver cannot say at once (not started, unknown
   * function, a spec it could not read); the caller then asks `get`, which answers the error.
   */
  invokeInfo?(tenant: string, name: string): InvokeInfo | undefined;
  /** All functions of one tenant, or of every tenant when `tenant` is undefined. */
  list(tenant?: string): Promise<FunctionStatus[]>;
  /** Ready replicas right now; synchronous because the invoke hot path calls it. */
  endpoints(tenant: string, name: string): readonly Endpoint[];
  /**
   * Ensures at least one replica is starting (scale from zero) and resolves when one is
   * ready, or rejects with FUNCTION_NOT_READY / FUNCTION_CRASH_LOOP after `timeoutMs`.
   */
  waitForEndpoint(tenant: string, name: string, timeoutMs: number): Promise<Endpoint>;
  logs(tenant: string, name: string, query: LogQuery): AsyncIterable<LogLine>;
  /**
   * The function's recent events (deploys from its revisions, scale changes, replica crashes
   * with their exit code and reason, readiness and failures), newest first, at most
   * MAX_FUNCTION_EVENTS; FUNCTION_NOT_FOUND when there is no such function.
   */
  events(tenant: string, name: string): Promise<FunctionEvent[]>;
  /** The functions scaled on requests (`scaling.metric` concurrency or rps): the autoscaler's work. */
  autoscaled(): readonly AutoscaledFunction[];
  /**
   * Sets a request-driven function's replica count (Kubernetes: the Function's scale
   * subresource; local: in memory, the spec's `replicas` is where it starts after a restart).
   */
  setReplicas(tenant: string, name: string, replicas: number): Promise<void>;
}

/** Records invocations; the controller's metrics module implements it. */
export interface InvocationRecorder {
  invocation(
    fn: { tenant: string; name: string },
    statusCode: number,
    seconds: number,
    coldStart: boolean,
    /** The revision that served it (`hello-00004`), when the function has revisions. */
    revision?: string,
  ): void;
  inFlight(fn: { tenant: string; name: string }, delta: 1 | -1): void;
  /** An invoke refused with 429 because its tenant is over its rate (never reached a replica). */
  rateLimited?(fn: { tenant: string; name: string }): void;
}

/** Records what happens to function logs on their way in; the metrics module implements it. */
export interface LogRecorder {
  /** A batch of log lines could not be written (the lines are lost; logs are best effort). */
  writeError(): void;
  /** Lines of a function dropped because it was over its log ingestion budget. */
  linesDropped(fn: { tenant: string; name: string }, count: number): void;
}

/** Records the local driver's database backups; the metrics module implements it. */
export interface StoreRecorder {
  /** One backup attempt ended (`error`: nothing was kept of it; the controller goes on). */
  backup(result: "ok" | "error", at: Date): void;
}

/** A pino-like logger; drivers log replica lifecycle and reconcile events through it. */
export interface DriverLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
