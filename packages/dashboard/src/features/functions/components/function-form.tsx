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
import { ShieldAlert } from "lucide-react";
import { useMemo } from "react";
import { useFieldArray, useForm, type FieldPath } from "react-hook-form";
import {
  buildFunctionFormSchema,
  toFieldPath,
  type FunctionFormValues,
} from "../api/function-schema.ts";
import { Form, RowsFieldset, TextField } from "../../../lib/form-field.tsx";
import { ScalingFieldset } from "./scaling-fieldset.tsx";
import { SecretRefsFieldset, type SecretChoice } from "./secret-refs-fieldset.tsx";

/** The resource fields: form value, label, placeholder. */
const RESOURCE_FIELDS = [
  ["cpuRequest", "CPU request", "100m"],
  ["cpuLimit", "CPU limit", "1"],
  ["memoryRequest", "Memory request", "64Mi"],
  ["memoryLimit", "Memory limit", "256Mi"],
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
  const { register, formState, control, watch, getValues } = form;
  const env = useFieldArray({ control, name: "env" });
  const errors = formState.errors;
  const auth = watch("auth");

  return (
    <Form
      form={form}
      label={props.mode === "create" ? "Create function" : "Edit function"}
      submitLabel={props.mode === "create" ? "Create function" : "Save changes"}
      onSubmit={props.onSubmit}
      fields={{
        fieldOf: (e) => missingSecretField(e, getValues("secrets")) ?? FIELD_OF_CODE[e.code],
        toFieldPath: (path) => toFieldPath(path, getValues("env")),
      }}
      onCancel={props.onCancel}
    >
      <fieldset className="card grid gap-4 sm:grid-cols-2">
        <legend className="px-1 font-semibold">Function</legend>
        <TextField
          form={form}
          name="name"
          label="Name"
          hint="Lower-case letters, digits and '-', at most 40 characters."
          readOnly={props.mode === "edit"}
          placeholder="hello"
        />
        <TextField
          form={form}
          name="image"
          label="Image"
          hint="registry/repo:tag, @sha256:..., or oci:DIR[:TAG]"
          placeholder="127.0.0.1:5000/hello:1.0.0"
        />
        <TextField
          form={form}
          name="replicas"
          label="Replicas"
          hint={`0 to ${limits.maxReplicas}; 0 scales to zero.`}
          inputMode="numeric"
        />
        <TextField
          form={form}
          name="timeoutSeconds"
          label="Timeout (seconds)"
          hint="1 to 3600; empty for the controller's default."
          inputMode="numeric"
        />
      </fieldset>

      <RowsFieldset
        legend="Environment"
        noun="variable"
        empty="No variables."
        rows={env}
        blank={{ key: "", value: "" }}
        columns="grid-cols-[1fr_1fr_auto]"
        error={errors.env?.message ?? errors.env?.root?.message}
        row={(i) => (
          <>
            <TextField
              form={form}
              name={`env.${i}.key`}
              label={`Variable ${i + 1} name`}
              placeholder="GREETING"
            />
            <TextField form={form} name={`env.${i}.value`} label={`Variable ${i + 1} value`} />
          </>
        )}
      />

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
          form={form}
          name="maxBodyBytes"
          label="Body limit (bytes)"
          hint="Largest request body it accepts; empty for the controller's default."
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

      <SecretRefsFieldset form={form} secrets={props.secrets} />

      <fieldset className="card grid gap-4 sm:grid-cols-2">
        <legend className="px-1 font-semibold">Resources</legend>
        {RESOURCE_FIELDS.map(([name, label, placeholder]) => (
          <TextField key={name} form={form} name={name} label={label} placeholder={placeholder} />
        ))}
      </fieldset>

      <ScalingFieldset form={form} />
    </Form>
  );
}
