/** Mutations that change a function; each refreshes the function queries when it settles. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useClient } from "../../../lib/use-client.ts";
import {
  deleteFunctionMutation,
  functionKeys,
  saveFunctionMutation,
  scaleFunctionMutation,
} from "../api/function-queries.ts";

/** Create (no `existing` name) or update a function. */
export function useSaveFunction(existing: string | undefined) {
  const client = useClient();
  const queries = useQueryClient();
  return useMutation({
    ...saveFunctionMutation(client, existing),
    onSettled: () => queries.invalidateQueries({ queryKey: functionKeys.all }),
  });
}

/** Scale a function. */
export function useScaleFunction(name: string) {
  const client = useClient();
  const queries = useQueryClient();
  return useMutation({
    ...scaleFunctionMutation(client, name),
    onSuccess: (fn) => queries.setQueryData(functionKeys.one(name), fn),
    onSettled: () => queries.invalidateQueries({ queryKey: functionKeys.all }),
  });
}

/** Delete a function. */
export function useDeleteFunction(name: string) {
  const client = useClient();
  const queries = useQueryClient();
  return useMutation({
    ...deleteFunctionMutation(client, name),
    onSuccess: () => {
      queries.removeQueries({ queryKey: functionKeys.one(name) });
      return queries.invalidateQueries({ queryKey: functionKeys.all });
    },
  });
}
