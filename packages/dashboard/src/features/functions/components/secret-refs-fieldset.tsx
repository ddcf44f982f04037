/**
 * The secrets a function uses: one row per secret, its name picked from the tenant's secrets,
 * mounted as files (the default) or environment variables, optionally only some keys. Values
 * are never here: the function gets them from the controller when it starts.
 */
import type { SecretInfo } from "@eventflow/protocol";
import { Plus, Trash2 } from "lucide-react";
import {
  useFieldArray,
  type Control,
  type FieldErrors,
  type UseFormRegister,
} from "react-hook-form";
import { Link } from "../../../lib/router.tsx";
import type { FunctionFormValues } from "../api/function-schema.ts";
import { Field, TextField } from "../../../lib/form-field.tsx";

/** A secret the form offers: its name and key names (never values). */
export type SecretChoice = Pick<SecretInfo, "name" | "keys">;

/** The hint under a row's keys: which keys the chosen secret has. */
function keysHint(secret: SecretChoice | undefined): string {
  const all = "Comma-separated; empty for every key.";
  return secret ? `${all} ${secret.name} has: ${secret.keys.join(", ")}.` : all;
}

/** The fieldset; `secrets` are the tenant's secrets (undefined while they load). */
export function SecretRefsFieldset(props: {
  control: Control<FunctionFormValues>;
  register: UseFormRegister<FunctionFormValues>;
  errors: FieldErrors<FunctionFormValues>;
  secrets: readonly SecretChoice[] | undefined;
  chosen: readonly string[];
}) {
  const { control, register, errors } = props;
  const rows = useFieldArray({ control, name: "secrets" });
  const names = props.secrets?.map((s) => s.name) ?? [];
  const options = (current: string) =>
    [...new Set([...names, ...(current ? [current] : [])])].sort();
  return (
    <fieldset className="card space-y-3">
      <legend className="px-1 font-semibold">Secrets</legend>
      {rows.fields.length === 0 && (
        <p className="text-sm text-slate-600 dark:text-slate-400">No secrets.</p>
      )}
      {props.secrets?.length === 0 && (
        <p className="text-sm text-slate-600 dark:text-slate-400">
          This tenant has no secrets yet:{" "}
          <Link href="/secrets/new" className="underline">
            create one
          </Link>{" "}
          first.
        </p>
      )}
      {rows.fields.map((row, i) => {
        const e = errors.secrets?.[i];
        const current = props.chosen[i] ?? "";
        return (
          <div key={row.id} className="grid grid-cols-[1fr_1fr_1fr_auto] items-start gap-2">
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
              label={`Secret ${i + 1} keys`}
              error={e?.keys?.message}
              hint={keysHint(props.secrets?.find((s) => s.name === current))}
              reg={register(`secrets.${i}.keys`)}
              placeholder="api-key"
            />
            <button
              type="button"
              className="btn-ghost mt-6"
              onClick={() => rows.remove(i)}
              aria-label={`Remove secret ${i + 1}`}
            >
              <Trash2 aria-hidden size={16} />
            </button>
          </div>
        );
      })}
      {errors.secrets?.message && (
        <p role="alert" className="text-xs text-red-700 dark:text-red-300">
          {errors.secrets.message}
        </p>
      )}
      <button
        type="button"
        className="btn"
        onClick={() => rows.append({ name: "", mount: "files", keys: "" })}
      >
        <Plus aria-hidden size={16} /> Add secret
      </button>
    </fieldset>
  );
}
