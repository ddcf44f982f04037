/** The API client of the signed-in session, from context (provided by ClientProvider). */
import { createContext, useContext } from "react";
import type { Client } from "./api-client.ts";

/** Holds the client; set by ClientProvider. */
export const ClientContext = createContext<Client | undefined>(undefined);

/** The API client; throws outside the provider. */
export function useClient(): Client {
  const value = useContext(ClientContext);
  if (!value) throw new Error("useClient outside ClientProvider");
  return value;
}
