/** An event's type as a coloured badge with an icon, so colour is never the only signal. */
import type { FunctionEventType } from "@eventflow/sdk/client";
import { CheckCircle2, Rocket, RefreshCw, Scaling, Skull, XCircle } from "lucide-react";
import { Badge } from "../../../lib/badge.tsx";

const LOOK: Record<FunctionEventType, { className: string; Icon: typeof CheckCircle2 }> = {
  deployed: {
    className: "bg-sky-100 text-sky-900 dark:bg-sky-900/50 dark:text-sky-100",
    Icon: Rocket,
  },
  updated: {
    className: "bg-sky-100 text-sky-900 dark:bg-sky-900/50 dark:text-sky-100",
    Icon: RefreshCw,
  },
  scaled: {
    className: "bg-slate-200 text-slate-900 dark:bg-slate-700 dark:text-slate-100",
    Icon: Scaling,
  },
  ready: {
    className: "bg-emerald-100 text-emerald-900 dark:bg-emerald-900/50 dark:text-emerald-100",
    Icon: CheckCircle2,
  },
  crashed: {
    className: "bg-red-100 text-red-900 dark:bg-red-900/50 dark:text-red-100",
    Icon: Skull,
  },
  failed: {
    className: "bg-amber-100 text-amber-900 dark:bg-amber-900/50 dark:text-amber-100",
    Icon: XCircle,
  },
};

/** The badge. */
export function EventTypeBadge({ type }: { type: FunctionEventType }) {
  return (
    <Badge look={LOOK[type] ?? LOOK.scaled} data-event-type={type}>
      {type}
    </Badge>
  );
}
