/** Redrive and purge of dead letters; each refreshes every invocation query when it settles. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useClient } from "../../../lib/use-client.ts";
import { deadLetterMutation, invocationKeys } from "../api/invocation-queries.ts";

/** Queue dead letters again, or forget them. */
export function useDeadLetterAction(action: "redrive" | "purge") {
  const client = useClient();
  const queries = useQueryClient();
  return useMutation({
    ...deadLetterMutation(client, action),
    onSettled: () => queries.invalidateQueries({ queryKey: invocationKeys.all }),
  });
}
