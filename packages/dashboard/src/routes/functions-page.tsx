/** `/`: the tenant at a glance, then the functions list with live status and recent numbers. */
import { useQuery } from "@tanstack/react-query";
import { functionsListQuery } from "../features/functions/api/function-queries.ts";
import { FunctionsTable } from "../features/functions/components/functions-table.tsx";
import { useRecentStats } from "../features/metrics/hooks/use-recent-stats.ts";
import { useClient } from "../lib/client-context.tsx";
import { ListHeading } from "../lib/list-page.tsx";
import { canWrite, useSession } from "../lib/session.tsx";
import { TenantSummary } from "./tenant-summary.tsx";

/** The page. */
export function FunctionsPage() {
  const client = useClient();
  const { session } = useSession();
  const list = useQuery(functionsListQuery(client));
  const stats = useRecentStats(client, list.data?.map((f) => f.name) ?? []);
  const write = canWrite(session);
  return (
    <>
      <ListHeading
        title="Functions"
        create={write && { href: "/functions/new", label: "Create function" }}
        list={list}
      />
      {list.data && <TenantSummary functions={list.data} metrics={stats} />}
      {list.data && <FunctionsTable functions={list.data} stats={stats.byName} canCreate={write} />}
    </>
  );
}
