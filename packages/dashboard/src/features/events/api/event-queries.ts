/** Query options of a function's recent events. */
import { queryOptions } from "@tanstack/react-query";
import type { Client } from "../../../lib/api-client.ts";

/** How often the events refresh while the page shows them (the function's own pace). */
export const EVENTS_INTERVAL_MS = 2000;

/** Keys of the events queries. */
export const eventKeys = {
  list: (name: string) => ["events", name] as const,
};

/** `GET /v1/functions/{name}/events`, newest first, refreshing while shown. */
export function functionEventsQuery(client: Client, name: string) {
  return queryOptions({
    queryKey: eventKeys.list(name),
    queryFn: ({ signal }) => client.functions.events(name, { signal }),
    refetchInterval: EVENTS_INTERVAL_MS,
  });
}
