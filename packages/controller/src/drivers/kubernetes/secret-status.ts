/**
 * What the pods cannot say about secrets. A pod whose `files` secret is gone waits in
 * ContainerCreating with nothing but a FailedMount event (which the driver does not watch), so a
 * function that is not up is checked against the secrets index before its status is answered.
 */
import { EventFlowError } from "@eventflow/protocol";
import type { FunctionStatus, SecretStore } from "../driver.js";
import { checkSecretRefs } from "../secret-refs.js";

/**
 * `status` with FUNCTION_SECRET_MISSING in `last_error` when a secret (or key) its spec names is
 * gone and the function is not fully up; unchanged otherwise, when a known cause is already
 * shown, or when the index cannot be read (a status read does not fail on that).
 */
export async function withSecretProblem(
  status: FunctionStatus,
  store: Pick<SecretStore, "get">,
  now: string,
): Promise<FunctionStatus> {
  if (!status.spec.secrets?.length) return status;
  if (status.status === "Running" || status.status === "ScaledToZero") return status;
  const shown = status.last_error?.code;
  if (shown !== undefined && shown !== "FUNCTION_REPLICA_RESTARTED") return status;
  try {
    await checkSecretRefs(store, status.spec);
    return status;
  } catch (error) {
    if (!(error instanceof EventFlowError) || error.code !== "FUNCTION_SECRET_MISSING")
      return status;
    return { ...status, last_error: { code: error.code, message: error.message, at: now } };
  }
}
