/**
 * A function's revisions, newest first: image, what each changed from the one before it, who
 * made it and when, its share of the traffic; the traffic as a bar and the rollout's progress;
 * writers send all the traffic to another revision after confirmation (a rollback).
 */
import type { FunctionRevision, FunctionStatus, TrafficStatus } from "@eventflow/sdk/client";
import { revisionChanges } from "@eventflow/protocol";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { CheckCircle2, Send } from "lucide-react";
import { useEffect, useId, useRef, useState } from "react";
import { Badge } from "../../../lib/badge.tsx";
import { ConfirmDialog, useModalWhile } from "../../../lib/confirm-dialog.tsx";
import { formatDateTime, formatRelative, shortImage } from "../../../lib/format.ts";
import { ListTable } from "../../../lib/list-page.tsx";
import { errorText } from "../../../lib/server-errors.ts";
import { useClient } from "../../../lib/use-client.ts";
import { functionRevisionsQuery, revisionKeys, rollbackMutation } from "../api/revision-queries.ts";
import { RolloutProgress } from "./rollout-progress.tsx";
import { TrafficBar } from "./traffic-bar.tsx";

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

/** A revision's share for the table: `90%`, `0% canary`, or `-` when it takes none. */
export function trafficText(revision: Pick<FunctionRevision, "percent" | "tags">): string {
  const tags = revision.tags ?? [];
  if (revision.percent === 0 && tags.length === 0) return "-";
  return [`${revision.percent}%`, ...tags].join(" ");
}

/** What sending every request to `target` does, given where they go now. */
export function sendAllText(target: FunctionRevision, traffic: readonly TrafficStatus[]): string {
  const ready = traffic
    .filter((t) => t.revision === target.number)
    .reduce((most, t) => Math.max(most, t.ready_replicas), 0);
  const warm =
    ready > 0
      ? `It has ${ready} ready ${ready === 1 ? "replica" : "replicas"}: nothing restarts.`
      : "It may have no ready replica (an idle revision scales to zero): the first requests wait for one to start.";
  return `${target.name} takes every request at once. No revision is made and the function's spec stays as it is. ${warm}`;
}

/** What of the function the list shows: its revisions (a change) and their shares. */
function listedState(fn: FunctionStatus): string {
  const shares = (fn.traffic ?? []).map((t) => `${t.revision}:${t.percent}:${t.tag ?? ""}`);
  return `${fn.updated_at} ${shares.join(",")}`;
}

/**
 * Asks for the list again as soon as the function shows a change it lists (an update made a
 * revision, the traffic moved), instead of at its next interval: the bar and the table agree.
 */
function useListFollows(fn: FunctionStatus) {
  const queries = useQueryClient();
  const state = listedState(fn);
  const seen = useRef(state);
  useEffect(() => {
    if (seen.current === state) return;
    seen.current = state;
    void queries.invalidateQueries({ queryKey: revisionKeys.of(fn.name) });
  }, [queries, fn.name, state]);
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

/** The revisions card of function `fn`, with its traffic and rollout. */
export function RevisionsPanel({ fn, canWrite }: { fn: FunctionStatus; canWrite: boolean }) {
  const { name } = fn;
  const traffic = fn.traffic ?? [];
  const client = useClient();
  const list = useQuery(functionRevisionsQuery(client, name));
  useListFollows(fn);
  const rollback = useRollback(name);
  const [target, setTarget] = useState<FunctionRevision>();
  const [done, setDone] = useState<string>();
  const dialog = useModalWhile(target !== undefined);
  const titleId = useId();
  const revisions = list.data ?? [];

  const confirm = () => {
    if (target === undefined) return;
    setDone(undefined);
    rollback.mutate(target.number, {
      onSuccess: () => {
        setDone(`All traffic goes to ${target.name} now.`);
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
      {traffic.length > 0 && <TrafficBar name={name} traffic={traffic} />}
      <RolloutProgress fn={fn} />
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
              <th className="px-3 py-2">Traffic</th>
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
              <td className="px-3 py-2 whitespace-nowrap" data-testid="revision-traffic">
                {trafficText(r)}
              </td>
              <td className="px-3 py-2 text-right">
                {canWrite && r.percent !== 100 && (
                  <button
                    type="button"
                    className="btn whitespace-nowrap"
                    aria-label={`Send all traffic to ${r.name}`}
                    onClick={() => {
                      rollback.reset();
                      setTarget(r);
                    }}
                  >
                    <Send aria-hidden size={16} /> Send all traffic here
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
          title={`Send all of ${name}'s traffic to ${target?.name ?? ""}?`}
          confirmLabel="Send all traffic here"
          confirmDisabled={rollback.isPending}
          error={rollback.error ?? undefined}
          onConfirm={confirm}
          onClose={() => setTarget(undefined)}
        >
          <p className="text-sm">{target ? sendAllText(target, traffic) : ""}</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
