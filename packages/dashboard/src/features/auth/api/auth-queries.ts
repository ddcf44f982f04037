/** Query options of the sign-in calls (TanStack style: one options object per API call). */
import { mutationOptions, queryOptions } from "@tanstack/react-query";
import type { Client } from "../../../lib/api-client.ts";

/** `GET /auth/config`: dev auth on? OIDC issuer and client id? */
export function authConfigQuery(client: Client) {
  return queryOptions({
    queryKey: ["auth", "config"],
    queryFn: ({ signal }) => client.tokens.authConfig({ signal }),
    staleTime: 60_000,
  });
}

/** `POST /auth/token` (dev auth): a developer token of the default tenant. */
export function devTokenMutation(client: Client) {
  return mutationOptions({
    mutationKey: ["auth", "dev-token"],
    mutationFn: () => client.tokens.dev(),
  });
}
