/**
 * A labelled form field with its hint and error wired to the input (aria-describedby), and the
 * footer every form ends with.
 */
import { useId, type ReactNode } from "react";
import type { UseFormRegisterReturn } from "react-hook-form";

/** A label, the control `children` renders with the ids it gets, a hint and an error. */
export function Field(props: {
  label: string;
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

/** A text input registered with the form. */
export function Input(props: {
  id: string;
  describedBy: string | undefined;
  invalid: boolean;
  reg: UseFormRegisterReturn;
  placeholder?: string;
  inputMode?: "numeric";
  readOnly?: boolean;
  /** `password` for write-only values: masked, and the browser is told not to fill it. */
  type?: "text" | "password";
}) {
  return (
    <input
      id={props.id}
      className="input"
      aria-invalid={props.invalid || undefined}
      aria-describedby={props.describedBy}
      placeholder={props.placeholder}
      inputMode={props.inputMode}
      readOnly={props.readOnly}
      type={props.type ?? "text"}
      autoComplete={props.type === "password" ? "new-password" : "off"}
      spellCheck={props.type === "password" ? false : undefined}
      {...props.reg}
    />
  );
}

/** A {@link Field} holding one {@link Input}: invalid exactly when it shows an error. */
export function TextField(
  props: {
    label: string;
    error?: string | undefined;
    hint?: string;
  } & Omit<Parameters<typeof Input>[0], "id" | "describedBy" | "invalid">,
) {
  const { label, error, hint, ...input } = props;
  return (
    <Field label={label} error={error} {...(hint === undefined ? {} : { hint })}>
      {(id, d) => <Input id={id} describedBy={d} invalid={!!error} {...input} />}
    </Field>
  );
}

/** The end of a form: the server's error for the whole form, submit, and cancel if offered. */
export function FormFooter(props: {
  serverError: string | undefined;
  submitLabel: string;
  submitting: boolean;
  onCancel?: (() => void) | undefined;
}) {
  return (
    <>
      {props.serverError && (
        <p
          role="alert"
          className="rounded-md bg-red-100 p-3 text-sm text-red-900 dark:bg-red-900/40 dark:text-red-100"
        >
          {props.serverError}
        </p>
      )}
      <div className="flex gap-3">
        <button type="submit" className="btn-primary" disabled={props.submitting}>
          {props.submitLabel}
        </button>
        {props.onCancel && (
          <button type="button" className="btn" onClick={props.onCancel}>
            Cancel
          </button>
        )}
      </div>
    </>
  );
}
