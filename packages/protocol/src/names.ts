import { EventFlowError } from "./errors.js";

/**
 * Longest function name. A DNS-1123 label may have 63 characters; Kubernetes appends
 * `-<pod-template-hash>-<5 chars>` to pod names and EventFlow adds its own suffixes
 * (`-canary`, tenant prefixes), so names keep 23 characters of room.
 */
export const MAX_FUNCTION_NAME_LENGTH = 40;

/** A DNS-1123 label (length apart), the grammar of function and secret names. */
export const FUNCTION_NAME_PATTERN = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Returns why `name` is not a valid function name, or undefined when it is. */
export function checkFunctionName(name: unknown): string | undefined {
  if (typeof name !== "string" || name.length === 0) return "must be a non-empty string";
  if (name.length > MAX_FUNCTION_NAME_LENGTH) {
    return `must be at most ${MAX_FUNCTION_NAME_LENGTH} characters (got ${name.length})`;
  }
  if (!FUNCTION_NAME_PATTERN.test(name)) {
    return "must be a DNS-1123 label: lower-case letters, digits and '-', starting with a letter and ending with a letter or digit";
  }
  if (REVISION_SUFFIX.test(name)) {
    return "must not end in '-' and five or more digits: such names are kept for revisions (hello-00004 is revision 4 of hello)";
  }
  return undefined;
}

/**
 * The end of a revision's name (`-00004`). A function may not be named so: each revision that
 * takes traffic beside the newest runs under its revision name, next to the function's own
 * workload, and a function of that name would take its place.
 */
const REVISION_SUFFIX = /-[0-9]{5,}$/;

/** Validates a function name; throws REQUEST_VALIDATION_FAILED when it is not valid. */
export function parseFunctionName(name: unknown): string {
  const problem = checkFunctionName(name);
  if (problem !== undefined) {
    throw new EventFlowError("REQUEST_VALIDATION_FAILED", `invalid function name: ${problem}`, {
      details: [{ path: "name", message: problem }],
    });
  }
  return name as string;
}
