/** Validates request parts against zod schemas; every problem becomes a field-level detail. */
import { EventFlowError, describeIssue, toFieldIssues, type FieldIssue } from "@eventflow/protocol";
import type { z } from "zod";

/** Where a value came from, prefixed to detail paths (body paths are unprefixed). */
export type InputLocation = "body" | "query" | "params";

/**
 * Environment and secret values: an error never quotes them back (nor into CI logs). Paths
 * are as reported, so `data.KEY` of a secret body, `env.NAME` of a function spec.
 */
const QUIET_PATHS = /^(env|data|stringData)\./;

/** The field-level details of a zod error, in the words of @eventflow/protocol's describeIssue. */
export function fieldIssuesOf(error: z.ZodError, location: InputLocation): FieldIssue[] {
  return toFieldIssues(error.issues, {
    prefix: location === "body" ? [] : [location],
    inputOf: (path, issue) => (QUIET_PATHS.test(path) ? undefined : issue.input),
  });
}

/** Parses `value` or throws REQUEST_VALIDATION_FAILED listing every problem. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  location: InputLocation,
): z.output<S> {
  const result = schema.safeParse(value, { error: describeIssue, reportInput: true });
  if (result.success) return result.data;
  const details = fieldIssuesOf(result.error, location);
  const first = details[0];
  throw new EventFlowError(
    "REQUEST_VALIDATION_FAILED",
    `invalid ${location}${first === undefined ? "" : `: ${first.path || "(root)"} ${first.message}`}`,
    { details },
  );
}
