/**
 * How the pages show an API error: its message with its stable code, on the form field it
 * concerns when there is one. One definition for every form and dialog.
 */
import { isEventFlowError, type EventFlowError } from "@eventflow/protocol";
import type { FieldPath, FieldValues, UseFormSetError } from "react-hook-form";

/** An error as the pages show it: "message (CODE)" for the API's, the message otherwise. */
export function errorText(error: unknown): string {
  if (isEventFlowError(error)) return `${error.message} (${error.code})`;
  return error instanceof Error ? error.message : String(error);
}

/** Where a form puts the API's errors. */
export interface ServerErrorFields<T extends FieldValues> {
  /** The field an error with this code (and details) concerns, if any. */
  fieldOf?: (error: EventFlowError) => FieldPath<T> | undefined;
  /** The form field of a REQUEST_VALIDATION_FAILED detail's API path (`root.server` if none). */
  toFieldPath: (apiPath: string) => string;
}

/**
 * Shows `error` on the form: on the field its code concerns, each validation detail on the
 * field it names, anything else for the whole form (`root.server`).
 */
export function showServerError<T extends FieldValues>(
  error: unknown,
  setError: UseFormSetError<T>,
  fields: ServerErrorFields<T>,
): void {
  const field = isEventFlowError(error) ? fields.fieldOf?.(error) : undefined;
  if (field !== undefined) {
    setError(field, { message: errorText(error) }, { shouldFocus: true });
  } else if (
    isEventFlowError(error) &&
    error.code === "REQUEST_VALIDATION_FAILED" &&
    Array.isArray(error.details)
  ) {
    for (const issue of error.details as { path: string; message: string }[])
      setError(fields.toFieldPath(issue.path) as FieldPath<T>, { message: issue.message });
  } else {
    setError("root.server", { message: errorText(error) });
  }
}
