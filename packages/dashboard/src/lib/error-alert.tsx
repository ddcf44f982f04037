/** An error as the pages show it ({@link errorText}: message and code), in red. */
import { errorText } from "./server-errors.ts";

/** The alert, or nothing while `error` is null or undefined (no error). */
export function ErrorAlert({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  return (
    <p role="alert" className="text-sm text-red-700 dark:text-red-300">
      {errorText(error)}
    </p>
  );
}
