/** Query and mutation options of a function's revisions and its rollback (a move of all its traffic). */
import { mutationOptions, queryOptions } from "@tanstack/react-query";
import type { Client } from "../../../lib/api-client.ts";

/** How often the list refreshes while shown (an edit made elsewhere shows up). */
export const REVISIONS_INTERVAL_MS = 5000;

/** Keys of the revision queries, for invalidation after a rollback or an edit. */
export const revisionKeys = {
  all: ["revisions"] as const,
  of: (name: string) => ["revisions", name] as const,
};

/** `GET /v1/functions/{name}/revisions`, newest first. */
export function functionRevisionsQuery(client: Client, name: string) {
  return queryOptions({
    queryKey: revisionKeys.of(name),
    queryFn: ({ signal }) => client.functions.revisions(name, { signal }),
    refetchInterval: REVISIONS_INTERVAL_MS,
  });
}

/**
 * `POST /v1/functions/{name}:rollback {to}`: every request goes to revision `to` at once (no
 * revision is made); resolves to the function with its traffic.
 */
export function rollbackMutation(client: Client, name: string) {
  return mutationOptions({
    mutationKey: ["functions", name, "rollback"],
    mutationFn: (to: number) => client.functions.rollback(name, to),
  });
}
