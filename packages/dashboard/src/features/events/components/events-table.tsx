/** A function's events as a table, newest first: when, type, reason, what changed, message. */
import { describeFunctionEvent } from "@eventflow/protocol";
import type { FunctionEvent } from "@eventflow/sdk/client";
import type { ReactNode } from "react";
import { formatDateTime, formatRelative } from "../../../lib/format.ts";
import { ListTable } from "../../../lib/list-page.tsx";
import { EventTypeBadge } from "./event-type-badge.tsx";

/** The event's detail (revision, count change, exit), and how many times it was seen. */
export function eventDetail(e: FunctionEvent): string {
  const times = e.count !== undefined && e.count > 1 ? `${e.count}×` : "";
  return [describeFunctionEvent(e), times].filter(Boolean).join(", ");
}

/** The table. */
export function EventsTable(props: {
  label: string;
  events: readonly FunctionEvent[];
  now?: number;
}): ReactNode {
  const { events, now = Date.now() } = props;
  return (
    <ListTable
      label={props.label}
      head={["When", "Type", "Reason", "Detail", "Message"].map((h) => (
        <th key={h} scope="col" className="px-3 py-2 font-medium">
          {h}
        </th>
      ))}
    >
      {events.map((e, i) => (
        <tr
          key={`${e.time}-${e.type}-${e.reason}-${e.replica ?? ""}-${i}`}
          className="border-t border-slate-200 align-top dark:border-slate-800"
          data-event={e.type}
        >
          <td className="whitespace-nowrap px-3 py-2">
            <time dateTime={e.time} title={formatDateTime(e.time)}>
              {formatRelative(e.time, now)}
            </time>
          </td>
          <td className="px-3 py-2">
            <EventTypeBadge type={e.type} />
          </td>
          <td className="px-3 py-2 font-medium">{e.reason}</td>
          <td className="whitespace-nowrap px-3 py-2">{eventDetail(e)}</td>
          <td className="min-w-64 break-words px-3 py-2 text-slate-700 dark:text-slate-300">
            {e.message}
          </td>
        </tr>
      ))}
    </ListTable>
  );
}
