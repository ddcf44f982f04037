/** Finding a revision of a function by number or name, and the one a rollback goes to. */
import { EventFlowError, parseRevisionName, revisionName } from "@eventflow/protocol";
import type { StoredRevision } from "../drivers/driver.js";

const DIGITS = /^[0-9]+$/;

/**
 * The number `ref` names: a number (`4`, or `"4"` from a path or a body) or a revision name of
 * function `fn` (`hello-00004`; REVISION_NAME_INVALID for anything else). Whether it exists is
 * not checked here.
 */
export function revisionNumberOf(ref: number | string, fn: string): number {
  if (typeof ref === "number") return ref;
  return DIGITS.test(ref) ? Number(ref) : parseRevisionName(ref, fn).number;
}

/**
 * The revision `ref` names among `revisions` (newest first) of function `fn`: a number (`4`, or
 * `"4"` from a path) or the revision's name (`hello-00004`). REVISION_NAME_INVALID for a name
 * that is not one of `fn`'s, REVISION_NOT_FOUND for one that does not exist (any more).
 */
export function findRevision(
  revisions: readonly StoredRevision[],
  fn: string,
  ref: number | string,
): StoredRevision {
  const number = revisionNumberOf(ref, fn);
  const found = revisions.find((r) => r.number === number);
  if (found !== undefined) return found;
  const name = Number.isSafeInteger(number) && number >= 1 ? revisionName(fn, number) : String(ref);
  throw new EventFlowError(
    "REVISION_NOT_FOUND",
    `function ${fn} has no revision ${name}: it was never made, or revisionHistoryLimit pruned it`,
  );
}

/**
 * Where a rollback without `to` goes: the revision before the newest (`kubectl rollout undo`),
 * REVISION_NO_PREVIOUS when there is none.
 */
export function previousRevision(revisions: readonly StoredRevision[], fn: string): StoredRevision {
  const previous = revisions[1];
  if (previous !== undefined) return previous;
  throw new EventFlowError(
    "REVISION_NO_PREVIOUS",
    `function ${fn} has no revision before its current one to roll back to`,
  );
}
