/** Query and mutation options of the secret calls (names, keys and users; never values). */
import type { SecretValues } from "@eventflow/sdk/client";
import { mutationOptions, queryOptions } from "@tanstack/react-query";
import type { Client } from "../../../lib/api-client.ts";

/** Keys of the secret queries, for invalidation after a change. */
export const secretKeys = {
  all: ["secrets"] as const,
  one: (name: string) => ["secrets", name] as const,
};

/** `GET /v1/secrets`. */
export function secretsListQuery(client: Client) {
  return queryOptions({
    queryKey: secretKeys.all,
    queryFn: ({ signal }) => client.secrets.list({ signal }),
  });
}

/** `GET /v1/secrets/{name}`. */
export function secretQuery(client: Client, name: string) {
  return queryOptions({
    queryKey: secretKeys.one(name),
    queryFn: ({ signal }) => client.secrets.get(name, { signal }),
  });
}

/** `POST /v1/secrets`, or `PUT /v1/secrets/{name}` (every key replaced) for `existing`. */
export function saveSecretMutation(client: Client, existing: string | undefined) {
  return mutationOptions({
    mutationKey: ["secrets", existing ?? "", "save"],
    // The mutation cache keeps a mutation's variables, here the values, until it is collected:
    // collect it as soon as the form that sent it is gone, not minutes later.
    gcTime: 0,
    mutationFn: ({ name, values }: { name: string; values: SecretValues }) =>
      existing === undefined
        ? client.secrets.create(name, values)
        : client.secrets.update(existing, values),
  });
}

/** `DELETE /v1/secrets/{name}` (`?force=true` even when functions use it). */
export function deleteSecretMutation(client: Client) {
  return mutationOptions({
    mutationKey: ["secrets", "delete"],
    mutationFn: ({ name, force }: { name: string; force: boolean }) =>
      client.secrets.delete(name, { force }),
  });
}
