/** Mutations that change a secret; each refreshes the secret queries when it settles. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useClient } from "../../../lib/use-client.ts";
import { deleteSecretMutation, saveSecretMutation, secretKeys } from "../api/secret-queries.ts";

/** Create (no `existing` name) or replace a secret's keys. */
export function useSaveSecret(existing: string | undefined) {
  const client = useClient();
  const queries = useQueryClient();
  return useMutation({
    ...saveSecretMutation(client, existing),
    onSettled: () => queries.invalidateQueries({ queryKey: secretKeys.all }),
  });
}

/** Delete a secret (`force` even when functions use it). */
export function useDeleteSecret() {
  const client = useClient();
  const queries = useQueryClient();
  return useMutation({
    ...deleteSecretMutation(client),
    onSettled: () => queries.invalidateQueries({ queryKey: secretKeys.all }),
  });
}
