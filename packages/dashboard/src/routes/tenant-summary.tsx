/**
 * The tenant at a glance, above the functions list: functions by status, the last 5 minutes'
 * invocations split by answer over time, the busiest functions and those that need attention.
 */
import { FUNCTION_PHASES, type FunctionStatus } from "@eventflow/protocol";
import { Suspense, lazy, type ReactNode } from "react";
import { StatusBadge } from "../features/functions/components/status-badge.tsx";
import type { RecentMetrics } from "../features/metrics/hooks/use-recent-stats.ts";
import { Link } from "../lib/router.tsx";

// Recharts loads with the chart, after the list: the first page stays small.
const InvocationsChart = lazy(() =>
  import("../features/metrics/components/metrics-charts.tsx").then((m) => ({
    default: m.InvocationsChart,
  })),
);

function FunctionLink({ name, children }: { name: string; children?: ReactNode }) {
  return (
    <li className="flex flex-wrap items-center gap-2">
      <Link
        href={`/functions/${encodeURIComponent(name)}`}
        className="text-sky-700 underline-offset-2 hover:underline dark:text-sky-300"
      >
        {name}
      </Link>
      {children}
    </li>
  );
}

/** The summary; nothing for a tenant without functions (the list shows how to start). */
export function TenantSummary(props: {
  functions: readonly FunctionStatus[];
  metrics: RecentMetrics;
}) {
  const { functions, metrics } = props;
  if (functions.length === 0) return null;
  const count = (phase: string) => functions.filter((f) => f.status === phase).length;
  const busiest = functions
    .map((f) => ({ name: f.name, n: metrics.byName[f.name]?.invocations ?? 0 }))
    .filter((f) => f.n > 0)
    .toSorted((a, b) => b.n - a.n)
    .slice(0, 3);
  const failing = functions.filter(
    (f) =>
      f.status === "Failed" || f.status === "Degraded" || (metrics.byName[f.name]?.errors ?? 0) > 0,
  );
  return (
    <section aria-label="Tenant at a glance" className="mb-6 grid gap-4 lg:grid-cols-[1fr_2fr]">
      <div className="card space-y-3 text-sm">
        <h2 className="text-base font-semibold">At a glance</h2>
        <ul className="flex flex-wrap gap-2" data-testid="status-counts">
          {FUNCTION_PHASES.filter((p) => count(p) > 0).map((phase) => (
            <li key={phase} className="flex items-center gap-1" data-phase={phase}>
              <StatusBadge status={phase} /> <span className="tabular-nums">{count(phase)}</span>
            </li>
          ))}
        </ul>
        <div>
          <h3 className="font-medium">Busiest (5 min)</h3>
          <ul data-testid="busiest">
            {busiest.length === 0 && (
              <li className="text-slate-600 dark:text-slate-300">No traffic.</li>
            )}
            {busiest.map((f) => (
              <FunctionLink key={f.name} name={f.name}>
                <span className="tabular-nums text-slate-600 dark:text-slate-300">{f.n}</span>
              </FunctionLink>
            ))}
          </ul>
        </div>
        <div>
          <h3 className="font-medium">Needs attention</h3>
          <ul data-testid="failing">
            {failing.length === 0 && (
              <li className="text-slate-600 dark:text-slate-300">Nothing.</li>
            )}
            {failing.map((f) => (
              <FunctionLink key={f.name} name={f.name}>
                <StatusBadge status={f.status} reason={f.last_error?.message} />
                {(metrics.byName[f.name]?.errors ?? 0) > 0 && (
                  <span>{metrics.byName[f.name]?.errors} 5xx</span>
                )}
              </FunctionLink>
            ))}
          </ul>
        </div>
      </div>
      <div className="card">
        <Suspense fallback={<p role="status">Loading metrics...</p>}>
          {metrics.tenant ? (
            <InvocationsChart series={metrics.tenant} height={180} testId="tenant-invocations" />
          ) : (
            <p role="status">Loading metrics...</p>
          )}
        </Suspense>
      </div>
    </section>
  );
}
