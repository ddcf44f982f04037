/** What drivers do with a spec's `secrets` while they cannot deliver them. */
import { EventFlowError } from "@eventflow/protocol";
import type { FunctionSpec } from "./driver.js";

/**
 * Refuses a spec that names secrets (SECRETS_UNSUPPORTED), before anything is created or rolled:
 * neither driver stores or delivers secrets yet, and a function deployed without the secrets it
 * names would only fail later, at its first read.
 */
export function refuseSecrets(spec: FunctionSpec, driver: "local" | "kubernetes"): void {
  if (spec.secrets === undefined || spec.secrets.length === 0) return;
  throw new EventFlowError(
    "SECRETS_UNSUPPORTED",
    `function ${spec.name} names secrets, which the ${driver} driver does not deliver yet`,
    { details: { secrets: spec.secrets.map((s) => s.name) } },
  );
}
