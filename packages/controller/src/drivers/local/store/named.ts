/** The store's one way of naming its database in a failure. */
import { EventFlowError, isEventFlowError } from "@eventflow/protocol";

/**
 * Runs one operation on the database (functions, secrets, a backup); SQLite's own error, which names no
 * file ("database or disk is full"), becomes LOCAL_STORE_FAILED naming the database.
 */
export function named<T>(path: string, op: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (isEventFlowError(error)) throw error;
    throw new EventFlowError(
      "LOCAL_STORE_FAILED",
      `${op} in the database ${path} failed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}
