/** Query options of the sign-in calls (TanStack style: one options object per API call). */
import { queryOptions } from "@tanstack/react-query";
import type { Client } from "../../../lib/api-client.ts";

/** `GET /auth/config`: dev auth on? OIDC issuer and client id? */
export function authConfigQuery(client: Client) {
  return queryOptions({
    queryKey: ["auth", "config"],
    queryFn: ({ signal }) => client.tokens.authConfig({ signal }),
    staleTime: 60_000,
  });
}
