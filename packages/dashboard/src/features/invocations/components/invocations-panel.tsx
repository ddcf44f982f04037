/**
 * A function's asynchronous invocations, newest first, refreshing while shown: filter by state,
 * open one for its attempts and result.
 */
import type { InvocationState } from "@eventflow/sdk/client";
import { isEventFlowError } from "@eventflow/protocol";
import { useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import { SelectField } from "../../../lib/form-field.tsx";
import { errorText } from "../../../lib/server-errors.ts";
import { useClient } from "../../../lib/use-client.ts";
import { functionInvocationsQuery, INVOCATION_STATES } from "../api/invocation-queries.ts";
import { InvocationDetail } from "./invocation-detail.tsx";
import { InvocationsTable } from "./invocations-table.tsx";

/** What a list shows when the call failed: the controller without a queue says so plainly. */
export function ListError({ error }: { error: unknown }) {
  if (isEventFlowError(error) && error.code === "ASYNC_UNAVAILABLE")
    return <p role="status">Asynchronous invocations are off on this controller.</p>;
  return <p role="alert">Could not load invocations: {errorText(error)}</p>;
}

/** The panel of function `name`. */
export function InvocationsPanel({ name }: { name: string }) {
  const client = useClient();
  const [state, setState] = useState<InvocationState>();
  const [open, setOpen] = useState<string>();
  const list = useQuery(functionInvocationsQuery(client, name, state));
  const titleId = useId();
  return (
    <section className="card space-y-3" aria-labelledby={titleId}>
      <div className="flex flex-wrap items-end gap-3">
        <h2 id={titleId} className="mr-auto text-lg font-semibold">
          Invocations
        </h2>
        <SelectField<InvocationState | "">
          label="State"
          className="w-36"
          value={state ?? ""}
          onChange={(v) => setState(v || undefined)}
          options={[{ value: "", label: "all" }, ...INVOCATION_STATES]}
        />
      </div>
      {list.isPending && <p role="status">Loading invocations...</p>}
      {list.isError && <ListError error={list.error} />}
      {list.data?.length === 0 && (
        <p className="text-sm text-slate-600 dark:text-slate-300">
          {state === undefined
            ? "No asynchronous invocation yet: invoke with the header Prefer: respond-async (eventflow invoke --async), or add a trigger."
            : `No ${state} invocation.`}
        </p>
      )}
      {list.data && list.data.length > 0 && (
        <InvocationsTable
          label={`Invocations of ${name}`}
          invocations={list.data}
          onOpen={setOpen}
        />
      )}
      {open !== undefined && (
        <InvocationDetail key={open} id={open} onClose={() => setOpen(undefined)} />
      )}
    </section>
  );
}
