/** Validates request parts against zod schemas; every problem becomes a field-level detail. */
import { EventFlowError, type FieldIssue } from "@eventflow/protocol";
import type { z } from "zod";

/** Where a value came from, prefixed to detail paths (body paths are unprefixed). */
export type InputLocation = "body" | "query" | "params";

/** The field-level details of a zod error. */
export function toFieldIssues(error: z.ZodError, location: InputLocation): FieldIssue[] {
  return error.issues
    .map((issue) => {
      const parts = issue.path.map(String);
      if (issue.code === "unrecognized_keys") {
        return issue.keys.map((key) => ({
          path: [...(location === "body" ? [] : [location]), ...parts, key].join("."),
          message: "unknown field",
        }));
      }
      return [
        {
          path: [...(location === "body" ? [] : [location]), ...parts].join("."),
          message: issue.message,
        },
      ];
    })
    .flat();
}

/** Parses `value` or throws REQUEST_VALIDATION_FAILED listing every problem. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  location: InputLocation,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = toFieldIssues(result.error, location);
  const first = details[0];
  throw new EventFlowError(
    "REQUEST_VALIDATION_FAILED",
    `invalid ${location}${first === undefined ? "" : `: ${first.path || "(root)"} ${first.message}`}`,
    { details },
  );
}
