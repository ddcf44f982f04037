/**
 * Dead letters (invocations that ended without success: dead after their last attempt, or
 * failed on an answer not worth retrying), of one function or the whole tenant: inspect,
 * redrive one, the selected or all, and purge after confirmation. Viewers only read.
 */
import type { DeadLetterSelector } from "@eventflow/sdk/client";
import { useQuery } from "@tanstack/react-query";
import { RotateCcw, Trash2 } from "lucide-react";
import { useId, useState } from "react";
import { ConfirmDialog, useModalWhile } from "../../../lib/confirm-dialog.tsx";
import { errorText } from "../../../lib/server-errors.ts";
import { useClient } from "../../../lib/use-client.ts";
import { deadLettersQuery } from "../api/invocation-queries.ts";
import { useDeadLetterAction } from "../hooks/use-dead-letter-mutations.ts";
import { InvocationDetail } from "./invocation-detail.tsx";
import { ListError } from "./invocations-panel.tsx";
import { InvocationsTable } from "./invocations-table.tsx";

const plural = (n: number) => `${n} invocation${n === 1 ? "" : "s"}`;

/** The selector of "all": the function's, or the tenant's. */
const allOf = (name: string | undefined): DeadLetterSelector =>
  name === undefined ? { all: true } : { function: name };

function PurgeDialog(props: {
  purging: { selector: DeadLetterSelector; title: string } | undefined;
  onPurge: (selector: DeadLetterSelector) => Promise<unknown>;
  error: unknown;
  pending: boolean;
  onClose: () => void;
}) {
  const { purging } = props;
  const dialog = useModalWhile(purging !== undefined);
  return (
    <ConfirmDialog
      dialogRef={dialog}
      title={purging?.title ?? ""}
      confirmLabel="Purge"
      confirmDisabled={props.pending}
      error={props.error ?? undefined}
      onConfirm={() => purging && void props.onPurge(purging.selector).then(props.onClose, noop)}
      onClose={props.onClose}
    >
      <p className="text-sm">
        Their records, attempts and results are forgotten and they cannot be redriven any more. This
        cannot be undone.
      </p>
    </ConfirmDialog>
  );
}

const noop = () => undefined;

/** The dead letters of function `name`, or of the tenant when `name` is undefined. */
export function DeadLetters({ name, canWrite }: { name?: string; canWrite: boolean }) {
  const client = useClient();
  const list = useQuery(deadLettersQuery(client, name));
  const redrive = useDeadLetterAction("redrive");
  const purge = useDeadLetterAction("purge");
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [open, setOpen] = useState<string>();
  const [done, setDone] = useState<string>();
  const [purging, setPurging] = useState<{ selector: DeadLetterSelector; title: string }>();
  const titleId = useId();
  const letters = list.data ?? [];
  // Only what is still listed can be selected: a redriven or purged row drops out.
  const chosen = letters.filter((inv) => selected.has(inv.id)).map((inv) => inv.id);

  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const act = async (action: "redrive" | "purge", selector: DeadLetterSelector) => {
    setDone(undefined);
    const ids = await (action === "redrive" ? redrive : purge).mutateAsync(selector);
    setSelected(new Set());
    setDone(
      action === "redrive"
        ? `Redriven: ${plural(ids.length)} queued again.`
        : `Purged ${plural(ids.length)}.`,
    );
  };
  const doRedrive = (selector: DeadLetterSelector) => void act("redrive", selector).catch(noop);

  return (
    <section className="card space-y-3" aria-labelledby={titleId}>
      <div className="flex flex-wrap items-center gap-2">
        <h2 id={titleId} className="mr-auto text-lg font-semibold">
          Dead letters
        </h2>
        {canWrite && letters.length > 0 && (
          <>
            <button
              type="button"
              className="btn"
              disabled={chosen.length === 0 || redrive.isPending}
              onClick={() => doRedrive({ ids: chosen })}
            >
              <RotateCcw aria-hidden size={16} /> Redrive selected
            </button>
            <button
              type="button"
              className="btn"
              disabled={redrive.isPending}
              onClick={() => doRedrive(allOf(name))}
            >
              <RotateCcw aria-hidden size={16} /> Redrive all
            </button>
            <button
              type="button"
              className="btn-danger"
              onClick={() => {
                purge.reset();
                setPurging(
                  chosen.length > 0
                    ? { selector: { ids: chosen }, title: `Purge ${plural(chosen.length)}?` }
                    : {
                        selector: allOf(name),
                        // "all" is what the controller holds, more than a long list shows.
                        title: `Purge every dead letter of ${name ?? "the tenant"}?`,
                      },
                );
              }}
            >
              <Trash2 aria-hidden size={16} /> {chosen.length > 0 ? "Purge selected" : "Purge all"}
            </button>
          </>
        )}
      </div>
      {done && (
        <p role="status" className="text-sm" data-testid="dead-letters-done">
          {done}
        </p>
      )}
      {redrive.isError && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          Redrive failed: {errorText(redrive.error)}
        </p>
      )}
      {list.isPending && <p role="status">Loading dead letters...</p>}
      {list.isError && <ListError error={list.error} />}
      {list.data?.length === 0 && (
        <p className="text-sm text-slate-600 dark:text-slate-300">
          No dead letters: every asynchronous invocation that ended, ended well.
        </p>
      )}
      {letters.length > 0 && (
        <InvocationsTable
          label={name === undefined ? "Dead letters" : `Dead letters of ${name}`}
          invocations={letters}
          onOpen={setOpen}
          showFunction={name === undefined}
          {...(canWrite
            ? {
                select: { selected, toggle },
                actions: (inv) => (
                  <button
                    type="button"
                    className="btn-ghost"
                    aria-label={`Redrive ${inv.id}`}
                    title="Redrive"
                    disabled={redrive.isPending}
                    onClick={() => doRedrive({ ids: [inv.id] })}
                  >
                    <RotateCcw aria-hidden size={16} />
                  </button>
                ),
              }
            : {})}
        />
      )}
      {open !== undefined && (
        <InvocationDetail key={open} id={open} onClose={() => setOpen(undefined)} />
      )}
      {canWrite && (
        <PurgeDialog
          purging={purging}
          onPurge={(selector) => act("purge", selector)}
          error={purge.error}
          pending={purge.isPending}
          onClose={() => setPurging(undefined)}
        />
      )}
    </section>
  );
}
