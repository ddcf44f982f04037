/** `/secrets`: the tenant's secrets, create, update and delete (never their values). */
import type { SecretInfo } from "@eventflow/protocol";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { secretsListQuery } from "../features/secrets/api/secret-queries.ts";
import { DeleteSecretDialog } from "../features/secrets/components/delete-secret.tsx";
import { SecretsTable } from "../features/secrets/components/secrets-table.tsx";
import { useClient } from "../lib/client-context.tsx";
import { ListHeading } from "../lib/list-page.tsx";
import { canWrite, useSession } from "../lib/session.tsx";

/** The page. */
export function SecretsPage() {
  const client = useClient();
  const { session } = useSession();
  const list = useQuery(secretsListQuery(client));
  const [deleting, setDeleting] = useState<SecretInfo>();
  const write = canWrite(session);
  return (
    <>
      <ListHeading
        title="Secrets"
        create={write && { href: "/secrets/new", label: "Create secret" }}
        list={list}
      />
      {list.data && <SecretsTable secrets={list.data} canWrite={write} onDelete={setDeleting} />}
      <DeleteSecretDialog secret={deleting} onClose={() => setDeleting(undefined)} />
    </>
  );
}
