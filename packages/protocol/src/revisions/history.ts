/**
 * Which revisions a function keeps: the newest `revisionHistoryLimit` ones, to roll back to,
 * plus every revision its traffic still sends requests to or tags, which is never pruned.
 */
import { EventFlowError } from "../errors.js";
import { checkRevisionNumber } from "./revision-names.js";

/** Revisions kept when the spec sets no `revisionHistoryLimit`. */
export const DEFAULT_REVISION_HISTORY_LIMIT = 10;

/** What {@link planRevisionHistory} reads. */
export interface RevisionHistoryInput {
  /** The numbers of the revisions that exist, in any order. */
  readonly revisions: readonly number[];
  /** Revisions the traffic references (resolved numbers, tagged 0 % targets included). */
  readonly referenced?: readonly number[];
  /** `revisionHistoryLimit`: at least 1, as the newest revision is always kept. */
  readonly limit?: number;
}

/** The revisions to keep and to delete, each ascending. */
export interface RevisionHistoryPlan {
  readonly keep: readonly number[];
  readonly prune: readonly number[];
}

function validationError(path: string, message: string): EventFlowError {
  return new EventFlowError("REQUEST_VALIDATION_FAILED", `${path} ${message}`, {
    details: [{ path, message }],
  });
}

/**
 * Splits a function's revisions into those to keep and those to prune. Throws
 * REQUEST_VALIDATION_FAILED for a limit below 1 or a revision that is not a revision number.
 */
export function planRevisionHistory(input: RevisionHistoryInput): RevisionHistoryPlan {
  const limit = input.limit ?? DEFAULT_REVISION_HISTORY_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw validationError("revisionHistoryLimit", "must be a whole number of at least 1");
  for (const field of ["revisions", "referenced"] as const)
    for (const [i, n] of (input[field] ?? []).entries()) {
      const problem = checkRevisionNumber(n);
      if (problem !== undefined) throw validationError(`${field}.${i}`, problem);
    }
  const newestFirst = [...new Set(input.revisions)].sort((a, b) => b - a);
  const referenced = new Set(input.referenced ?? []);
  const keep = new Set(newestFirst.slice(0, limit));
  for (const n of newestFirst) if (referenced.has(n)) keep.add(n);
  const ascending = newestFirst.reverse();
  return {
    keep: ascending.filter((n) => keep.has(n)),
    prune: ascending.filter((n) => !keep.has(n)),
  };
}
