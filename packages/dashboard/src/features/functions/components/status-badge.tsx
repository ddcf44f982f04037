/** A function's phase as a coloured badge with an icon, so colour is never the only signal. */
import type { FunctionPhase } from "@eventflow/protocol";
import {
  AlertTriangle,
  CheckCircle2,
  CircleDashed,
  Loader2,
  MoonStar,
  XCircle,
} from "lucide-react";
import { Badge } from "../../../lib/badge.tsx";

const LOOK: Record<FunctionPhase, { className: string; Icon: typeof CheckCircle2 }> = {
  Running: {
    className: "bg-emerald-100 text-emerald-900 dark:bg-emerald-900/50 dark:text-emerald-100",
    Icon: CheckCircle2,
  },
  Deploying: {
    className: "bg-sky-100 text-sky-900 dark:bg-sky-900/50 dark:text-sky-100",
    Icon: Loader2,
  },
  Pending: {
    className: "bg-slate-200 text-slate-900 dark:bg-slate-700 dark:text-slate-100",
    Icon: CircleDashed,
  },
  Degraded: {
    className: "bg-amber-100 text-amber-900 dark:bg-amber-900/50 dark:text-amber-100",
    Icon: AlertTriangle,
  },
  Failed: {
    className: "bg-red-100 text-red-900 dark:bg-red-900/50 dark:text-red-100",
    Icon: XCircle,
  },
  ScaledToZero: {
    className: "bg-violet-100 text-violet-900 dark:bg-violet-900/50 dark:text-violet-100",
    Icon: MoonStar,
  },
};

const LABEL: Record<FunctionPhase, string> = {
  Running: "Running",
  Deploying: "Deploying",
  Pending: "Pending",
  Degraded: "Degraded",
  Failed: "Failed",
  ScaledToZero: "Scaled to zero",
};

/** The badge; `title` carries the reason when there is one. */
export function StatusBadge({
  status,
  reason,
}: {
  status: FunctionPhase;
  reason?: string | undefined;
}) {
  return (
    <Badge
      look={LOOK[status] ?? LOOK.Pending}
      spin={status === "Deploying"}
      data-status={status}
      title={reason}
    >
      {LABEL[status] ?? status}
    </Badge>
  );
}
