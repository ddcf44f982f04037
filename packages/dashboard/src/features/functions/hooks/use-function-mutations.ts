/** Mutations that change a function; each refreshes the function queries when it settles. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { FunctionCreateRequest, FunctionSpecInput } from "@eventflow/protocol";
import { useClient } from "../../../lib/use-client.ts";
import { functionKeys } from "../api/function-queries.ts";

/** Create (no `name` to update) or update a function. */
export function useSaveFunction(existing: string | undefined) {
  const client = useClient();
  const queries = useQueryClient();
  return useMutation({
    mutationFn: (spec: FunctionCreateRequest) => {
      if (existing === undefined) return client.functions.create(spec);
      const { name: _name, ...rest } = spec;
      return client.functions.update(existing, rest satisfies FunctionSpecInput);
    },
    onSettled: () => queries.invalidateQueries({ queryKey: functionKeys.all }),
  });
}

/** Scale a function. */
export function useScaleFunction(name: string) {
  const client = useClient();
  const queries = useQueryClient();
  return useMutation({
    mutationFn: (replicas: number) => client.functions.scale(name, replicas),
    onSuccess: (fn) => queries.setQueryData(functionKeys.one(name), fn),
    onSettled: () => queries.invalidateQueries({ queryKey: functionKeys.all }),
  });
}

/** Delete a function. */
export function useDeleteFunction(name: string) {
  const client = useClient();
  const queries = useQueryClient();
  return useMutation({
    mutationFn: () => client.functions.delete(name),
    onSuccess: () => {
      queries.removeQueries({ queryKey: functionKeys.one(name) });
      return queries.invalidateQueries({ queryKey: functionKeys.all });
    },
  });
}
