/** Query and mutation options of the function calls; status refreshes every few seconds. */
import type { FunctionCreateRequest, FunctionSpecInput } from "@eventflow/protocol";
import { mutationOptions, queryOptions } from "@tanstack/react-query";
import type { Client } from "../../../lib/api-client.ts";

/** How often function status refreshes while a page shows it. */
export const LIVE_INTERVAL_MS = 2000;

/** Keys of the function queries, for invalidation after a change. */
export const functionKeys = {
  all: ["functions"] as const,
  one: (name: string) => ["functions", name] as const,
};

/** `GET /v1/limits`: what the controller checks specs against; they change only on restart. */
export function limitsQuery(client: Client) {
  return queryOptions({
    queryKey: ["limits"] as const,
    queryFn: ({ signal }) => client.limits({ signal }),
    staleTime: Number.POSITIVE_INFINITY,
  });
}

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

/** `POST /v1/functions`, or `PUT /v1/functions/{name}` when `existing` names the function. */
export function saveFunctionMutation(client: Client, existing: string | undefined) {
  return mutationOptions({
    mutationKey: ["functions", existing ?? "", "save"],
    mutationFn: (spec: FunctionCreateRequest) => {
      if (existing === undefined) return client.functions.create(spec);
      const { name: _name, ...rest } = spec;
      return client.functions.update(existing, rest satisfies FunctionSpecInput);
    },
  });
}

/** `POST /v1/functions/{name}:scale`. */
export function scaleFunctionMutation(client: Client, name: string) {
  return mutationOptions({
    mutationKey: ["functions", name, "scale"],
    mutationFn: (replicas: number) => client.functions.scale(name, replicas),
  });
}

/** `DELETE /v1/functions/{name}`. */
export function deleteFunctionMutation(client: Client, name: string) {
  return mutationOptions({
    mutationKey: ["functions", name, "delete"],
    mutationFn: () => client.functions.delete(name),
  });
}
