/**
 * The controller API's data shapes (v1) as plain types, for clients that must stay
 * browser-safe (the SDK client, the dashboard). The controller's zod schemas validate the
 * wire; a type test in packages/sdk/test/client keeps these in step with them. Request
 * bodies are the function spec's own types (function-spec/schema.ts).
 */
import type {
  FunctionAuth,
  FunctionCors,
  FunctionSpecInput,
  SecretRef,
} from "./function-spec/schema.js";
import type { FunctionRetry, FunctionTrigger } from "./function-spec/triggers.js";
import type { RolloutPhase } from "./revisions/rollout.js";
import type { TrafficTarget } from "./revisions/traffic.js";

/** Phase of a function as the API reports it. */
export type FunctionPhase =
  "Pending" | "Deploying" | "Running" | "Degraded" | "Failed" | "ScaledToZero";

/** Every phase, in the order a deployment usually goes through them. */
export const FUNCTION_PHASES: readonly FunctionPhase[] = [
  "Pending",
  "Deploying",
  "Running",
  "Degraded",
  "Failed",
  "ScaledToZero",
];

/** Body of `POST /v1/functions`. */
export interface FunctionCreateRequest extends FunctionSpecInput {
  readonly name: string;
}

/** The last problem of a function a user must see (crash loop, image not found). */
export interface FunctionLastError {
  readonly code: string;
  readonly message: string;
  readonly at: string;
}

/** One function as `GET /v1/functions/{name}` answers it. */
export interface FunctionStatus {
  readonly name: string;
  readonly tenant: string;
  readonly image: string;
  readonly replicas: number;
  readonly available_replicas: number;
  readonly ready_replicas: number;
  readonly updated_replicas: number;
  readonly status: FunctionPhase;
  readonly created_at: string;
  readonly updated_at: string;
  readonly last_error?: FunctionLastError;
  /**
   * The function's HTTP endpoint: any method and any path below it reach the function
   * (`/fn/TENANT/NAME/`), absolute when the controller knows its public URL
   * (`EVENTFLOW_PUBLIC_URL`, else the request's own origin).
   */
  readonly url: string;
  /**
   * Request-driven autoscaling (`scaling.metric` concurrency or rps): the replica count it wants
   * and what it saw, as known to the controller that answers (the autoscaler runs on one).
   */
  readonly autoscaler?: AutoscalerStatus;
  /**
   * Where its requests go: each revision that takes a share or has a tag, with its ready
   * replicas (absent when the function has no revision yet, e.g. one written around the API).
   */
  readonly traffic?: TrafficStatus[];
  /** The progressive rollout of its newest revision, while one runs and after it ended. */
  readonly rollout?: RolloutStatus;
  readonly spec: {
    readonly image: string;
    readonly replicas: number;
    readonly command?: string[];
    readonly args?: string[];
    readonly env?: Record<string, string>;
    readonly resources?: unknown;
    readonly scaling?: unknown;
    readonly containerConcurrency?: number;
    readonly timeoutSeconds?: number;
    readonly auth?: FunctionAuth;
    readonly cors?: FunctionCors;
    readonly maxBodyBytes?: number;
    readonly secrets?: SecretRef[];
    readonly triggers?: FunctionTrigger[];
    readonly retry?: FunctionRetry;
    readonly revisionHistoryLimit?: number;
    /** As stored: revisions by number (`TrafficTarget` also takes names, as `:traffic` does). */
    readonly traffic?: NonNullable<FunctionSpecInput["traffic"]>;
    readonly rollout?: NonNullable<FunctionSpecInput["rollout"]>;
  };
}

/** One revision's share of a function's requests (`FunctionStatus.traffic`). */
export interface TrafficStatus {
  readonly revision: number;
  /** `hello-00004`, also what `x-eventflow-revision` says on its answers. */
  readonly name: string;
  readonly percent: number;
  /** Requests with `X-EventFlow-Tag: <tag>` reach this revision alone. */
  readonly tag?: string;
  /** Whether the entry follows the newest revision. */
  readonly latest_revision: boolean;
  /** Its ready replicas (an idle revision other than the newest scales to zero). */
  readonly ready_replicas: number;
}

/** A rollout of a new revision (`FunctionStatus.rollout`). */
export interface RolloutStatus {
  /** The revision rolling out. */
  readonly revision: number;
  /** The revision it takes the requests from (which gets them all back on a roll back). */
  readonly from: number;
  readonly phase: RolloutPhase;
  /** Index into `spec.rollout.steps` of the current (or, once ended, last) step. */
  readonly step: number;
  /** Percent of the requests the new revision takes now. */
  readonly percent: number;
  /** When the current step began or the rollout ended (ISO 8601). */
  readonly since: string;
  /** Why it stands where it does (a failed step's error rate or p95, waiting for requests). */
  readonly reason?: string;
}

/** Body of `POST /v1/functions/{name}:traffic`. */
export interface TrafficRequest {
  readonly traffic: TrafficTarget[];
}

/**
 * One revision of a function (`GET /v1/functions/{name}/revisions`): the spec of its code and
 * configuration as a create or an update set it, immutable once made.
 */
