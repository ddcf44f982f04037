/** `/`: the functions list with live status and recent numbers. */
import { useQuery } from "@tanstack/react-query";
import { Plus } from "lucide-react";
import { functionsListQuery } from "../features/functions/api/function-queries.ts";
import { FunctionsTable } from "../features/functions/components/functions-table.tsx";
import { useRecentStats } from "../features/metrics/hooks/use-recent-stats.ts";
import { useClient } from "../lib/client-context.tsx";
import { Link } from "../lib/router.tsx";
import { canWrite, useSession } from "../lib/session.tsx";
import { errorText } from "../lib/server-errors.ts";

/** The page. */
export function FunctionsPage() {
  const client = useClient();
  const { session } = useSession();
  const list = useQuery(functionsListQuery(client));
  const stats = useRecentStats(client, list.data?.map((f) => f.name) ?? []);
  const write = canWrite(session);
  return (
    <>
      <div className="mb-4 flex items-center gap-3">
        <h1 className="mr-auto text-2xl font-semibold">Functions</h1>
        {write && (
          <Link href="/functions/new" className="btn-primary">
            <Plus aria-hidden size={16} /> Create function
          </Link>
        )}
      </div>
      {list.isPending && <p role="status">Loading functions...</p>}
      {list.isError && <p role="alert">Could not load functions: {errorText(list.error)}</p>}
      {list.data && <FunctionsTable functions={list.data} stats={stats} canCreate={write} />}
    </>
  );
}
