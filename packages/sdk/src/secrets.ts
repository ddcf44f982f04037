/**
 * `@eventflow/sdk/secrets`: reads the secrets a function's spec mounts as files
 * (`secrets: [{ name }]`, `/var/eventflow/secrets/NAME/KEY`). Node only (node:fs); its own
 * entry so the function-authoring root and the browser-safe client never load it.
 * @packageDocumentation
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EventFlowError } from "@eventflow/protocol";
import { secretKeySchema, secretNameSchema } from "@eventflow/protocol/function-spec";

/** Where secrets are mounted when `EVENTFLOW_SECRETS_DIR` is not set. */
export const DEFAULT_SECRETS_DIR = "/var/eventflow/secrets";

/** Options of {@link readSecret}. */
export interface ReadSecretOptions {
  /** The directory holding one directory per secret (default: `EVENTFLOW_SECRETS_DIR`, else /var/eventflow/secrets). */
  readonly dir?: string | undefined;
}

function checked(what: "name" | "key", value: unknown): string {
  const schema = what === "name" ? secretNameSchema : secretKeySchema;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const why = result.error.issues[0]?.message ?? "is invalid";
  throw new EventFlowError(
    "SECRET_REF_INVALID",
    `secret ${what} ${JSON.stringify(value)}: ${why}`,
    { details: [{ path: what, message: why }] },
  );
}

/** The file a secret's key is mounted at; name and key are checked first, so `../` cannot escape the directory. */
export function secretPath(name: string, key: string, options: ReadSecretOptions = {}): string {
  const dir = options.dir ?? process.env.EVENTFLOW_SECRETS_DIR ?? DEFAULT_SECRETS_DIR;
  return join(dir, checked("name", name), checked("key", key));
}

/**
 * The bytes of key `key` of secret `name`, as the function's spec mounts it (`mount: files`).
 * Synchronous, so it also works at module load; the files are small (a secret holds 1 MiB at most).
 * Throws SECRET_REF_INVALID for a name or key no secret can have and SECRET_NOT_MOUNTED when
 * the file is absent; the message names the path, never a value.
 *
 * @example
 * import { readSecretText } from "@eventflow/sdk/secrets";
 * const apiKey = readSecretText("stripe", "api-key"); // eventflow.yaml: secrets: [{ name: stripe }]
 */
export function readSecret(name: string, key: string, options?: ReadSecretOptions): Buffer {
  const path = secretPath(name, key, options);
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const missing = code === "ENOENT" || code === "ENOTDIR";
    throw new EventFlowError(
      "SECRET_NOT_MOUNTED",
      missing
        ? `secret ${name} key ${key} is not mounted: ${path} does not exist. Add \`secrets: [{ name: ${name} }]\` to the function's spec (mount: files, the default) and check that the secret has the key ${key} (\`eventflow secret describe ${name}\`)`
        : `secret ${name} key ${key} could not be read from ${path} (${code ?? "error"})`,
      { cause: error, details: { name, key, path } },
    );
  }
}

/** {@link readSecret} as UTF-8 text (a trailing newline, as `echo` writes one, is kept). */
export function readSecretText(name: string, key: string, options?: ReadSecretOptions): string {
  return readSecret(name, key, options).toString("utf8");
}
