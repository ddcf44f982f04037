/** Set a function's replica count. */
import { Minus, Plus } from "lucide-react";
import { useId, useState, type FormEvent } from "react";
import { useScaleFunction } from "../hooks/use-function-mutations.ts";
import { ErrorAlert } from "../../../lib/error-alert.tsx";

/** The scale form; `maxReplicas` is the controller's limit (`GET /v1/limits`). */
export function ScaleControl(props: { name: string; replicas: number; maxReplicas: number }) {
  const { name, replicas, maxReplicas } = props;
  const [value, setValue] = useState(replicas);
  const scale = useScaleFunction(name);
  const id = useId();
  const clamp = (n: number) => Math.max(0, Math.min(maxReplicas, n));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    scale.mutate(value);
  };
  return (
    <form onSubmit={submit} className="flex flex-wrap items-end gap-2" aria-label="Scale">
      <div className="flex flex-col">
        <label htmlFor={id} className="label">
          Replicas
        </label>
        <div className="flex">
          <button
            type="button"
            className="btn rounded-r-none"
            aria-label="One replica fewer"
            onClick={() => setValue((v) => clamp(v - 1))}
          >
            <Minus aria-hidden size={14} />
          </button>
          <input
            id={id}
            className="input w-16 rounded-none text-center tabular-nums"
            type="number"
            min={0}
            max={maxReplicas}
            value={value}
            onChange={(e) => setValue(clamp(Number(e.target.value) || 0))}
          />
          <button
            type="button"
            className="btn rounded-l-none"
            aria-label="One replica more"
            onClick={() => setValue((v) => clamp(v + 1))}
          >
            <Plus aria-hidden size={14} />
          </button>
        </div>
      </div>
      <button
        type="submit"
        className="btn-primary"
        disabled={scale.isPending || value === replicas}
      >
        Scale
      </button>
      <ErrorAlert error={scale.error} />
    </form>
  );
}
