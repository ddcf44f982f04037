/**
 * Create and edit a function. Client-side rules are the API's own function spec, for the
 * controller's limits; the server's answer still decides, and its field errors
 * (REQUEST_VALIDATION_FAILED details, 409, 422) land on the field.
 */
import { zodResolver } from "@hookform/resolvers/zod";
import { describeIssue } from "@eventflow/protocol";
import {
  DEFAULT_FUNCTION_SPEC_LIMITS,
  type FunctionSpecLimits,
} from "@eventflow/protocol/function-spec";
import { Plus, ShieldAlert, Trash2 } from "lucide-react";
import { useMemo } from "react";
import { useFieldArray, useForm, type FieldPath } from "react-hook-form";
import {
  buildFunctionFormSchema,
  toFieldPath,
  type FunctionFormValues,
} from "../api/function-schema.ts";
import { FormFooter, TextField } from "../../../lib/form-field.tsx";
import { showServerError } from "../../../lib/server-errors.ts";
import { SecretRefsFieldset, type SecretChoice } from "./secret-refs-fieldset.tsx";

/** The resource fields: form value, label, placeholder. */
const RESOURCE_FIELDS = [
  ["cpuRequest", "CPU request", "100m"],
  ["cpuLimit", "CPU limit", "1"],
  ["memoryRequest", "Memory request", "64Mi"],
  ["memoryLimit", "Memory limit", "256Mi"],
] as const;

/** The autoscaling fields (numbers): form value, label, placeholder. */
const SCALING_FIELDS = [
  ["minReplicas", "Min replicas", undefined],
  ["maxReplicas", "Max replicas", undefined],
  ["targetCPUUtilization", "Target CPU %", "70"],
] as const;

const FIELD_OF_CODE: Record<string, FieldPath<FunctionFormValues>> = {
  FUNCTION_ALREADY_EXISTS: "name",
  FUNCTION_IMAGE_NOT_FOUND: "image",
  FUNCTION_IMAGE_UNSUPPORTED: "image",
};

/**
 * The field of the secret row a FUNCTION_SECRET_MISSING names (`details.secret`): its keys
 * when a key is missing (`details.key`), else its name; undefined when the form has no such
 * row (the error is then shown for the whole form).
 */
function missingSecretField(
  error: { code: string; details?: unknown },
  rows: FunctionFormValues["secrets"],
): `secrets.${number}.name` | `secrets.${number}.keys` | undefined {
  if (error.code !== "FUNCTION_SECRET_MISSING") return undefined;
  const details = error.details as { secret?: unknown; key?: unknown } | undefined;
  const i = rows.findIndex((row) => row.name.trim() === details?.secret);
  if (i < 0) return undefined;
  return details?.key === undefined ? `secrets.${i}.name` : `secrets.${i}.keys`;
}

/**
 * The form. `onSubmit` may throw the API's error; it is shown on the field it concerns.
 * `limits` are the controller's (`GET /v1/limits`), its defaults until they are known.
 */
