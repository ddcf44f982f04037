/**
 * The "Events" card of a function: its deploys, scale changes, crashes with their reason,
 * readiness and failures, newest first, refreshing while the page is open.
 */
import { useQuery } from "@tanstack/react-query";
import { useId } from "react";
import { errorText } from "../../../lib/server-errors.ts";
import { useClient } from "../../../lib/use-client.ts";
import { functionEventsQuery } from "../api/event-queries.ts";
import { EventsTable } from "./events-table.tsx";

/** The card of function `name`. */
export function EventsCard({ name }: { name: string }) {
  const client = useClient();
  const list = useQuery(functionEventsQuery(client, name));
  const titleId = useId();
  return (
    <section className="card space-y-3" aria-labelledby={titleId} data-testid="events-card">
      <h2 id={titleId} className="text-lg font-semibold">
        Events
      </h2>
      {list.isPending && <p role="status">Loading events...</p>}
      {list.isError && <p role="alert">Could not load events: {errorText(list.error)}</p>}
      {list.data?.length === 0 && (
        <p className="text-sm text-slate-600 dark:text-slate-300">No event yet.</p>
      )}
      {list.data && list.data.length > 0 && (
        <EventsTable label={`Events of ${name}`} events={list.data} />
      )}
    </section>
  );
}
