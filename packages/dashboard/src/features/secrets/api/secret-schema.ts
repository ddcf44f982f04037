/**
 * The secret form's schema. Names and keys are checked with the protocol's own rules
 * (secretNameSchema, secretKeySchema: the ones the API and the function spec use); the form
 * adds what only it has: a value (typed, or a file for binary values) for every key, since
 * values are never read back and an update must give each one again, and no key twice.
 */
import type { SecretInfo } from "@eventflow/protocol";
import { secretKeySchema, secretNameSchema } from "@eventflow/protocol/function-spec";
import type { SecretValues } from "@eventflow/sdk/client";
import { z } from "zod";

const row = z.object({
  key: z.string(),
  value: z.string(),
  // A chosen file replaces the typed value; its bytes are read only when the form is sent.
  file: z.instanceof(Blob).optional(),
});

/** The form's schema. */
export const secretFormSchema = z
  .object({ name: z.string(), entries: z.array(row) })
  .superRefine((f, ctx) => {
    const issue = (message: string, ...path: (string | number)[]) =>
      ctx.addIssue({ code: "custom", path, message });
    const name = secretNameSchema.safeParse(f.name);
    if (!name.success) issue(name.error.issues[0]!.message, "name");
    if (f.entries.length === 0) issue("add at least one key", "entries");
    const seen = new Set<string>();
    f.entries.forEach((entry, i) => {
      const key = secretKeySchema.safeParse(entry.key);
      if (!key.success) issue(key.error.issues[0]!.message, "entries", i, "key");
      else if (seen.has(entry.key)) issue("duplicate key", "entries", i, "key");
      seen.add(entry.key);
      if (entry.value === "" && entry.file === undefined)
        issue("required: type a value or choose a file", "entries", i, "value");
    });
  });

/** The form's values. */
export type SecretFormValues = z.infer<typeof secretFormSchema>;

/** A new secret: one empty row. */
export const EMPTY_SECRET_FORM: SecretFormValues = { name: "", entries: [{ key: "", value: "" }] };

/**
 * The form of an existing secret: its key names with empty values. The API never returns a
 * value, and the form never holds one it did not get from the user.
 */
export function fromSecret(secret: SecretInfo): SecretFormValues {
  return { name: secret.name, entries: secret.keys.map((key) => ({ key, value: "" })) };
}

/**
 * The values to send: typed ones as text, files as their bytes (the client sends those
 * base64 in `data`, so binary files arrive intact).
 */
export async function toSecretValues(f: SecretFormValues): Promise<SecretValues> {
  const values: Record<string, string | Uint8Array> = {};
  for (const entry of f.entries)
    values[entry.key] = entry.file ? new Uint8Array(await entry.file.arrayBuffer()) : entry.value;
  return values;
}

/** The form field an API error path (`name`, `stringData.KEY`, `data.KEY`) belongs to. */
export function toSecretFieldPath(apiPath: string, entries: SecretFormValues["entries"]): string {
  if (apiPath === "name" || apiPath === "params.name") return "name";
  const match = /^(?:stringData|data)\.(.+)$/.exec(apiPath);
  if (match) {
    const i = entries.findIndex((e) => e.key === match[1]);
    return i >= 0 ? `entries.${i}.value` : "root.server";
  }
  if (apiPath === "stringData" || apiPath === "data") return "entries";
  return "root.server";
}