export function FunctionForm(props: {
  initial: FunctionFormValues;
  mode: "create" | "edit";
  limits?: FunctionSpecLimits | undefined;
  /** The tenant's secrets (names and key names) to pick from (undefined while they load). */
  secrets?: readonly SecretChoice[] | undefined;
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
  const auth = watch("auth");
  const chosenSecrets = watch("secrets").map((row) => row.name);

  const submit = handleSubmit(async (values) => {
    try {
      await props.onSubmit(values);
    } catch (error) {
      showServerError(error, setError, {
        fieldOf: (e) => missingSecretField(e, getValues("secrets")) ?? FIELD_OF_CODE[e.code],
        toFieldPath: (path) => toFieldPath(path, getValues("env")),
      });
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
        <TextField
          label="Name"
          error={errors.name?.message}
          hint="Lower-case letters, digits and '-', at most 40 characters."
          reg={register("name")}
          readOnly={props.mode === "edit"}
          placeholder="hello"
        />
        <TextField
          label="Image"
          error={errors.image?.message}
          hint="registry/repo:tag, @sha256:..., or oci:DIR[:TAG]"
          reg={register("image")}
          placeholder="127.0.0.1:5000/hello:1.0.0"
        />
        <TextField
          label="Replicas"
          error={errors.replicas?.message}
          hint={`0 to ${limits.maxReplicas}; 0 scales to zero.`}
          reg={register("replicas")}
          inputMode="numeric"
        />
        <TextField
          label="Timeout (seconds)"
          error={errors.timeoutSeconds?.message}
          hint="1 to 3600; empty for the controller's default."
          reg={register("timeoutSeconds")}
          inputMode="numeric"
        />
      </fieldset>

      <fieldset className="card space-y-3">
        <legend className="px-1 font-semibold">Environment</legend>
        {env.fields.length === 0 && (
          <p className="text-sm text-slate-600 dark:text-slate-400">No variables.</p>
        )}
        {env.fields.map((row, i) => (
          <div key={row.id} className="grid grid-cols-[1fr_1fr_auto] items-start gap-2">
            <TextField
              label={`Variable ${i + 1} name`}
              error={errors.env?.[i]?.key?.message}
              reg={register(`env.${i}.key`)}
              placeholder="GREETING"
            />
            <TextField
              label={`Variable ${i + 1} value`}
              error={errors.env?.[i]?.value?.message}
              reg={register(`env.${i}.value`)}
            />
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
        <legend className="px-1 font-semibold">HTTP endpoint</legend>
        <div role="radiogroup" aria-label="Who may call it" className="flex flex-col gap-2">
          <span className="label">Who may call it</span>
          <label className="flex items-center gap-2">
            <input type="radio" value="token" {...register("auth")} /> Callers with a token
          </label>
          <label className="flex items-center gap-2">
            <input type="radio" value="public" {...register("auth")} /> Anyone (public)
          </label>
        </div>
        <TextField
          label="Body limit (bytes)"
          error={errors.maxBodyBytes?.message}
          hint="Largest request body it accepts; empty for the controller's default."
          reg={register("maxBodyBytes")}
          inputMode="numeric"
          placeholder="1048576"
        />
        {auth === "public" && (
          <p
            role="note"
            data-testid="public-warning"
            className="flex gap-2 rounded-md bg-amber-100 p-3 text-sm text-amber-900 sm:col-span-2 dark:bg-amber-900/40 dark:text-amber-100"
          >
            <ShieldAlert aria-hidden size={18} className="shrink-0" />
            Public: anyone on the internet who learns this function&apos;s URL can call it, with any
            method and path, without a token. Use it for webhooks, and check a signature or secret
            in the function itself.
          </p>
        )}
      </fieldset>

      <SecretRefsFieldset
        control={control}
        register={register}
        errors={errors}
        secrets={props.secrets}
        chosen={chosenSecrets}
      />

      <fieldset className="card grid gap-4 sm:grid-cols-2">
        <legend className="px-1 font-semibold">Resources</legend>
        {RESOURCE_FIELDS.map(([name, label, placeholder]) => (
          <TextField
            key={name}
            label={label}
            error={errors[name]?.message}
            reg={register(name)}
            placeholder={placeholder}
          />
        ))}
      </fieldset>

      <fieldset className="card grid gap-4 sm:grid-cols-3">
        <legend className="px-1 font-semibold">Scaling</legend>
        <label className="flex items-center gap-2 sm:col-span-3">
          <input type="checkbox" {...register("autoscale")} /> Autoscale on CPU
        </label>
        {autoscale &&
          SCALING_FIELDS.map(([name, label, placeholder]) => (
            <TextField
              key={name}
              label={label}
              error={errors[name]?.message}
              reg={register(name)}
              inputMode="numeric"
              {...(placeholder === undefined ? {} : { placeholder })}
            />
          ))}
      </fieldset>

      <FormFooter
        serverError={errors.root?.server?.message}
        submitLabel={props.mode === "create" ? "Create function" : "Save changes"}
        submitting={formState.isSubmitting}
        onCancel={props.onCancel}
      />
    </form>
  );
}
