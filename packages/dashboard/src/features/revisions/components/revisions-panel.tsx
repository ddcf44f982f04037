/**
 * A function's revisions, newest first: image, what each changed from the one before it, who
 * made it and when, which one runs; writers roll back to an older one after confirmation.
 */
import type { FunctionRevision } from "@eventflow/sdk/client";
import { revisionChanges } from "@eventflow/protocol";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { CheckCircle2, History } from "lucide-react";
import { useId, useState } from "react";
import { Badge } from "../../../lib/badge.tsx";
import { ConfirmDialog, useModalWhile } from "../../../lib/confirm-dialog.tsx";
import { formatDateTime, formatRelative, shortImage } from "../../../lib/format.ts";
import { ListTable } from "../../../lib/list-page.tsx";
import { errorText } from "../../../lib/server-errors.ts";
import { useClient } from "../../../lib/use-client.ts";
import { functionRevisionsQuery, rollbackMutation } from "../api/revision-queries.ts";

const CURRENT = {
  className: "bg-emerald-100 text-emerald-800 dark:bg-emerald-900/40 dark:text-emerald-200",
  Icon: CheckCircle2,
};

/** How many changed fields a row names before "and N more". */
const SHOWN_CHANGES = 4;

/** What `revision` changed from `before` (the next older one kept), in words. */
export function changesText(revision: FunctionRevision, before: FunctionRevision | undefined) {
  if (before === undefined) return revision.number === 1 ? "created" : "-";
  const changes = revisionChanges(before.spec, revision.spec);
  if (changes.length === 0) return `same as ${before.name}`;
  const more = changes.length - SHOWN_CHANGES;
  return changes.slice(0, SHOWN_CHANGES).join(", ") + (more > 0 ? ` and ${more} more` : "");
}

function useRollback(name: string) {
  const client = useClient();
  const queries = useQueryClient();
  return useMutation({
    ...rollbackMutation(client, name),
    // A rollback changes the function, its revisions and what the other cards show of it.
    onSettled: () => queries.invalidateQueries(),
  });
}

/** The revisions card of function `name`. */
export function RevisionsPanel({ name, canWrite }: { name: string; canWrite: boolean }) {
  const client = useClient();
  const list = useQuery(functionRevisionsQuery(client, name));
  const rollback = useRollback(name);
  const [target, setTarget] = useState<FunctionRevision>();
  const [done, setDone] = useState<string>();
  const dialog = useModalWhile(target !== undefined);
  const titleId = useId();
  const revisions = list.data ?? [];
  const current = revisions.find((r) => r.current);

  const confirm = () => {
    if (target === undefined) return;
    setDone(undefined);
    rollback.mutate(target.number, {
      onSuccess: () => {
        setDone(`Rolled back to ${target.name}: its spec is rolling out as a new revision.`);
        setTarget(undefined);
      },
    });
  };

  return (
    <section className="card space-y-3" aria-labelledby={titleId}>
      <h2 id={titleId} className="text-lg font-semibold">
        Revisions
      </h2>
      {done && (
        <p role="status" className="text-sm" data-testid="rollback-done">
          {done}
        </p>
      )}
      {list.isPending && <p role="status">Loading revisions...</p>}
      {list.isError && <p role="alert">Could not load revisions: {errorText(list.error)}</p>}
      {list.data?.length === 0 && (
        <p className="text-sm text-slate-600 dark:text-slate-300">
          No revision kept: a change of the image or the configuration records one.
        </p>
      )}
      {revisions.length > 0 && (
        <ListTable
          label={`Revisions of ${name}`}
          head={
            <>
              <th className="px-3 py-2">Revision</th>
              <th className="px-3 py-2">Image</th>
              <th className="px-3 py-2">Changes</th>
              <th className="px-3 py-2">By</th>
              <th className="px-3 py-2">Created</th>
              <th className="px-3 py-2">
                <span className="sr-only">Actions</span>
              </th>
            </>
          }
        >
          {revisions.map((r, i) => (
            <tr
              key={r.name}
              className="border-t border-slate-200 dark:border-slate-800"
              data-testid={`revision-${r.number}`}
            >
              <td className="px-3 py-2 font-mono whitespace-nowrap">
                {r.name}{" "}
                {r.current && (
                  <Badge look={CURRENT} data-testid="current-revision">
                    current
                  </Badge>
                )}
              </td>
              <td className="px-3 py-2 font-mono text-xs" title={r.digest ?? r.image}>
                {shortImage(r.image)}
              </td>
              <td className="px-3 py-2">{changesText(r, revisions[i + 1])}</td>
              <td className="px-3 py-2">{r.created_by || "-"}</td>
              <td className="px-3 py-2 whitespace-nowrap">
                <time dateTime={r.created_at} title={formatDateTime(r.created_at)}>
                  {formatRelative(r.created_at)}
                </time>
              </td>
              <td className="px-3 py-2 text-right">
                {canWrite && !r.current && (
                  <button
                    type="button"
                    className="btn whitespace-nowrap"
                    aria-label={`Roll back to ${r.name}`}
                    onClick={() => {
                      rollback.reset();
                      setTarget(r);
                    }}
                  >
                    <History aria-hidden size={16} /> Roll back
                  </button>
                )}
              </td>
            </tr>
          ))}
        </ListTable>
      )}
      {canWrite && (
        <ConfirmDialog
          dialogRef={dialog}
          title={`Roll ${name} back to ${target?.name ?? ""}?`}
          confirmLabel="Roll back"
          confirmDisabled={rollback.isPending}
          error={rollback.error ?? undefined}
          onConfirm={confirm}
          onClose={() => setTarget(undefined)}
        >
          <p className="text-sm">
            Its image ({target ? shortImage(target.image) : ""}) and configuration replace{" "}
            {current ? current.name : "what runs now"}'s as an update: a rolling update that keeps
            the replica count and records a new revision.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
