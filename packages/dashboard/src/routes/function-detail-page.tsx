/**
 * `/functions/:name`: overview, scale, delete, invoke console, recent events, revisions and
 * rollback, triggers, asynchronous invocations and dead letters, live logs and charts.
 */
import { useQuery } from "@tanstack/react-query";
import { Pencil } from "lucide-react";
import { DEFAULT_FUNCTION_SPEC_LIMITS } from "@eventflow/protocol/function-spec";
import { EventsCard } from "../features/events/components/events-card.tsx";
import { functionQuery, limitsQuery } from "../features/functions/api/function-queries.ts";
import { DeleteFunction } from "../features/functions/components/delete-function.tsx";
import { FunctionEndpoint } from "../features/functions/components/function-endpoint.tsx";
import { FunctionOverview } from "../features/functions/components/function-overview.tsx";
import { ScaleControl } from "../features/functions/components/scale-control.tsx";
import { DeadLetters } from "../features/invocations/components/dead-letters.tsx";
import { FunctionTriggers } from "../features/invocations/components/function-triggers.tsx";
import { InvocationsPanel } from "../features/invocations/components/invocations-panel.tsx";
import { InvokeConsole } from "../features/invoke/components/invoke-console.tsx";
import { LogViewer } from "../features/logs/components/log-viewer.tsx";
import { useLogStream } from "../features/logs/hooks/use-log-stream.ts";
import { MetricsPanel } from "../features/metrics/components/metrics-panel.tsx";
import { RevisionsPanel } from "../features/revisions/components/revisions-panel.tsx";
import { useClient } from "../lib/client-context.tsx";
import { Breadcrumbs } from "../lib/breadcrumbs.tsx";
import { Link, navigate } from "../lib/router.tsx";
import { canWrite, useSession } from "../lib/session.tsx";
import { errorText } from "../lib/server-errors.ts";

function LiveLogs({ name }: { name: string }) {
  const client = useClient();
  const stream = useLogStream(client, name);
  return <LogViewer lines={stream.lines} name={name} state={stream.state} />;
}

/** The page. */
export function FunctionDetailPage({ name }: { name: string }) {
  const client = useClient();
  const { session } = useSession();
  const fn = useQuery(functionQuery(client, name));
  const limits = useQuery(limitsQuery(client)).data ?? DEFAULT_FUNCTION_SPEC_LIMITS;
  const write = canWrite(session);
  if (fn.isPending) return <p role="status">Loading {name}...</p>;
  if (fn.isError) {
    return (
      <div className="space-y-3">
        <h1 className="text-2xl font-semibold">{name}</h1>
        <p role="alert">
          {(fn.error as { code?: string }).code === "FUNCTION_NOT_FOUND"
            ? "This function does not exist (any more)."
            : errorText(fn.error)}
        </p>
        <Link href="/" className="btn">
          Back to functions
        </Link>
      </div>
    );
  }
  return (
    <div className="space-y-4">
      <Breadcrumbs trail={[{ label: "Functions", href: "/" }, { label: name }]} />
      <div className="flex flex-wrap items-end gap-3" data-testid="detail-header">
        <h1 className="mr-auto text-2xl font-semibold">{name}</h1>
        {write && (
          <>
            <ScaleControl
              key={fn.data.replicas}
              name={name}
              replicas={fn.data.replicas}
              maxReplicas={limits.maxReplicas}
            />
            <Link href={`/functions/${encodeURIComponent(name)}/edit`} className="btn">
              <Pencil aria-hidden size={16} /> Edit
            </Link>
            <DeleteFunction name={name} onDeleted={() => navigate("/")} />
          </>
        )}
      </div>
      <FunctionOverview fn={fn.data} />
      <FunctionEndpoint fn={fn.data} />
      <MetricsPanel client={client} name={name} />
      {write && <InvokeConsole client={client} fn={fn.data} />}
      <EventsCard name={name} />
      <RevisionsPanel fn={fn.data} canWrite={write} />
      <FunctionTriggers triggers={fn.data.spec.triggers} />
      <InvocationsPanel name={name} />
      <DeadLetters name={name} canWrite={write} />
      <LiveLogs name={name} />
    </div>
  );
}
