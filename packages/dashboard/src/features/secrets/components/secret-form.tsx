/**
 * Create or update a secret: a name and key/value rows. Values go in password inputs (or come
 * from a file, for binary values), are never prefilled (the API never returns them) and the
 * browser is asked not to remember them; an update replaces every key, so each value is
 * entered again.
 */
import { zodResolver } from "@hookform/resolvers/zod";
import { X } from "lucide-react";
import { useFieldArray, useForm } from "react-hook-form";
import { Field, Form, RowsFieldset, TextField } from "../../../lib/form-field.tsx";
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
  const { formState, control, getValues, setValue, watch } = form;
  const rows = useFieldArray({ control, name: "entries" });
  const errors = formState.errors;
  const entries = watch("entries");

  const chooseFile = (i: number, file: File | undefined) => {
    setValue(`entries.${i}.file`, file);
    setValue(`entries.${i}.value`, "", { shouldValidate: true });
  };

  return (
    <Form
      form={form}
      label={props.mode === "create" ? "Create secret" : "Update secret"}
      submitLabel={props.mode === "create" ? "Create secret" : "Save secret"}
      onSubmit={props.onSubmit}
      fields={{
        fieldOf: (e) => (e.code === "SECRET_ALREADY_EXISTS" ? "name" : undefined),
        toFieldPath: (path) => toSecretFieldPath(path, getValues("entries")),
      }}
      onCancel={props.onCancel}
    >
      <fieldset className="card space-y-3">
        <legend className="px-1 font-semibold">Secret</legend>
        <TextField
          form={form}
          name="name"
          label="Name"
          hint="Lower-case letters, digits and '-'. Functions name it in their spec."
          readOnly={props.mode === "edit"}
          placeholder="stripe"
        />
      </fieldset>

      <RowsFieldset
        legend="Keys and values"
        noun="key"
        rows={rows}
        blank={{ key: "", value: "" }}
        columns="grid-cols-[1fr_1fr_1fr_auto]"
        error={errors.entries?.message ?? errors.entries?.root?.message}
        row={(i) => {
          const file = entries[i]?.file;
          return (
            <>
              <TextField
                form={form}
                name={`entries.${i}.key`}
                label={`Key ${i + 1}`}
                placeholder="api-key"
              />
              <TextField
                form={form}
                name={`entries.${i}.value`}
                label={`Value ${i + 1}`}
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
            </>
          );
        }}
      >
        <p className="text-sm text-slate-600 dark:text-slate-300" data-testid="write-only-note">
          Values are write-only: EventFlow never shows them again, here or in its API.
          {props.mode === "edit" &&
            " Saving replaces every key, so enter each value again; a key you remove is deleted."}
        </p>
      </RowsFieldset>
    </Form>
  );
}

function fileName(file: Blob): string {
  return file instanceof File ? file.name : "file";
}
