/** An invocation's state as a coloured badge with an icon, so colour is never the only signal. */
import type { InvocationState } from "@eventflow/sdk/client";
import { CheckCircle2, CircleDashed, Loader2, Skull, XCircle } from "lucide-react";
import { Badge } from "../../../lib/badge.tsx";

const LOOK: Record<InvocationState, { className: string; Icon: typeof CheckCircle2 }> = {
  queued: {
    className: "bg-slate-200 text-slate-900 dark:bg-slate-700 dark:text-slate-100",
    Icon: CircleDashed,
  },
  running: {
    className: "bg-sky-100 text-sky-900 dark:bg-sky-900/50 dark:text-sky-100",
    Icon: Loader2,
  },
  succeeded: {
    className: "bg-emerald-100 text-emerald-900 dark:bg-emerald-900/50 dark:text-emerald-100",
    Icon: CheckCircle2,
  },
  failed: {
    className: "bg-amber-100 text-amber-900 dark:bg-amber-900/50 dark:text-amber-100",
    Icon: XCircle,
  },
  dead: {
    className: "bg-red-100 text-red-900 dark:bg-red-900/50 dark:text-red-100",
    Icon: Skull,
  },
};

/** The badge. */
export function InvocationStateBadge({ state }: { state: InvocationState }) {
  return (
    <Badge look={LOOK[state] ?? LOOK.queued} spin={state === "running"} data-state={state}>
      {state}
    </Badge>
  );
}
