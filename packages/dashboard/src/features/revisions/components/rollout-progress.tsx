/** Where a progressive rollout of a new revision stands: phase, step i of n, percent, reason. */
import { revisionName } from "@eventflow/protocol";
import type { FunctionStatus } from "@eventflow/sdk/client";
import { CheckCircle2, Loader2, Undo2 } from "lucide-react";
import { Badge } from "../../../lib/badge.tsx";
import { formatDateTime, formatRelative } from "../../../lib/format.ts";

const PHASES = {
  progressing: {
    label: "progressing",
    look: {
      className: "bg-sky-100 text-sky-800 dark:bg-sky-900/40 dark:text-sky-200",
      Icon: Loader2,
    },
  },
  promoted: {
    label: "promoted",
    look: {
      className: "bg-emerald-100 text-emerald-800 dark:bg-emerald-900/40 dark:text-emerald-200",
      Icon: CheckCircle2,
    },
  },
  rolledBack: {
    label: "rolled back",
    look: {
      className: "bg-red-100 text-red-800 dark:bg-red-900/40 dark:text-red-200",
      Icon: Undo2,
    },
  },
} as const;

/** `step 2 of 3`, or `step 2` when the spec's steps are not known. */
export function stepText(step: number, steps: number | undefined): string {
  return steps === undefined ? `step ${step + 1}` : `step ${step + 1} of ${steps}`;
}

/** The rollout line of `fn`, or nothing when no rollout ran. */
export function RolloutProgress({ fn }: { fn: Pick<FunctionStatus, "name" | "rollout" | "spec"> }) {
  const { rollout } = fn;
  if (rollout === undefined) return null;
  const steps = fn.spec.rollout?.steps.length;
  const phase = PHASES[rollout.phase];
  return (
    <p className="flex flex-wrap items-center gap-2 text-sm" data-testid="rollout-progress">
      <span>
        Rollout of <span className="font-mono">{revisionName(fn.name, rollout.revision)}</span> from{" "}
        <span className="font-mono">{revisionName(fn.name, rollout.from)}</span>:
      </span>
      <Badge look={phase.look} spin={rollout.phase === "progressing"} data-testid="rollout-phase">
        {phase.label}
      </Badge>
      <span data-testid="rollout-step">
        {stepText(rollout.step, steps)}, {rollout.percent}% of the requests
      </span>
      <time dateTime={rollout.since} title={formatDateTime(rollout.since)} className="text-xs">
        ({formatRelative(rollout.since)})
      </time>
      {rollout.reason !== undefined && (
        <span data-testid="rollout-reason" className="text-slate-600 dark:text-slate-300">
          ({rollout.reason})
        </span>
      )}
    </p>
  );
}
