/**
 * Invocations as a table: id (opens the detail), state, attempts, created and finished. Shared
 * by a function's invocations and the dead letters; `select` adds the dead letters' checkboxes
 * and `actions` their per-row buttons.
 */
import type { Invocation } from "@eventflow/sdk/client";
import type { ReactNode } from "react";
import { Age, ListTable } from "../../../lib/list-page.tsx";
import { Link } from "../../../lib/router.tsx";
import { InvocationStateBadge } from "./state-badge.tsx";

/** The error of the last attempt, for the table (the detail has them all). */
function lastError(inv: Invocation): string {
  const last = inv.attempts.at(-1);
  if (last?.error) return last.error.code;
  return last?.status === undefined ? "" : String(last.status);
}

/** The table. */
export function InvocationsTable(props: {
  label: string;
  invocations: readonly Invocation[];
  onOpen: (id: string) => void;
  /** Show the function column (the tenant-wide dead letters). */
  showFunction?: boolean;
  select?: { selected: ReadonlySet<string>; toggle: (id: string) => void };
  actions?: (inv: Invocation) => ReactNode;
  now?: number;
}): ReactNode {
  const { invocations, select, actions, showFunction = false, now = Date.now() } = props;
  const headers = [
    "Invocation",
    "State",
    ...(showFunction ? ["Function"] : []),
    "Attempts",
    "Last answer",
    "Created",
    "Finished",
  ];
  return (
    <ListTable
      label={props.label}
      head={
        <>
          {select && (
            <th scope="col" className="px-3 py-2">
              <span className="sr-only">Selected</span>
            </th>
          )}
          {headers.map((h) => (
            <th key={h} scope="col" className="px-3 py-2 font-medium">
              {h}
            </th>
          ))}
          {actions && (
            <th scope="col" className="px-3 py-2">
              <span className="sr-only">Actions</span>
            </th>
          )}
        </>
      }
    >
      {invocations.map((inv) => (
        <tr
          key={inv.id}
          className="border-t border-slate-200 dark:border-slate-800"
          data-invocation={inv.id}
        >
          {select && (
            <td className="px-3 py-2">
              <input
                type="checkbox"
                aria-label={`Select ${inv.id}`}
                checked={select.selected.has(inv.id)}
                onChange={() => select.toggle(inv.id)}
              />
            </td>
          )}
          <td className="px-3 py-2">
            <button
              type="button"
              className="font-mono text-xs text-sky-700 underline-offset-2 hover:underline dark:text-sky-300"
              title={inv.id}
              aria-label={`Open invocation ${inv.id}`}
              onClick={() => props.onOpen(inv.id)}
            >
              {/* The id's first group: whole words of the name, as screen readers need. */}
              {inv.id.slice(0, 8)}
            </button>
          </td>
          <td className="px-3 py-2">
            <InvocationStateBadge state={inv.state} />
          </td>
          {showFunction && (
            <td className="px-3 py-2">
              <Link
                href={`/functions/${encodeURIComponent(inv.function)}`}
                className="text-sky-700 underline-offset-2 hover:underline dark:text-sky-300"
              >
                {inv.function}
              </Link>
            </td>
          )}
          <td className="px-3 py-2 tabular-nums" data-testid="attempts">
            {inv.attempts.length}
          </td>
          <td className="px-3 py-2 font-mono text-xs">{lastError(inv) || "-"}</td>
          <td className="px-3 py-2 tabular-nums">
            <Age iso={inv.createdAt} now={now} />
          </td>
          <td className="px-3 py-2 tabular-nums">
            {inv.finishedAt === undefined ? "-" : <Age iso={inv.finishedAt} now={now} />}
          </td>
          {actions && <td className="px-3 py-2 text-right">{actions(inv)}</td>}
        </tr>
      ))}
    </ListTable>
  );
}
