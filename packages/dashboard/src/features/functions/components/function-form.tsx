/**
 * Create and edit a function. Client-side rules are the API's own function spec, for the
 * controller's limits; the server's answer still decides, and its field errors
 * (REQUEST_VALIDATION_FAILED details, 409, 422) land on the field.
 */
import { zodResolver } from "@hookform/resolvers/zod";
import { describeIssue, isEventFlowError } from "@eventflow/protocol";
import {
  DEFAULT_FUNCTION_SPEC_LIMITS,
  type FunctionSpecLimits,
} from "@eventflow/protocol/function-spec";
import { Plus, Trash2 } from "lucide-react";
import { useId, useMemo, type ReactNode } from "react";
import {
  useFieldArray,
  useForm,
  type FieldPath,
  type UseFormRegisterReturn,
} from "react-hook-form";
import {
  buildFunctionFormSchema,
  toFieldPath,
  type FunctionFormValues,
} from "../api/function-schema.ts";

const FIELD_OF_CODE: Record<string, FieldPath<FunctionFormValues>> = {
  FUNCTION_ALREADY_EXISTS: "name",
  FUNCTION_IMAGE_NOT_FOUND: "image",
  FUNCTION_IMAGE_UNSUPPORTED: "image",
};

function Field(props: {
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

function Input(props: {
  id: string;
  describedBy: string | undefined;
  invalid: boolean;
  reg: UseFormRegisterReturn;
  placeholder?: string;
  inputMode?: "numeric";
  readOnly?: boolean;
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
      autoComplete="off"
      {...props.reg}
    />
  );
}

/**
 * The form. `onSubmit` may throw the API's error; it is shown on the field it concerns.
 * `limits` are the controller's (`GET /v1/limits`), its defaults until they are known.
 */
export function FunctionForm(props: {
  initial: FunctionFormValues;
  mode: "create" | "edit";
  limits?: FunctionSpecLimits | undefined;
  onSubmit: (values: FunctionFormValues) => Promise<void>;
  onCancel?: () => void;
}) {
  const limits = props.limits ?? DEFAULT_FUNCTION_SPEC_LIMITS;
  const schema = useMemo(() => buildFunctionFormSchema(limits), [limits]);
  const form = useForm<FunctionFormValues>({
    // The same words as the API's field errors (describeIssue) where a rule sets none of its own.
    resolver: zodResolver(schema, { error: describeIssue }),
    defaultValues: props.initial,
    mode: "onTouched",
  });
  const { register, handleSubmit, formState, control, setError, watch, getValues } = form;
  const env = useFieldArray({ control, name: "env" });
  const errors = formState.errors;
  const autoscale = watch("autoscale");

  const submit = handleSubmit(async (values) => {
    try {
      await props.onSubmit(values);
    } catch (error) {
      if (!isEventFlowError(error)) {
        setError("root.server", {
          message: error instanceof Error ? error.message : String(error),
        });
        return;
      }
      const field = FIELD_OF_CODE[error.code];
      if (field) setError(field, { message: error.message }, { shouldFocus: true });
      else if (error.code === "REQUEST_VALIDATION_FAILED" && Array.isArray(error.details)) {
        for (const issue of error.details as { path: string; message: string }[]) {
          setError(toFieldPath(issue.path, getValues("env")) as FieldPath<FunctionFormValues>, {
            message: issue.message,
          });
        }
      } else setError("root.server", { message: `${error.message} (${error.code})` });
    }
  });

  return (
    <form
      onSubmit={submit}
      noValidate
      className="space-y-6"
      aria-label={props.mode === "create" ? "Create function" : "Edit function"}
    >
      <fieldset className="card grid gap-4 sm:grid-cols-2">
        <legend className="px-1 font-semibold">Function</legend>
        <Field
          label="Name"
          error={errors.name?.message}
          hint="Lower-case letters, digits and '-', at most 40 characters."
        >
          {(id, d) => (
            <Input
              id={id}
              describedBy={d}
              invalid={!!errors.name}
              reg={register("name")}
              readOnly={props.mode === "edit"}
              placeholder="hello"
            />
          )}
        </Field>
        <Field
          label="Image"
          error={errors.image?.message}
          hint="registry/repo:tag, @sha256:..., or oci:DIR[:TAG]"
        >
          {(id, d) => (
            <Input
              id={id}
              describedBy={d}
              invalid={!!errors.image}
              reg={register("image")}
              placeholder="127.0.0.1:5000/hello:1.0.0"
            />
          )}
        </Field>
        <Field
          label="Replicas"
          error={errors.replicas?.message}
          hint={`0 to ${limits.maxReplicas}; 0 scales to zero.`}
        >
          {(id, d) => (
            <Input
              id={id}
              describedBy={d}
              invalid={!!errors.replicas}
              reg={register("replicas")}
              inputMode="numeric"
            />
          )}
        </Field>
        <Field
          label="Timeout (seconds)"
          error={errors.timeoutSeconds?.message}
          hint="1 to 3600; empty for the controller's default."
        >
          {(id, d) => (
            <Input
              id={id}
              describedBy={d}
              invalid={!!errors.timeoutSeconds}
              reg={register("timeoutSeconds")}
              inputMode="numeric"
            />
          )}
        </Field>
      </fieldset>

      <fieldset className="card space-y-3">
        <legend className="px-1 font-semibold">Environment</legend>
        {env.fields.length === 0 && (
          <p className="text-sm text-slate-600 dark:text-slate-400">No variables.</p>
        )}
        {env.fields.map((row, i) => (
          <div key={row.id} className="grid grid-cols-[1fr_1fr_auto] items-start gap-2">
            <Field label={`Variable ${i + 1} name`} error={errors.env?.[i]?.key?.message}>
              {(id, d) => (
                <Input
                  id={id}
                  describedBy={d}
                  invalid={!!errors.env?.[i]?.key}
                  reg={register(`env.${i}.key`)}
                  placeholder="GREETING"
                />
              )}
            </Field>
            <Field label={`Variable ${i + 1} value`} error={errors.env?.[i]?.value?.message}>
              {(id, d) => (
                <Input
                  id={id}
                  describedBy={d}
                  invalid={!!errors.env?.[i]?.value}
                  reg={register(`env.${i}.value`)}
                />
              )}
            </Field>
            <button
              type="button"
              className="btn-ghost mt-6"
              onClick={() => env.remove(i)}
              aria-label={`Remove variable ${i + 1}`}
            >
              <Trash2 aria-hidden size={16} />
            </button>
          </div>
        ))}
        {errors.env?.root?.message && (
          <p role="alert" className="text-xs text-red-700 dark:text-red-300">
            {errors.env.root.message}
          </p>
        )}
        {errors.env?.message && (
          <p role="alert" className="text-xs text-red-700 dark:text-red-300">
            {errors.env.message}
          </p>
        )}
        <button type="button" className="btn" onClick={() => env.append({ key: "", value: "" })}>
          <Plus aria-hidden size={16} /> Add variable
        </button>
      </fieldset>

      <fieldset className="card grid gap-4 sm:grid-cols-2">
        <legend className="px-1 font-semibold">Resources</legend>
        <Field label="CPU request" error={errors.cpuRequest?.message}>
          {(id, d) => (
            <Input
              id={id}
              describedBy={d}
              invalid={!!errors.cpuRequest}
              reg={register("cpuRequest")}
              placeholder="100m"
            />
          )}
        </Field>
        <Field label="CPU limit" error={errors.cpuLimit?.message}>
          {(id, d) => (
            <Input
              id={id}
              describedBy={d}
              invalid={!!errors.cpuLimit}
              reg={register("cpuLimit")}
              placeholder="1"
            />
          )}
        </Field>
        <Field label="Memory request" error={errors.memoryRequest?.message}>
          {(id, d) => (
            <Input
              id={id}
              describedBy={d}
              invalid={!!errors.memoryRequest}
              reg={register("memoryRequest")}
              placeholder="64Mi"
            />
          )}
        </Field>
        <Field label="Memory limit" error={errors.memoryLimit?.message}>
          {(id, d) => (
            <Input
              id={id}
              describedBy={d}
              invalid={!!errors.memoryLimit}
              reg={register("memoryLimit")}
              placeholder="256Mi"
            />
          )}
        </Field>
      </fieldset>

      <fieldset className="card grid gap-4 sm:grid-cols-3">
        <legend className="px-1 font-semibold">Scaling</legend>
        <label className="flex items-center gap-2 sm:col-span-3">
          <input type="checkbox" {...register("autoscale")} /> Autoscale on CPU
        </label>
        {autoscale && (
          <>
            <Field label="Min replicas" error={errors.minReplicas?.message}>
              {(id, d) => (
                <Input
                  id={id}
                  describedBy={d}
                  invalid={!!errors.minReplicas}
                  reg={register("minReplicas")}
                  inputMode="numeric"
                />
              )}
            </Field>
            <Field label="Max replicas" error={errors.maxReplicas?.message}>
              {(id, d) => (
                <Input
                  id={id}
                  describedBy={d}
                  invalid={!!errors.maxReplicas}
                  reg={register("maxReplicas")}
                  inputMode="numeric"
                />
              )}
            </Field>
            <Field label="Target CPU %" error={errors.targetCPUUtilization?.message}>
              {(id, d) => (
                <Input
                  id={id}
                  describedBy={d}
                  invalid={!!errors.targetCPUUtilization}
                  reg={register("targetCPUUtilization")}
                  inputMode="numeric"
                  placeholder="70"
                />
              )}
            </Field>
          </>
        )}
      </fieldset>

      {errors.root?.server?.message && (
        <p
          role="alert"
          className="rounded-md bg-red-100 p-3 text-sm text-red-900 dark:bg-red-900/40 dark:text-red-100"
        >
          {errors.root.server.message}
        </p>
      )}
      <div className="flex gap-3">
        <button type="submit" className="btn-primary" disabled={formState.isSubmitting}>
          {props.mode === "create" ? "Create function" : "Save changes"}
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
