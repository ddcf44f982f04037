/** The API client for the signed-in session, shared through context. */
import { useMemo, type ReactNode } from "react";
import { createClient, type Client } from "./api-client.ts";
import { useSession } from "./session.tsx";
import { ClientContext } from "./use-client.ts";

/** Provides a client whose token is always the session's current one. */
export function ClientProvider({
  children,
  url,
  client,
}: {
  children: ReactNode;
  url?: string;
  client?: Client;
}) {
  const { session } = useSession();
  const token = session?.token;
  const value = useMemo(
    () =>
      client ?? createClient({ url: url ?? window.location.origin, tokenProvider: () => token }),
    [client, url, token],
  );
  return <ClientContext.Provider value={value}>{children}</ClientContext.Provider>;
}

export { useClient } from "./use-client.ts";
