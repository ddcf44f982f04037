/**
 * Asynchronous invocations as the API shows them (`GET /v1/invocations/{id}`, lists, the 202 of
 * an asynchronous invoke): the wire shapes the controller answers in and the SDK reads.
 */

/** Where an invocation is. `failed`: answered with a status not retried; `dead`: retries used up. */
export type InvocationState = "queued" | "running" | "succeeded" | "failed" | "dead";

/** One attempt at delivering an invocation. */
export interface InvocationAttempt {
  readonly attempt: number;
  readonly startedAt: string;
  readonly finishedAt?: string;
  /** The function's HTTP status, when it answered. */
  readonly status?: number;
  /** A stable code and a message, when the attempt failed without an answer or was retried. */
  readonly error?: { readonly code: string; readonly message: string };
}

/** The function's answer, kept up to the controller's result limit. */
export interface InvocationResult {
  readonly status: number;
  readonly contentType?: string;
  /** base64 of at most the limit's bytes. */
  readonly body: string;
  readonly truncated: boolean;
}

/** An asynchronous invocation (its request body is not echoed). */
export interface Invocation {
  readonly id: string;
  readonly tenant: string;
  readonly function: string;
  readonly state: InvocationState;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Not before this time will the next attempt start (queued only). */
  readonly nextAttemptAt?: string;
  readonly finishedAt?: string;
  /** The record is forgotten after this time (set when it reaches a final state). */
  readonly expiresAt?: string;
  readonly attempts: readonly InvocationAttempt[];
  /** Attempts the invocation may have (its function's retry policy, or the controller's). */
  readonly maxAttempts: number;
  readonly result?: InvocationResult;
  readonly callbackUrl?: string;
  readonly idempotencyKey?: string;
}

/** The 202 of an asynchronous invoke. */
export interface InvocationAccepted {
  readonly id: string;
  readonly state: InvocationState;
  readonly location: string;
  /** True when an `idempotencyKey` named an invocation made earlier (nothing new was queued). */
  readonly replayed: boolean;
}