export interface FunctionRevision {
  /** `hello-00004`. */
  readonly name: string;
  readonly number: number;
  /** The image reference as the spec wrote it. */
  readonly image: string;
  /** The image's manifest digest when the controller resolved it (`sha256:...`). */
  readonly digest?: string;
  /** The subject of the token that made the change. */
  readonly created_by: string;
  readonly created_at: string;
  /** Whether the function runs this revision's spec now (the newest revision, unless changed around the API). */
  readonly current: boolean;
  /** Its share of the function's requests now (0 when it takes none). */
  readonly percent: number;
  /** The traffic tags that reach it. */
  readonly tags?: string[];
  /** The spec without what makes no revision (`replicas`, `revisionHistoryLimit`). */
  readonly spec: Omit<
    FunctionStatus["spec"],
    "replicas" | "revisionHistoryLimit" | "traffic" | "rollout"
  >;
}

/** Body of `POST /v1/functions/{name}:rollback`. */
export interface RollbackRequest {
  /** The revision to go back to, by number or name; absent: the one before the current. */
  readonly to?: number | string;
}

/** The autoscaler's view of one request-driven function. */
export interface AutoscalerStatus {
  /** Replicas it asks for (what `replicas` becomes). */
  readonly desired_replicas: number;
  /** The scaling metric averaged over the stable window (60 s): in-flight requests or requests/s. */
  readonly observed: number;
  /** Whether it is in panic mode (the 6 s window at twice the target: it does not scale down). */
  readonly panic: boolean;
  /** Invocations held by this controller waiting for a replica (scale from zero, or all busy). */
  readonly queued: number;
}

/**
 * One secret as the API shows it: names of its keys, never their values (values are
 * write-only: set by `POST`/`PUT /v1/secrets`, delivered only to the functions that use them).
 */
export interface SecretInfo {
  readonly name: string;
  readonly tenant: string;
  /** The key names, sorted. */
  readonly keys: string[];
  /** Changes on every update (functions using the secret roll when it does). */
  readonly version: string;
  readonly created_at: string;
  readonly updated_at: string;
  /** Functions of the tenant whose spec names this secret. */
  readonly used_by: string[];
}

/** The most a secret's values may hold together, in bytes (1 MiB, as a Kubernetes Secret). */
export const MAX_SECRET_BYTES = 1024 * 1024;

/**
 * Body of `POST /v1/secrets` (with `name`) and `PUT /v1/secrets/{name}` (the whole new set of
 * keys): values in `data` are base64 (binary-safe), in `stringData` UTF-8 text; a key may be in
 * one of them only. Together at most 1 MiB, as a Kubernetes Secret.
 */
export interface SecretWriteRequest {
  readonly name?: string;
  readonly data?: Record<string, string>;
  readonly stringData?: Record<string, string>;
}

/** One `log` event of `GET /v1/functions/{name}/logs`. */
export interface LogEvent {
  readonly replica: string;
  readonly stream: "stdout" | "stderr";
  readonly timestamp: string;
  readonly line: string;
  /**
   * Present (true) on every 16 KiB part of a longer line but its last: the next event of the
   * same replica continues the line. Absent on whole lines.
   */
  readonly partial?: true;
}

/** Ranges of `GET /v1/functions/{name}/metrics`. */
export type MetricsRange = "5m" | "15m" | "1h" | "6h" | "24h";

/** One step of a function's metrics series. */
export interface MetricsPoint {
  readonly timestamp: string;
  readonly invocations: number;
  /** Invocations answered with a 5xx status. */
  readonly errors: number;
  /** Invocations answered with a 4xx status. */
  readonly client_errors: number;
  readonly p50_ms: number | null;
  readonly p95_ms: number | null;
  /** Invocations that waited for a replica to start (scale from zero or up). */
  readonly cold_starts: number;
  /** Replicas the autoscaler asked for (the step's highest); null when none was recorded. */
  readonly replicas_desired: number | null;
  /** Replicas ready to serve (the step's highest); null when none was recorded. */
  readonly replicas_ready: number | null;
}

/** The answer of `GET /v1/functions/{name}/metrics`. */
export interface MetricsSeries {
  readonly name: string;
  readonly tenant: string;
  readonly range: string;
  readonly step_seconds: number;
  readonly points: MetricsPoint[];
}

/** A role a token may carry, weakest first. */
export type ApiRole = "viewer" | "developer" | "admin";

/** Answer of `POST /auth/token` (dev auth). */
export interface DevToken {
  readonly token: string;
  readonly tenant: string;
  readonly role: ApiRole;
  readonly expires_at: string;
}

/** Answer of `POST /v1/tokens`. */
export interface InvokeToken {
  readonly token: string;
  readonly tenant: string;
  readonly function: string;
  readonly scope: "invoke";
  readonly expires_at: string;
}

/** Answer of `GET /auth/config`. */
export interface AuthConfig {
  readonly devAuth: boolean;
  readonly oidc: {
    readonly issuer: string;
    readonly audience: string;
    readonly clientId?: string;
  } | null;
}
