/**
 * The secrets a function uses: one row per secret, its name picked from the tenant's secrets,
 * mounted as files (the default) or environment variables, optionally only some keys. Values
 * are never here: the function gets them from the controller when it starts.
 */
import type { SecretInfo } from "@eventflow/protocol";
import { useFieldArray, type UseFormReturn } from "react-hook-form";
import { Link } from "../../../lib/router.tsx";
import type { FunctionFormValues } from "../api/function-schema.ts";
import { Field, RowsFieldset, TextField } from "../../../lib/form-field.tsx";

/** A secret the form offers: its name and key names (never values). */
export type SecretChoice = Pick<SecretInfo, "name" | "keys">;

/** The hint under a row's keys: which keys the chosen secret has. */
function keysHint(secret: SecretChoice | undefined): string {
  const all = "Comma-separated; empty for every key.";
  return secret ? `${all} ${secret.name} has: ${secret.keys.join(", ")}.` : all;
}

/** The fieldset; `secrets` are the tenant's secrets (undefined while they load). */
export function SecretRefsFieldset(props: {
  form: UseFormReturn<FunctionFormValues>;
  secrets: readonly SecretChoice[] | undefined;
}) {
  const { form } = props;
  const { register, control, formState } = form;
  const errors = formState.errors;
  const rows = useFieldArray({ control, name: "secrets" });
  const chosen = form.watch("secrets").map((row) => row.name);
  const names = props.secrets?.map((s) => s.name) ?? [];
  const options = (current: string) =>
    [...new Set([...names, ...(current ? [current] : [])])].sort();
  return (
    <RowsFieldset
      legend="Secrets"
      noun="secret"
      empty="No secrets."
      rows={rows}
      blank={{ name: "", mount: "files", keys: "" }}
      columns="grid-cols-[1fr_1fr_1fr_auto]"
      error={errors.secrets?.message}
      row={(i) => {
        const e = errors.secrets?.[i];
        const current = chosen[i] ?? "";
        return (
          <>
            <Field label={`Secret ${i + 1}`} error={e?.name?.message}>
              {(id, d) => (
                <select
                  id={id}
                  className="input"
                  aria-invalid={!!e?.name || undefined}
                  aria-describedby={d}
                  {...register(`secrets.${i}.name`)}
                >
                  <option value="">Choose a secret</option>
                  {options(current).map((name) => (
                    <option key={name} value={name}>
                      {name}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label={`Secret ${i + 1} mount`} error={e?.mount?.message}>
              {(id, d) => (
                <select
                  id={id}
                  className="input"
                  aria-describedby={d}
                  {...register(`secrets.${i}.mount`)}
                >
                  <option value="files">files in /var/eventflow/secrets/</option>
                  <option value="env">environment variables</option>
                </select>
              )}
            </Field>
            <TextField
              form={form}
              name={`secrets.${i}.keys`}
              label={`Secret ${i + 1} keys`}
              hint={keysHint(props.secrets?.find((s) => s.name === current))}
              placeholder="api-key"
            />
          </>
        );
      }}
    >
      {props.secrets?.length === 0 && (
        <p className="text-sm text-slate-600 dark:text-slate-400">
          This tenant has no secrets yet:{" "}
          <Link href="/secrets/new" className="underline">
            create one
          </Link>{" "}
          first.
        </p>
      )}
    </RowsFieldset>
  );
}
