/**
 * Create or update a secret: a name and key/value rows. Values go in password inputs (or come
 * from a file, for binary values), are never prefilled (the API never returns them) and the
 * browser is asked not to remember them; an update replaces every key, so each value is
 * entered again.
 */
import { zodResolver } from "@hookform/resolvers/zod";
import { Plus, Trash2, X } from "lucide-react";
import { useFieldArray, useForm } from "react-hook-form";
import { Field, FormFooter, TextField } from "../../../lib/form-field.tsx";
import { showServerError } from "../../../lib/server-errors.ts";
import {
  secretFormSchema,
  toSecretFieldPath,
  type SecretFormValues,
} from "../api/secret-schema.ts";

/** The form; `onSubmit` may throw the API's error, shown on the field it concerns. */
export function SecretForm(props: {
  mode: "create" | "edit";
  initial: SecretFormValues;
  onSubmit: (values: SecretFormValues) => Promise<void>;
  onCancel?: () => void;
}) {
  const form = useForm<SecretFormValues>({
    resolver: zodResolver(secretFormSchema),
    defaultValues: props.initial,
    mode: "onTouched",
  });
  const { register, handleSubmit, formState, control, setError, getValues, setValue, watch } = form;
  const rows = useFieldArray({ control, name: "entries" });
  const errors = formState.errors;
  const entries = watch("entries");

  const submit = handleSubmit(async (values) => {
    try {
      await props.onSubmit(values);
    } catch (error) {
      showServerError(error, setError, {
        fieldOf: (e) => (e.code === "SECRET_ALREADY_EXISTS" ? "name" : undefined),
        toFieldPath: (path) => toSecretFieldPath(path, getValues("entries")),
      });
    }
  });

  const chooseFile = (i: number, file: File | undefined) => {
    setValue(`entries.${i}.file`, file);
    setValue(`entries.${i}.value`, "", { shouldValidate: true });
  };

  return (
    <form
      onSubmit={submit}
      noValidate
      className="space-y-6"
      aria-label={props.mode === "create" ? "Create secret" : "Update secret"}
    >
      <fieldset className="card space-y-3">
        <legend className="px-1 font-semibold">Secret</legend>
        <TextField
          label="Name"
          error={errors.name?.message}
          hint="Lower-case letters, digits and '-'. Functions name it in their spec."
          reg={register("name")}
          readOnly={props.mode === "edit"}
          placeholder="stripe"
        />
      </fieldset>

      <fieldset className="card space-y-3">
        <legend className="px-1 font-semibold">Keys and values</legend>
        <p className="text-sm text-slate-600 dark:text-slate-300" data-testid="write-only-note">
          Values are write-only: EventFlow never shows them again, here or in its API.
          {props.mode === "edit" &&
            " Saving replaces every key, so enter each value again; a key you remove is deleted."}
        </p>
        {rows.fields.map((row, i) => {
          const file = entries[i]?.file;
          return (
            <div key={row.id} className="grid grid-cols-[1fr_1fr_1fr_auto] items-start gap-2">
              <TextField
                label={`Key ${i + 1}`}
                error={errors.entries?.[i]?.key?.message}
                reg={register(`entries.${i}.key`)}
                placeholder="api-key"
              />
              <TextField
                label={`Value ${i + 1}`}
                error={errors.entries?.[i]?.value?.message}
                reg={register(`entries.${i}.value`)}
                readOnly={file !== undefined}
                placeholder={file ? "from the file" : undefined}
                type="password"
              />
              <Field
                label={`File ${i + 1}`}
                hint={file ? `${fileName(file)}, ${file.size} bytes` : "For binary values."}
              >
                {(id, d) =>
                  file ? (
                    <button
                      id={id}
                      type="button"
                      className="btn"
                      aria-describedby={d}
                      aria-label={`Clear file ${i + 1}`}
                      onClick={() => chooseFile(i, undefined)}
                    >
                      <X aria-hidden size={16} /> Clear
                    </button>
                  ) : (
                    <input
                      id={id}
                      type="file"
                      className="text-sm"
                      aria-describedby={d}
                      onChange={(e) => chooseFile(i, e.target.files?.[0])}
                    />
                  )
                }
              </Field>
              <button
                type="button"
                className="btn-ghost mt-6"
                onClick={() => rows.remove(i)}
                aria-label={`Remove key ${i + 1}`}
              >
                <Trash2 aria-hidden size={16} />
              </button>
            </div>
          );
        })}
        {(errors.entries?.message ?? errors.entries?.root?.message) && (
          <p role="alert" className="text-xs text-red-700 dark:text-red-300">
            {errors.entries?.message ?? errors.entries?.root?.message}
          </p>
        )}
        <button type="button" className="btn" onClick={() => rows.append({ key: "", value: "" })}>
          <Plus aria-hidden size={16} /> Add key
        </button>
      </fieldset>

      <FormFooter
        serverError={errors.root?.server?.message}
        submitLabel={props.mode === "create" ? "Create secret" : "Save secret"}
        submitting={formState.isSubmitting}
        onCancel={props.onCancel}
      />
    </form>
  );
}

function fileName(file: Blob): string {
  return file instanceof File ? file.name : "file";
}
