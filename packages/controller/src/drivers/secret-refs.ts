/** The check both drivers make of a spec's `secrets` before anything is rolled out. */
import { EventFlowError } from "@eventflow/protocol";
import type { FunctionSpec, SecretMeta, SecretStore } from "./driver.js";

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Where a spec's secret reference goes wrong; `reason` is said in the error's message. */
function missing(
  spec: FunctionSpec,
  secret: string,
  key: string | undefined,
  reason: string,
): EventFlowError {
  return new EventFlowError("FUNCTION_SECRET_MISSING", `function ${spec.name}: ${reason}`, {
    details: key === undefined ? { secret } : { secret, key },
  });
}

/**
 * Checks a spec's `secrets` against the tenant's secrets before anything is created or rolled
 * out: every named secret and key must exist (FUNCTION_SECRET_MISSING, details: secret and key),
 * and an `env` mount must yield variable names that are valid and not already in `spec.env`
 * (nor produced by another `env` mount). Reads key names only, never values.
 */
export async function checkSecretRefs(
  store: Pick<SecretStore, "get">,
  spec: FunctionSpec,
): Promise<void> {
  const envNames = new Set(Object.keys(spec.env ?? {}));
  for (const ref of spec.secrets ?? []) {
    let meta: SecretMeta;
    try {
      meta = await store.get(spec.tenant, ref.name);
    } catch (err) {
      if (err instanceof EventFlowError && err.code === "SECRET_NOT_FOUND")
        throw missing(spec, ref.name, undefined, `secret ${ref.name} does not exist`);
      throw err;
    }
    const have = new Set(meta.keys);
    for (const key of ref.keys ?? [])
      if (!have.has(key))
        throw missing(spec, ref.name, key, `secret ${ref.name} has no key ${key}`);
    if (ref.mount !== "env") continue;
    for (const key of ref.keys ?? meta.keys) {
      if (!ENV_NAME.test(key))
        throw missing(
          spec,
          ref.name,
          key,
          `key ${key} of secret ${ref.name} is not an environment variable name`,
        );
      if (envNames.has(key))
        throw missing(
          spec,
          ref.name,
          key,
          `key ${key} of secret ${ref.name} collides with the variable ${key} already set`,
        );
      envNames.add(key);
    }
  }
}
