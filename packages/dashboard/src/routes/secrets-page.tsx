/** `/secrets`: the tenant's secrets, create, update and delete (never their values). */
import type { SecretInfo } from "@eventflow/protocol";
import { useQuery } from "@tanstack/react-query";
import { Plus } from "lucide-react";
import { useState } from "react";
import { secretsListQuery } from "../features/secrets/api/secret-queries.ts";
import { DeleteSecretDialog } from "../features/secrets/components/delete-secret.tsx";
import { SecretsTable } from "../features/secrets/components/secrets-table.tsx";
import { useDeleteSecret } from "../features/secrets/hooks/use-secret-mutations.ts";
import { useClient } from "../lib/client-context.tsx";
import { Link } from "../lib/router.tsx";
import { errorText } from "../lib/server-errors.ts";
import { canWrite, useSession } from "../lib/session.tsx";

/** The page. */
export function SecretsPage() {
  const client = useClient();
  const { session } = useSession();
  const list = useQuery(secretsListQuery(client));
  const remove = useDeleteSecret();
  const [deleting, setDeleting] = useState<SecretInfo>();
  const write = canWrite(session);
  return (
    <>
      <div className="mb-4 flex items-center gap-3">
        <h1 className="mr-auto text-2xl font-semibold">Secrets</h1>
        {write && (
          <Link href="/secrets/new" className="btn-primary">
            <Plus aria-hidden size={16} /> Create secret
          </Link>
        )}
      </div>
      {list.isPending && <p role="status">Loading secrets...</p>}
      {list.isError && <p role="alert">Could not load secrets: {errorText(list.error)}</p>}
      {list.data && <SecretsTable secrets={list.data} canWrite={write} onDelete={setDeleting} />}
      <DeleteSecretDialog
        secret={deleting}
        onDelete={async (name, force) => {
          await remove.mutateAsync({ name, force });
        }}
        onClose={() => setDeleting(undefined)}
      />
    </>
  );
}
