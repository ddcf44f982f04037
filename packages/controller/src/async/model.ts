/**
 * The asynchronous invocation's record and its pure transitions, shared by every queue
 * backend: what an attempt's outcome does to the record (retry after a backoff, succeed, fail,
 * go dead), so both backends keep the same semantics by running the same code.
 */
import type {
  Invocation as WireInvocation,
  InvocationAttempt,
  InvocationResult,
  InvocationState,
} from "@eventflow/protocol";
import type { AsyncConfig } from "../config.js";

/** Where an invocation is (the wire's states). */
export type { InvocationState };

/** The states after which nothing more happens (unless a dead letter is redriven). */
export const FINAL_STATES: ReadonlySet<InvocationState> = new Set(["succeeded", "failed", "dead"]);

/** Retries of one invocation: the shape the controller's default policy is configured in. */
export type RetryPolicy = AsyncConfig["retry"];

/** An error as recorded on an attempt: a stable code and a message. */
export type AttemptError = NonNullable<InvocationAttempt["error"]>;

/** One attempt at delivering an invocation (stored as the API shows it). */
export type AttemptRecord = InvocationAttempt;

/** What the function is sent (the body base64, so any bytes survive JSON storage). */
export interface InvocationRequest {
  readonly body: string;
  readonly contentType?: string;
  readonly querystring: string;
  /** Extra headers for the function (CloudEvents binary mode for triggers). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The function's answer, kept up to the result size limit (stored as the API shows it). */
export type { InvocationResult };

/**
 * The stored record of one asynchronous invocation: what the API shows (`maxAttempts` is read
 * from `retry`) and what only the queue needs.
 */
export interface Invocation extends Omit<WireInvocation, "maxAttempts"> {
  /** Attempts made before the last redrive: the retry budget counts from there. */
  readonly attemptBase: number;
  readonly request: InvocationRequest;
  readonly retry: RetryPolicy;
  /** Bumped by every redrive; backends that publish messages use it to tell them apart. */
  readonly dispatches: number;
}

/** The outcome of one attempt, as the deliverer saw it. */
export type AttemptOutcome =
  | { readonly kind: "answered"; readonly result: InvocationResult; readonly retryAfterMs?: number }
  | {
      readonly kind: "error";
      readonly error: AttemptError;
      /** Timeouts, connection errors and platform 5xx are; anything the caller did wrong is not. */
      readonly retryable: boolean;
      readonly retryAfterMs?: number;
    };

/** Attempts already used against the current budget. */
export function attemptsUsed(inv: Invocation): number {
  return inv.attempts.length - inv.attemptBase;
}

/** The delay before attempt `next` (2 = the first retry): initial × multiplier^(next-2), capped. */
export function backoffMs(policy: RetryPolicy, next: number): number {
  const { initialMs, maxMs, multiplier } = policy.backoff;
  const raw = initialMs * multiplier ** Math.max(0, next - 2);
  return Math.min(maxMs, Math.round(raw));
}

/** Whether an answer's status is retried by default: 5xx, 429 and 408. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/** A `retry-after` header's delay in ms (seconds or an HTTP date), undefined when absent or bad. */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

/** What a new invocation is made of. */
export interface NewInvocation {
  readonly id: string;
  readonly tenant: string;
  readonly function: string;
  readonly request: InvocationRequest;
  readonly retry: RetryPolicy;
  readonly callbackUrl?: string;
  readonly idempotencyKey?: string;
}

/** A fresh queued record. */
export function buildInvocation(input: NewInvocation, now: Date): Invocation {
  const at = now.toISOString();
  return {
    ...input,
    state: "queued",
    createdAt: at,
    updatedAt: at,
    nextAttemptAt: at,
    attempts: [],
    attemptBase: 0,
    dispatches: 1,
  };
}

/**
 * Starts the next attempt. An attempt still open on the record was cut off (its worker died
 * mid-delivery): it is closed as ASYNC_DELIVERY_LOST and counts against the budget, so a
 * function that kills its worker every time still ends dead. Returns the record, or a dead one
 * when that lost attempt was the last allowed.
 */
export function beginAttempt(inv: Invocation, now: Date): Invocation {
  const at = now.toISOString();
  let attempts = inv.attempts;
  const last = attempts.at(-1);
  if (inv.state === "running" && last !== undefined && last.finishedAt === undefined) {
    const lost = {
      ...last,
      finishedAt: at,
      error: { code: "ASYNC_DELIVERY_LOST", message: "the worker stopped during the attempt" },
    };
    attempts = [...attempts.slice(0, -1), lost];
    if (attempts.length - inv.attemptBase >= inv.retry.maxAttempts)
      return finish({ ...inv, attempts }, "dead", now);
  }
  const { nextAttemptAt: _next, ...rest } = inv;
  return {
    ...rest,
    state: "running",
    updatedAt: at,
    attempts: [...attempts, { attempt: attempts.length + 1, startedAt: at }],
  };
}

function finish(inv: Invocation, state: InvocationState, now: Date): Invocation {
  const { nextAttemptAt: _next, ...rest } = inv;
  return { ...rest, state, updatedAt: now.toISOString(), finishedAt: now.toISOString() };
}

/** The record after an attempt, and the delay before the next one when it is retried. */
export interface AttemptTransition {
  readonly invocation: Invocation;
  readonly retryInMs?: number;
}

/** Closes the open attempt with its outcome and decides: done, retry later, or dead. */
export function endAttempt(inv: Invocation, outcome: AttemptOutcome, now: Date): AttemptTransition {
  const at = now.toISOString();
  const open = inv.attempts.at(-1);
  if (open === undefined || inv.state !== "running") return { invocation: inv };
  const closed: AttemptRecord =
    outcome.kind === "answered"
      ? { ...open, finishedAt: at, status: outcome.result.status }
      : { ...open, finishedAt: at, error: outcome.error };
  const attempts = [...inv.attempts.slice(0, -1), closed];
  const withResult =
    outcome.kind === "answered"
      ? { ...inv, attempts, result: outcome.result }
      : { ...inv, attempts };
  const retryable =
    outcome.kind === "answered" ? isRetryableStatus(outcome.result.status) : outcome.retryable;
  if (outcome.kind === "answered" && !retryable) {
    const ok = outcome.result.status < 400;
    return { invocation: finish(withResult, ok ? "succeeded" : "failed", now) };
  }
  if (!retryable) return { invocation: finish(withResult, "failed", now) };
  const used = attempts.length - inv.attemptBase;
  if (used >= inv.retry.maxAttempts) return { invocation: finish(withResult, "dead", now) };
  const delay = Math.max(backoffMs(inv.retry, used + 1), outcome.retryAfterMs ?? 0);
  return {
    invocation: {
      ...withResult,
      state: "queued",
      updatedAt: at,
      nextAttemptAt: new Date(now.getTime() + delay).toISOString(),
    },
    retryInMs: delay,
  };
}

/** A dead (or failed) invocation queued again with a fresh retry budget. */
export function redriven(inv: Invocation, now: Date): Invocation {
  const { finishedAt: _f, expiresAt: _e, result: _r, ...rest } = inv;
  const at = now.toISOString();
  return {
    ...rest,
    state: "queued",
    updatedAt: at,
    nextAttemptAt: at,
    attemptBase: inv.attempts.length,
    dispatches: inv.dispatches + 1,
  };
}

/** Sets when a final record is forgotten. */
export function withExpiry(inv: Invocation, ttlMs: number, now: Date): Invocation {
  if (!FINAL_STATES.has(inv.state)) return inv;
  return { ...inv, expiresAt: new Date(now.getTime() + ttlMs).toISOString() };
}
