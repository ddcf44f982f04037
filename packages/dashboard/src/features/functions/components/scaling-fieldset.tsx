/**
 * The form's scaling fields: autoscaling on or off, its metric, per-replica target, bounds,
 * scale-to-zero idle time and scale-down delay (the last two only for the request metrics the
 * controller's autoscaler uses), and the per-replica concurrency limit, which applies either way.
 */
import { SCALING_DEFAULTS } from "@eventflow/protocol";
import type { UseFormReturn } from "react-hook-form";
import { Field, TextField } from "../../../lib/form-field.tsx";
import type { FunctionFormValues } from "../api/function-schema.ts";

const METRICS: { value: FunctionFormValues["metric"]; label: string; target: string }[] = [
  {
    value: "concurrency",
    label: "Concurrency (requests in flight)",
    target: `In-flight requests per replica (default ${SCALING_DEFAULTS.concurrencyTarget}).`,
  },
  {
    value: "rps",
    label: "Requests per second",
    target: `Requests per second per replica (default ${SCALING_DEFAULTS.rpsTarget}).`,
  },
  {
    value: "cpu",
    label: "CPU utilisation (HPA)",
    target: `CPU percent of the request (default ${SCALING_DEFAULTS.utilizationTarget}).`,
  },
  {
    value: "memory",
    label: "Memory utilisation (HPA)",
    target: `Memory percent of the request (default ${SCALING_DEFAULTS.utilizationTarget}).`,
  },
];

/** The fieldset, its fields shown by the form's current (watched) `autoscale` and `metric`. */
export function ScalingFieldset({ form }: { form: UseFormReturn<FunctionFormValues> }) {
  const [autoscale, metric] = form.watch(["autoscale", "metric"]);
  const { register, formState } = form;
  const requestDriven = metric === "concurrency" || metric === "rps";
  const chosen = METRICS.find((m) => m.value === metric) ?? METRICS[0]!;
  return (
    <fieldset className="card grid gap-4 sm:grid-cols-3">
      <legend className="px-1 font-semibold">Scaling</legend>
      <label className="flex items-center gap-2 sm:col-span-3">
        <input type="checkbox" {...register("autoscale")} /> Autoscale
      </label>
      {autoscale && (
        <>
          <Field label="Metric" error={formState.errors.metric?.message}>
            {(id, d) => (
              <select id={id} className="input" aria-describedby={d} {...register("metric")}>
                {METRICS.map((m) => (
                  <option key={m.value} value={m.value}>
                    {m.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <TextField
            form={form}
            name="target"
            label="Target per replica"
            hint={chosen.target}
            inputMode="numeric"
          />
          <span aria-hidden className="hidden sm:block" />
          <TextField
            form={form}
            name="minReplicas"
            label="Min replicas"
            hint={requestDriven ? "0 scales to zero when idle." : "At least 1."}
            inputMode="numeric"
          />
          <TextField form={form} name="maxReplicas" label="Max replicas" inputMode="numeric" />
          {requestDriven && (
            <>
              <span aria-hidden className="hidden sm:block" />
              <TextField
                form={form}
                name="scaleToZeroAfterSeconds"
                label="Scale to zero after (seconds)"
                hint={`Idle time before the last replica stops, with min 0 (default ${SCALING_DEFAULTS.scaleToZeroAfterSeconds}).`}
                inputMode="numeric"
                placeholder={String(SCALING_DEFAULTS.scaleToZeroAfterSeconds)}
              />
              <TextField
                form={form}
                name="scaleDownDelaySeconds"
                label="Scale-down delay (seconds)"
                hint="How long a lower count must hold before replicas stop."
                inputMode="numeric"
                placeholder={String(SCALING_DEFAULTS.scaleDownDelaySeconds)}
              />
            </>
          )}
        </>
      )}
      <TextField
        form={form}
        name="containerConcurrency"
        label="Concurrency limit"
        hint="Most requests one replica gets at once; more wait in the controller. Empty or 0: no limit."
        inputMode="numeric"
      />
    </fieldset>
  );
}
