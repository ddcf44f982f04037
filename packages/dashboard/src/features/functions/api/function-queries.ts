/** Query options of the function calls; lists refresh every few seconds for live status. */
import { queryOptions } from "@tanstack/react-query";
import type { Client } from "../../../lib/api-client.ts";

/** How often function status refreshes while a page shows it. */
export const LIVE_INTERVAL_MS = 2000;

/** Keys of the function queries, for invalidation after a change. */
export const functionKeys = {
  all: ["functions"] as const,
  one: (name: string) => ["functions", name] as const,
};

/** `GET /v1/functions`. */
export function functionsListQuery(client: Client) {
  return queryOptions({
    queryKey: functionKeys.all,
    queryFn: ({ signal }) => client.functions.list({ signal }),
    refetchInterval: LIVE_INTERVAL_MS,
  });
}

/** `GET /v1/functions/{name}`. */
export function functionQuery(client: Client, name: string) {
  return queryOptions({
    queryKey: functionKeys.one(name),
    queryFn: ({ signal }) => client.functions.get(name, { signal }),
    refetchInterval: LIVE_INTERVAL_MS,
  });
}
