/**
 * A labelled form field with its hint and error wired to the input (aria-describedby), the
 * fieldset of rows a user adds and removes, and the footer every form ends with.
 */
import { Plus, Trash2 } from "lucide-react";
import { useId, type ReactNode } from "react";
import type {
  FieldArray,
  FieldArrayPath,
  FieldValues,
  Path,
  UseFieldArrayReturn,
  UseFormReturn,
} from "react-hook-form";
import { showServerError, type ServerErrorFields } from "./server-errors.ts";

/** A label, the control `children` renders with the ids it gets, a hint and an error. */
export function Field(props: {
  label: ReactNode;
  error?: string | undefined;
  hint?: string;
  children: (id: string, describedBy: string | undefined) => ReactNode;
}) {
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy =
    [props.error ? errorId : "", props.hint ? hintId : ""].filter(Boolean).join(" ") || undefined;
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="label">
        {props.label}
      </label>
      {props.children(id, describedBy)}
      {props.hint && (
        <p id={hintId} className="text-xs text-slate-600 dark:text-slate-400">
          {props.hint}
        </p>
      )}
      {props.error && (
        <p id={errorId} className="text-xs text-red-700 dark:text-red-300" role="alert">
          {props.error}
        </p>
      )}
    </div>
  );
}

/**
 * A {@link Field} holding a select for a value the page keeps; an option is a value that is its
 * own label, or a value and its label. `className` goes beside `input` (width, font).
 */
export function SelectField<V extends string>(props: {
  label: string;
  value: V;
  onChange: (value: V) => void;
  options: readonly (V | { value: V; label: string })[];
  className: string;
}) {
  const options = props.options.map((o) => (typeof o === "string" ? { value: o, label: o } : o));
  return (
    <Field label={props.label}>
      {(id) => (
        <select
          id={id}
          className={`input ${props.className}`}
          value={props.value}
          onChange={(e) => props.onChange(e.target.value as V)}
        >
          {options.map(({ value, label }) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/**
 * A {@link Field} holding a text input for the form's field `name`: registered with the form,
 * showing that field's error, invalid exactly when it does.
 */
export function TextField<T extends FieldValues>(props: {
  form: UseFormReturn<T>;
  name: Path<T>;
  label: string;
  hint?: string;
  placeholder?: string | undefined;
  inputMode?: "numeric";
  readOnly?: boolean;
  /** `password` for write-only values: masked, and the browser is told not to fill it. */
  type?: "text" | "password";
}) {
  const { form, name, hint } = props;
  const error = form.getFieldState(name, form.formState).error?.message;
  return (
    <Field label={props.label} error={error} {...(hint === undefined ? {} : { hint })}>
      {(id, describedBy) => (
        <input
          id={id}
          className="input"
          aria-invalid={!!error || undefined}
          aria-describedby={describedBy}
          placeholder={props.placeholder}
          inputMode={props.inputMode}
          readOnly={props.readOnly}
          type={props.type ?? "text"}
          autoComplete={props.type === "password" ? "new-password" : "off"}
          spellCheck={props.type === "password" ? false : undefined}
          {...form.register(name)}
        />
      )}
    </Field>
  );
}

/**
 * A form of `form`'s fields (`children`): it submits the values to `onSubmit` and shows the API
 * error that throws on the field it concerns (`fields`, {@link showServerError}), then ends with
 * the server's error for the whole form, submit, and cancel if offered.
 */
export function Form<T extends FieldValues>(props: {
  form: UseFormReturn<T>;
  label: string;
  submitLabel: string;
  onSubmit: (values: T) => Promise<void>;
  fields: ServerErrorFields<T>;
  onCancel?: (() => void) | undefined;
  children: ReactNode;
}) {
  const { form } = props;
  const serverError = form.formState.errors.root?.server?.message;
  const submit = form.handleSubmit(async (values) => {
    try {
      await props.onSubmit(values);
    } catch (error) {
      showServerError(error, form.setError, props.fields);
    }
  });
  return (
    <form onSubmit={submit} noValidate className="space-y-6" aria-label={props.label}>
      {props.children}
      {serverError && (
        <p
          role="alert"
          className="rounded-md bg-red-100 p-3 text-sm text-red-900 dark:bg-red-900/40 dark:text-red-100"
        >
          {serverError}
        </p>
      )}
      <div className="flex gap-3">
        <button type="submit" className="btn-primary" disabled={form.formState.isSubmitting}>
          {props.submitLabel}
        </button>
        {props.onCancel && (
          <button type="button" className="btn" onClick={props.onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

/**
 * A fieldset of rows the user adds and removes (variables, keys, secret references): each row's
 * fields and its remove button, the list's own error, and the add button. `noun` names a row
 * in the buttons ("Remove variable 2", "Add variable"), `blank` is a new row, `columns` the grid.
 */
export function RowsFieldset<T extends FieldValues, N extends FieldArrayPath<T>>(props: {
  legend: string;
  noun: string;
  rows: UseFieldArrayReturn<T, N>;
  blank: FieldArray<T, N>;
  columns: string;
  row: (i: number) => ReactNode;
  empty?: string;
  error: string | undefined;
  children?: ReactNode;
}) {
  const { rows } = props;
  return (
    <fieldset className="card space-y-3">
      <legend className="px-1 font-semibold">{props.legend}</legend>
      {rows.fields.length === 0 && props.empty && (
        <p className="text-sm text-slate-600 dark:text-slate-400">{props.empty}</p>
      )}
      {props.children}
      {rows.fields.map((field, i) => (
        <div key={field.id} className={`grid ${props.columns} items-start gap-2`}>
          {props.row(i)}
          <button
            type="button"
            className="btn-ghost mt-6"
            onClick={() => rows.remove(i)}
            aria-label={`Remove ${props.noun} ${i + 1}`}
          >
            <Trash2 aria-hidden size={16} />
          </button>
        </div>
      ))}
      {props.error && (
        <p role="alert" className="text-xs text-red-700 dark:text-red-300">
          {props.error}
        </p>
      )}
      <button type="button" className="btn" onClick={() => rows.append(props.blank)}>
        <Plus aria-hidden size={16} /> Add {props.noun}
      </button>
    </fieldset>
  );
}
