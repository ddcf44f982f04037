/**
 * Revision names: `<function>-<number>`, the number padded to five digits (`hello-00004`) so that
 * names sort by age in listings. Every change of a function's code or configuration makes the
 * next number; names are never reused.
 */
import { EventFlowError } from "../errors.js";
import { checkFunctionName } from "../names.js";

/** Digits a revision number is padded to. */
export const REVISION_NUMBER_DIGITS = 5;

/**
 * Past 99999 the number grows a sixth digit (`hello-100000`) rather than stopping a long-lived
 * function from deploying. The largest number is a safe integer (16 digits), so a revision name
 * of the longest function name (40) stays a DNS-1123 label (at most 63 characters).
 */
export const MAX_REVISION_NUMBER = Number.MAX_SAFE_INTEGER;

/** A revision's function and number, as read from its name. */
export interface RevisionRef {
  readonly function: string;
  readonly number: number;
}

/** Returns why `n` is not a revision number, or undefined when it is. */
export function checkRevisionNumber(n: unknown): string | undefined {
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 1
    ? undefined
    : "must be a whole number of at least 1";
}

function invalid(message: string, value: unknown): EventFlowError {
  return new EventFlowError("REVISION_NAME_INVALID", message, {
    details: { value: typeof value === "string" || typeof value === "number" ? value : null },
  });
}

/** The name of revision `n` of function `fn`: `revisionName("hello", 4)` is `hello-00004`. */
export function revisionName(fn: string, n: number): string {
  const nameProblem = checkFunctionName(fn);
  if (nameProblem !== undefined) throw invalid(`function name ${nameProblem}`, fn);
  const numberProblem = checkRevisionNumber(n);
  if (numberProblem !== undefined) throw invalid(`revision number ${numberProblem}`, n);
  return `${fn}-${String(n).padStart(REVISION_NUMBER_DIGITS, "0")}`;
}

const REVISION_NAME = /^(.+)-([0-9]+)$/;

/**
 * The function and number of a revision name; throws REVISION_NAME_INVALID unless `name` is
 * exactly what {@link revisionName} makes (so `hello-4` and `hello-000004` are refused: one
 * revision has one name). With `fn`, the revision must also belong to that function.
 */
export function parseRevisionName(name: unknown, fn?: string): RevisionRef {
  const shape = `a revision name is <function>-<number> with at least ${REVISION_NUMBER_DIGITS} digits, such as hello-00004`;
  const match = typeof name === "string" ? REVISION_NAME.exec(name) : null;
  if (match === null) throw invalid(`${JSON.stringify(name)} is not ${shape}`, name);
  const [, owner = "", digits = ""] = match;
  const number = Number(digits);
  if (checkFunctionName(owner) !== undefined || checkRevisionNumber(number) !== undefined)
    throw invalid(`${JSON.stringify(name)} is not ${shape}`, name);
  if (revisionName(owner, number) !== name)
    throw invalid(
      `${JSON.stringify(name)} is not ${shape}: write it as ${revisionName(owner, number)}`,
      name,
    );
  if (fn !== undefined && owner !== fn)
    throw invalid(`revision ${name} belongs to function ${owner}, not ${fn}`, name);
  return { function: owner, number };
}

/**
 * The function and number of a revision's workload named `name` (`hello-00004`: revision 4 of
 * hello), or undefined for any other name. No function may have such a name (checkFunctionName),
 * so a name that reads as a revision is one.
 */
export function revisionOfWorkload(name: string): RevisionRef | undefined {
  if (!/-[0-9]{5,}$/.test(name)) return undefined;
  try {
    return parseRevisionName(name);
  } catch {
    return undefined;
  }
}
